"""``python -m benchmarks.profiling COMPARISON WORKLOAD``: where a store spends its time.

Fills the comparison's sites, then runs one workload on the baseline and on each store or
peer of the comparison under ``cProfile``, and prints each one's time per operation and the
functions it spends the most time in, so that what a store adds to its baseline shows.
Example: ``python -m benchmarks.profiling memory save --kind small --size 10k``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

from benchmarks import comparisons as c
from benchmarks import servers
from benchmarks.run import parse_size
from benchmarks.subjects import Subject
from benchmarks.workloads import KINDS, WORKLOADS, new_objects, open_warm

_STORE_OF = {c.MEMORY: "memory", c.FILE_DURABLE: "file", c.FILE_FAST: "file",
             c.SQLITE_DURABLE: "sqlite", c.SQLITE_FAST: "sqlite", c.POSTGRESQL: "postgresql",
             c.MARIADB: "mariadb"}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profiling", description=__doc__)
    parser.add_argument("comparison", choices=sorted(_STORE_OF))
    parser.add_argument("workload", choices=WORKLOADS)
    parser.add_argument("--kind", choices=KINDS, default="small")
    parser.add_argument("--size", type=parse_size, default=1_000)
    parser.add_argument("--ops", type=int, default=300)
    parser.add_argument("--top", type=int, default=20, help="functions shown per subject")
    parser.add_argument("--sort", default="tottime", choices=("tottime", "cumulative"))
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="gc3store-profile-"))
    comparisons = []
    try:
        comparisons = c.build([_STORE_OF[args.comparison]], scratch,
                              servers.DEFAULT_POSTGRESQL, servers.DEFAULT_MARIADB,
                              lambda message: print(message, file=sys.stderr))
        comparison = next(item for item in comparisons if item.name == args.comparison)
        keys = {subject.site: subject.site.fill(new_objects("small", args.size))
                for subject in comparison.subjects}
        for subject in comparison.subjects:
            _profile(subject, keys[subject.site], args)
    finally:
        for site in c.sites(comparisons):
            site.destroy()
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def _profile(subject: Subject, keys: list[Hashable], args: argparse.Namespace) -> None:
    handle = open_warm(subject, keys[0])
    saved: list[Any] = []
    if args.workload in ("replace", "remove") or (args.workload == "load" and
                                                  args.kind == "large"):
        saved = [handle.save(obj) for obj in new_objects(args.kind, args.ops)]
    if args.workload == "load":
        subject.site.release(handle)
        handle = open_warm(subject, keys[0])
    calls = _calls(args.workload, args.kind, args.ops, keys, saved)
    operation = getattr(handle, args.workload)
    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.enable()
    for arguments in calls:
        operation(*arguments)
    profiler.disable()
    elapsed = time.perf_counter() - began
    subject.site.release(handle)
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats(args.sort).print_stats(args.top)
    print(f"=== {subject.label}: {args.workload}, {args.kind} objects, {args.size} in the store: "
          f"{len(calls)} operations, {elapsed / len(calls) * 1e6:.1f} us each under the profiler")
    print(stream.getvalue())



def _calls(workload: str, kind: str, ops: int, keys: list[Hashable],
           saved: list[Any]) -> list[tuple[Any, ...]]:
    """The arguments of each call, as in `benchmarks.workloads`."""
    if workload == "save":
        return [(obj,) for obj in new_objects(kind, ops)]
    if workload == "load":
        return [(key,) for key in saved or random.Random(0).sample(keys[1:],
                                                                   min(ops, len(keys) - 1))]
    if workload == "replace":
        return list(zip(saved, new_objects(kind, len(saved)), strict=True))
    if workload == "remove":
        return [(key,) for key in saved]
    return [()] * ops


if __name__ == "__main__":
    raise SystemExit(main())
