"""The speed-up of ``store.batch()``: new small objects saved one by one, then in one batch.

Each store that takes part in the run and runs batches in one transaction saves `count` new
objects one by one and `count` others inside one ``with store.batch():``, in turns, the order
changing from round to round; the speed-up is the median over the rounds of the time one by
one divided by the time in the batch.  It runs after the other workloads, since it grows the
store by twice `count` objects a round.
"""

from __future__ import annotations

import dataclasses
import gc
import statistics
import time
from collections.abc import Callable, Sequence

from benchmarks import comparisons as c
from benchmarks.subjects import Comparison, Role, Subject
from benchmarks.targets import Outcome
from benchmarks.workloads import new_objects
from gc3store import RecordStore

TARGET_COMPARISON = c.SQLITE_DURABLE
TARGET_SPEEDUP = 20.0
MEASURED = (c.SQLITE_DURABLE, c.SQLITE_FAST, c.POSTGRESQL, c.MARIADB)
"""The comparisons whose stores are measured: the ones that run a batch as one transaction."""


@dataclasses.dataclass(frozen=True)
class BatchFigure:
    comparison: str
    subject: str
    count: int
    one_by_one_s: tuple[float, ...]
    """Seconds to save `count` objects one by one, in each round."""
    batched_s: tuple[float, ...]
    """Seconds to save `count` objects in one batch, in each round."""

    @property
    def speedup(self) -> float:
        return statistics.median(single / batched for single, batched in
                                 zip(self.one_by_one_s, self.batched_s, strict=True))

    def rate(self, seconds: Sequence[float]) -> float:
        return self.count / statistics.median(seconds)


def measure(comparisons: Sequence[Comparison], count: int, rounds: int,
            say: Callable[[str], None]) -> list[BatchFigure]:
    figures = []
    for comparison in comparisons:
        if comparison.name not in MEASURED:
            continue
        for subject in comparison.subjects:
            if subject.role is Role.STORE:
                figures.append(_measure_subject(comparison.name, subject, count, rounds))
                say(f"batches, {comparison.name}: {count} saves in one batch "
                    f"{figures[-1].speedup:.1f}x as fast as one by one")
    return figures


def _measure_subject(comparison: str, subject: Subject, count: int, rounds: int) -> BatchFigure:
    store = subject.site.open(subject.durable)
    assert isinstance(store, RecordStore)
    one_by_one, batched = [], []
    try:
        for round_number in range(rounds):
            steps = [(one_by_one, _one_by_one), (batched, _in_one_batch)]
            for times, step in steps[::-1] if round_number % 2 else steps:
                times.append(_timed(step, store, new_objects("small", count)))
    finally:
        subject.site.release(store)
    return BatchFigure(comparison, subject.label, count, tuple(one_by_one), tuple(batched))


def _one_by_one(store: RecordStore, objects: list[object]) -> None:
    for obj in objects:
        store.save(obj)


def _in_one_batch(store: RecordStore, objects: list[object]) -> None:
    with store.batch():
        for obj in objects:
            store.save(obj)


def _timed(step: Callable[[RecordStore, list[object]], None], store: RecordStore,
           objects: list[object]) -> float:
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        step(store, objects)
        return time.perf_counter() - start
    finally:
        gc.enable()


def outcomes(figures: Sequence[BatchFigure]) -> list[Outcome]:
    name = (f"{TARGET_COMPARISON}: saves in one batch >= {TARGET_SPEEDUP:.0f}x as fast as "
            f"one by one")
    for figure in figures:
        if figure.comparison == TARGET_COMPARISON:
            status = "PASS" if figure.speedup >= TARGET_SPEEDUP else "MISS"
            return [Outcome(name, status, figure.speedup, f"{figure.count} small objects",
                            ((f"{figure.count} small objects", figure.speedup),))]
    return [Outcome(name, "not measured", None, "")]
