"""The objects saved, the workloads, and the interleaved rounds that time them.

In each round the subjects of a comparison run each workload together, taking turns every few
operations (the order rotating from round to round), so that machine load, however it
changes, hits a store and its baseline alike; a figure is the median over the rounds, and a
ratio the median of the rounds' ratios.  A round saves new objects,
reopens (so that loads find nothing cached), loads, replaces what it saved, removes it again
(so the store keeps its size) and lists.  Small objects are loaded from a random sample of the
whole store, large ones from those the round saved.
"""

from __future__ import annotations

import dataclasses
import gc
import itertools
import os
import random
import time
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from benchmarks.results import Figure
from benchmarks.subjects import Comparison, Handle, Site, Subject

KINDS = ("small", "large")
WORKLOADS = ("save", "load", "replace", "remove", "list")
LARGE_PAYLOAD_BYTES = 1 << 20


class SmallRecord:
    """A plain object of ten attributes, about 300 bytes pickled: a job's description."""

    def __init__(self, number: int) -> None:
        self.name = f"job-{number:08d}"
        self.number = number
        self.state = "NEW"
        self.priority = 0.5
        self.tags = ["bench", "small"]
        self.arguments = ("--input", f"in-{number:08d}.dat", "--verbose")
        self.environment = {"LANG": "C", "OMP_NUM_THREADS": "1"}
        self.requested_cores = 1
        self.finished = False
        self.output = None


class LargeRecord:
    """A plain object holding 1 MiB of bytes."""

    def __init__(self, number: int, payload: bytes) -> None:
        self.name = f"blob-{number:08d}"
        self.payload = payload


_large_payload = os.urandom(LARGE_PAYLOAD_BYTES)
_numbers = itertools.count()


def new_objects(kind: str, count: int) -> list[object]:
    """`count` objects never saved anywhere (a saved object carries its ID in its attributes)."""
    if kind == "small":
        return [SmallRecord(next(_numbers)) for _ in range(count)]
    return [LargeRecord(next(_numbers), _large_payload) for _ in range(count)]


@dataclasses.dataclass(frozen=True)
class Plan:
    """How much to measure."""

    rounds: int
    ops: int
    """The most operations a batch times."""
    list_ops: int
    """The most listings a batch times."""
    budget_s: float
    """A batch stops after this long per subject, having timed at least one chunk."""
    chunk: int
    """Operations a subject runs before the next subject's turn."""


@dataclasses.dataclass
class _Batch:
    ops: int
    seconds: float
    results: list[Any]


Run = tuple[Callable[..., Any], Sequence[tuple[Any, ...]]]
"""An operation and the arguments of each call to time it with."""


def _time_together(runs: Sequence[Run], chunk: int, budget_s: float) -> list[_Batch]:
    """Time each run, alternating chunks of at most `chunk` calls between the runs.

    Each run makes the same number of calls: all of them, or as many as fit in
    `budget_s` per run.  Alternating in short chunks puts a subject and its
    baseline under the same machine load, however it changes; the first chunk
    is one call, and later ones last no more than a tenth of the budget, so
    that slow operations (a megabyte sent to a server) alternate too.  The
    garbage collector is off while the clock runs, as in `timeit`: a
    collection that one chunk happens to trigger would otherwise land on one
    subject by chance.
    """
    results: list[list[Any]] = [[] for _ in runs]
    elapsed = [0.0] * len(runs)
    limit = min(len(calls) for _, calls in runs)
    clock = time.perf_counter
    gc.collect()
    gc.disable()
    try:
        deadline = clock() + budget_s * len(runs)
        position, size = 0, 1
        while position < limit:
            end = min(position + size, limit)
            for index, (operation, calls) in enumerate(runs):
                append = results[index].append
                start = clock()
                for arguments in calls[position:end]:
                    append(operation(*arguments))
                elapsed[index] += clock() - start
            position = end
            if clock() > deadline:
                break
            slowest = max(elapsed) / position
            size = max(1, min(chunk, int(budget_s / 10 / slowest) if slowest else chunk))
    finally:
        gc.enable()
    return [_Batch(len(done), seconds, done) for done, seconds in
            zip(results, elapsed, strict=True)]


def open_warm(subject: Subject, warm_key: Hashable) -> Handle:
    """A new handle on `subject`'s site, connected, and with nothing cached.

    Connecting (and a SQL store's check of its table) belongs to opening, not to the
    operation first timed: one load of `warm_key`, then the cache is dropped.
    """
    handle = subject.site.open(subject.durable)
    handle.load(warm_key)
    handle.invalidate_cache()
    return handle


def measure(comparison: Comparison, kind: str, size: int,
            keys: dict[Site, list[Hashable]], plan: Plan, rng: random.Random) -> list[Figure]:
    """Run `plan.rounds` interleaved rounds of every workload; `keys` holds each site's keys."""
    subjects = comparison.subjects
    workloads = [w for w in WORKLOADS if kind == "small" or w != "list"]
    rates: dict[tuple[int, str], list[float]] = {(i, w): [] for i in range(len(subjects))
                                                 for w in workloads}
    ops: dict[tuple[int, str], int] = dict.fromkeys(rates, 0)
    for round_number in range(plan.rounds):
        shift = round_number % len(subjects)
        order = list(range(len(subjects)))[shift:] + list(range(len(subjects)))[:shift]
        for workload, index, batch in _round(subjects, order, kind, size, keys, plan, rng):
            rates[index, workload].append(batch.ops / batch.seconds)
            ops[index, workload] += batch.ops
    return [Figure(comparison.name, subject.label, subject.role.value, kind, size, workload,
                   tuple(rates[index, workload]), ops[index, workload])
            for index, subject in enumerate(subjects) for workload in workloads]


def _round(subjects: Sequence[Subject], order: list[int], kind: str, size: int,
           keys: dict[Site, list[Hashable]], plan: Plan,
           rng: random.Random) -> list[tuple[str, int, _Batch]]:
    timed: list[tuple[str, int, _Batch]] = []
    site_keys = [keys[subject.site] for subject in subjects]
    handles = [open_warm(subject, site_keys[index][0]) for index, subject in enumerate(subjects)]

    def together(workload: str, calls: list[list[tuple[Any, ...]]], chunk: int) -> list[_Batch]:
        """Time `workload` on every subject, subject i making calls[i]; batches by subject."""
        batches = _time_together([(getattr(handles[index], workload), calls[index])
                                  for index in order], chunk, plan.budget_s)
        by_subject = dict(zip(order, batches, strict=True))
        timed.extend((workload, index, by_subject[index]) for index in range(len(subjects)))
        return [by_subject[index] for index in range(len(subjects))]

    try:
        saves = together("save", [[(obj,) for obj in new_objects(kind, plan.ops)]
                                  for _ in subjects], plan.chunk)
        saved = [batch.results for batch in saves]
        for index, subject in enumerate(subjects):
            subject.site.release(handles[index])
            handles[index] = open_warm(subject, site_keys[index][0])
        sample = rng.sample(range(1, size), min(plan.ops, size - 1))
        together("load", [[(key,) for key in saved[index]] if kind == "large" else
                          [(site_keys[index][i],) for i in sample]
                          for index in range(len(subjects))], plan.chunk)
        together("replace", [list(zip(keys_, new_objects(kind, len(keys_)), strict=True))
                             for keys_ in saved], plan.chunk)
        removes = together("remove", [[(key,) for key in keys_] for keys_ in saved], plan.chunk)
        for index, batch in enumerate(removes):
            for key in saved[index][batch.ops:]:  # what the budget left: the size stays put
                handles[index].remove(key)
        if kind == "small":
            together("list", [[()] * plan.list_ops for _ in subjects], 1)
    finally:
        for index, subject in enumerate(subjects):
            subject.site.release(handles[index])
    return timed
