"""The figures a run measures, and each one's ratio to its baseline in the same rounds."""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Iterable, Iterator


@dataclasses.dataclass(frozen=True)
class Figure:
    """The throughput of one subject on one workload, at one store size and object kind."""

    comparison: str
    subject: str
    role: str
    """``"store"``, ``"baseline"`` or ``"peer"``."""
    kind: str
    size: int
    workload: str
    rates: tuple[float, ...]
    """Operations per second in each round."""
    ops: int
    """Operations timed, over all rounds."""

    @property
    def ops_per_second(self) -> float:
        """The median over the rounds: a round slowed by a burst of machine load counts little."""
        return statistics.median(self.rates)

    def key(self) -> tuple[str, str, int, str]:
        """What this figure and its baseline's have in common."""
        return self.comparison, self.kind, self.size, self.workload


class Results:
    """All the figures of a run, with the lookups reports and targets need."""

    def __init__(self, figures: Iterable[Figure] = ()) -> None:
        self.figures: list[Figure] = list(figures)

    def add(self, figures: Iterable[Figure]) -> None:
        self.figures.extend(figures)

    def __iter__(self) -> Iterator[Figure]:
        return iter(self.figures)

    def baseline_of(self, figure: Figure) -> Figure | None:
        for candidate in self.figures:
            if candidate.role == "baseline" and candidate.key() == figure.key():
                return candidate
        return None

    def ratio(self, figure: Figure) -> float | None:
        """`figure`'s throughput over its baseline's: the median of the ratios of each round.

        A subject and its baseline run one after the other in each round, so the ratio of a
        round compares the two under the same load; the median drops the rounds a burst hit.
        """
        baseline = self.baseline_of(figure)
        if baseline is None or baseline is figure or len(baseline.rates) != len(figure.rates) \
                or not all(baseline.rates):
            return None
        return statistics.median(rate / base for rate, base in
                                 zip(figure.rates, baseline.rates, strict=True))

    def find(self, comparison: str, subject: str, kind: str, size: int,
             workload: str) -> Figure | None:
        for figure in self.figures:
            if (figure.comparison, figure.subject, figure.kind, figure.size,
                    figure.workload) == (comparison, subject, kind, size, workload):
                return figure
        return None

    def sizes(self) -> list[int]:
        return sorted({figure.size for figure in self.figures})

    def comparisons(self) -> list[str]:
        """The comparisons measured, in the order they were."""
        return list(dict.fromkeys(figure.comparison for figure in self.figures))

    def subjects(self, comparison: str) -> list[tuple[str, str]]:
        """(subject, role) of each subject of `comparison`, baseline first."""
        found = dict.fromkeys((figure.subject, figure.role) for figure in self.figures
                              if figure.comparison == comparison)
        return sorted(found, key=lambda pair: pair[1] != "baseline")


def size_label(size: int) -> str:
    """``1000`` as ``"1k"``, ``100000`` as ``"100k"``, ``1500`` as ``"1500"``."""
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size >= 1000 and size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)
