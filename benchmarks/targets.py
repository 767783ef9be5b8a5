"""The targets a run checks and reports (PASS or MISS; a miss never fails the run).

- Throughput: a store's operations per second as a share of its raw baseline's, measured in the
  same rounds, at every store size and object kind measured (the worst one counts).
- Scaling: a store's cost per operation on small objects at the largest store size measured
  within 1.5 times its cost at the smallest, for every workload (for ``list``, per ID listed).
"""

from __future__ import annotations

import dataclasses

from benchmarks import comparisons as c
from benchmarks.results import Figure, Results, size_label

SCALING_LIMIT = 1.5


@dataclasses.dataclass(frozen=True)
class RatioTarget:
    comparison: str
    workload: str
    minimum: float


RATIO_TARGETS = (
    RatioTarget(c.SQLITE_DURABLE, "save", 0.7),
    RatioTarget(c.SQLITE_DURABLE, "load", 0.7),
    RatioTarget(c.SQLITE_FAST, "save", 0.7),
    RatioTarget(c.SQLITE_FAST, "load", 0.7),
    RatioTarget(c.MEMORY, "save", 0.8),
    RatioTarget(c.MEMORY, "load", 0.8),
    RatioTarget(c.FILE_DURABLE, "save", 0.9),
    RatioTarget(c.FILE_DURABLE, "load", 0.8),
    RatioTarget(c.FILE_FAST, "save", 0.8),
    RatioTarget(c.POSTGRESQL, "save", 0.7),
    RatioTarget(c.POSTGRESQL, "load", 0.7),
    RatioTarget(c.MARIADB, "save", 0.7),
    RatioTarget(c.MARIADB, "load", 0.7),
)


@dataclasses.dataclass(frozen=True)
class Outcome:
    target: str
    status: str
    """``"PASS"``, ``"MISS"`` or ``"not measured"``."""
    worst: float | None
    where: str
    """Where the worst figure was measured: ``"large objects, 10k"``."""
    values: tuple[tuple[str, float], ...] = ()
    """Every figure the target looked at, by where it was measured."""


def evaluate(results: Results) -> list[Outcome]:
    outcomes = [_ratio(results, target) for target in RATIO_TARGETS]
    stores = dict.fromkeys(figure.subject for figure in results if figure.role == "store")
    outcomes.extend(_scaling(results, store) for store in stores)
    return outcomes


def _ratio(results: Results, target: RatioTarget) -> Outcome:
    name = f"{target.comparison}: {target.workload} >= {target.minimum:.1f}x raw"
    values = []
    for figure in results:
        if (figure.comparison, figure.workload, figure.role) == (
                target.comparison, target.workload, "store"):
            ratio = results.ratio(figure)
            if ratio is not None:
                values.append((f"{figure.kind} objects, {size_label(figure.size)}", ratio))
    if not values:
        return Outcome(name, "not measured", None, "")
    where, worst = min(values, key=lambda pair: pair[1])
    return Outcome(name, "PASS" if worst >= target.minimum else "MISS", worst, where,
                   tuple(values))


def _scaling(results: Results, store: str) -> Outcome:
    figures = [figure for figure in results
               if figure.subject == store and figure.kind == "small"]
    sizes = sorted({figure.size for figure in figures})
    name = f"{store}: cost per operation within {SCALING_LIMIT}x from {{}} to {{}} objects"
    if len(sizes) < 2:
        return Outcome(name.format("the smallest", "the largest"), "not measured", None, "")
    smallest, largest = sizes[0], sizes[-1]
    name = name.format(size_label(smallest), size_label(largest))
    values = []
    baseline_factors = {}
    for workload in dict.fromkeys(figure.workload for figure in figures):
        small = _find(figures, smallest, workload)
        large = _find(figures, largest, workload)
        if small is None or large is None:
            continue
        values.append((workload, _growth(small, large)))
        small_baseline, large_baseline = results.baseline_of(small), results.baseline_of(large)
        if small_baseline is not None and large_baseline is not None:
            baseline_factors[workload] = _growth(small_baseline, large_baseline)
    if not values:
        return Outcome(name, "not measured", None, "")
    where, worst = max(values, key=lambda pair: pair[1])
    if where in baseline_factors:
        # the sizes are measured minutes apart: the baseline's growth shows what the machine
        # and the medium did meanwhile
        where += f" (its baseline: {baseline_factors[where]:.2f}x)"
    return Outcome(name, "PASS" if worst <= SCALING_LIMIT else "MISS", worst, where,
                   tuple(values))


def _growth(small: Figure, large: Figure) -> float:
    """How much more an operation costs at `large`'s store size than at `small`'s."""
    factor = small.ops_per_second / large.ops_per_second
    if small.workload == "list":  # a listing's cost grows with what it lists: per ID
        factor *= small.size / large.size
    return factor


def _find(figures: list[Figure], size: int, workload: str) -> Figure | None:
    for figure in figures:
        if (figure.size, figure.workload) == (size, workload):
            return figure
    return None

