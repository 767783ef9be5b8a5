"""``python -m benchmarks``: fill the stores size by size, measure every comparison, report.

Options: ``--quick`` (sizes 1k and 10k, fewer and shorter rounds: under a minute),
``--stores memory,file,sqlite,postgresql,mariadb,sqlitedict,diskcache``,
``--sizes 1k,10k,100k``, ``--rounds N``, ``--output DIR`` (default ``benchmarks/results``),
``--postgresql URL`` and ``--mariadb URL`` (default: the servers ``make test`` uses).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import gc
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Hashable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks import batches, plot, report, servers, targets
from benchmarks import comparisons as c
from benchmarks.results import Figure, Results, size_label
from benchmarks.subjects import Comparison, Site
from benchmarks.workloads import KINDS, Plan, measure, new_objects

QUICK = Plan(rounds=3, ops=60, list_ops=3, budget_s=0.05, chunk=10)
FULL = Plan(rounds=7, ops=300, list_ops=5, budget_s=0.1, chunk=10)
BATCH_ROUNDS = 3
QUICK_BATCH, FULL_BATCH = 2_000, 10_000
"""How many objects a round of the batch measurement saves each way."""
QUICK_SIZES = (1_000, 10_000)
FULL_SIZES = (1_000, 10_000, 100_000)
RESULTS = Path(__file__).resolve().parent / "results"
_VERSIONS_OF = ("gc3store", "SQLAlchemy", "psycopg", "PyMySQL", "sqlitedict", "diskcache")


def parse_size(text: str) -> int:
    multiplier = {"k": 1_000, "m": 1_000_000}.get(text[-1:].lower(), 1)
    digits = text[:-1] if multiplier > 1 else text
    try:
        size = int(digits) * multiplier
    except ValueError:
        raise argparse.ArgumentTypeError(f"a store size is a number such as 1000 or 10k, "
                                         f"not {text!r}") from None
    if size < 2:
        raise argparse.ArgumentTypeError(f"a store size is at least 2, not {text!r}")
    return size


def parse_stores(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in c.ALL_NAMES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown store {unknown[0] if unknown else text!r}: "
                                         f"choose from {','.join(c.ALL_NAMES)}")
    return names


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure gc3store's stores against raw baselines in the same run.")
    parser.add_argument("--quick", action="store_true",
                        help="sizes 1k and 10k, fewer and shorter rounds (under a minute)")
    parser.add_argument("--stores", type=parse_stores, default=list(c.ALL_NAMES),
                        help=f"comma-separated, from {','.join(c.ALL_NAMES)} (default: all)")
    parser.add_argument("--sizes", type=lambda text: [parse_size(s) for s in text.split(",")],
                        help="store sizes, comma-separated (default: 1k,10k,100k; "
                             "1k,10k with --quick)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds per figure "
                        f"(default: {FULL.rounds}; {QUICK.rounds} with --quick)")
    parser.add_argument("--output", type=Path, default=RESULTS,
                        help="where to write latest.json, latest.md and throughput.png "
                             "(default: benchmarks/results)")
    parser.add_argument("--postgresql", default=servers.DEFAULT_POSTGRESQL, metavar="URL",
                        help="the PostgreSQL server (default: %(default)s)")
    parser.add_argument("--mariadb", default=servers.DEFAULT_MARIADB, metavar="URL",
                        help="the MariaDB/MySQL server (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="of the sample of records loaded")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.rounds is not None:
        plan = dataclasses.replace(plan, rounds=args.rounds)
    sizes = sorted(set(args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES)))
    started = time.monotonic()

    def say(message: str) -> None:
        print(f"[{time.monotonic() - started:6.1f} s] {message}", file=sys.stderr, flush=True)

    scratch = Path(tempfile.mkdtemp(prefix="gc3store-bench-"))
    chosen: list[Comparison] = []
    try:
        chosen = c.build(args.stores, scratch, args.postgresql, args.mariadb, say)
        if not chosen:
            say("nothing left to measure")
            return 1
        results = run(chosen, sizes, plan, random.Random(args.seed), say)
        batch_figures = batches.measure(chosen, QUICK_BATCH if args.quick else FULL_BATCH,
                                        BATCH_ROUNDS, say)
        meta = _meta("quick" if args.quick else "full", sizes, plan, time.monotonic() - started)
        _report(results, batch_figures, meta, args.output)
        say(f"wrote the report to {args.output}")
    finally:
        # deleting 100,000 files can take a while on a busy disk: the report comes first
        for site in c.sites(chosen):
            try:
                site.destroy()
            except Exception as exc:
                say(f"could not clean up {site.name}: {type(exc).__name__}: {exc}")
        shutil.rmtree(scratch, ignore_errors=True)
        say("removed the scratch files and tables")
    return 0


def _report(results: Results, batch_figures: Sequence[batches.BatchFigure],
            meta: dict[str, Any], output: Path) -> None:
    outcomes = targets.evaluate(results) + batches.outcomes(batch_figures)
    text = report.markdown(results, batch_figures, outcomes, meta)
    print(text, flush=True)
    output.mkdir(parents=True, exist_ok=True)
    (output / "latest.md").write_text(text)
    (output / "latest.json").write_text(report.as_json(results, batch_figures, outcomes, meta))
    try:
        plot.draw(results, output / "throughput.png",
                  f"gc3store throughput ({meta['mode']} run, {meta['date']})")
    except ImportError as exc:
        print(f"no plot: {exc} (pip install 'gc3store[bench]' installs matplotlib)",
              file=sys.stderr)


def run(comparisons: Sequence[Comparison], sizes: Sequence[int], plan: Plan,
        rng: random.Random, say: Callable[[str], None]) -> Results:
    """Fill every site to each size in turn, and measure every comparison at that size."""
    results = Results()
    keys: dict[Site, list[Hashable]] = {site: [] for site in c.sites(comparisons)}
    for size in sizes:
        for site, held in keys.items():
            if len(held) < size:
                began = time.monotonic()
                held.extend(site.fill(new_objects("small", size - len(held))))
                say(f"filled {site.name} to {size_label(size)} objects "
                    f"in {time.monotonic() - began:.1f} s")
        # what the fill left is never garbage: no collection needs to look at it again
        gc.collect()
        gc.freeze()
        for comparison in comparisons:
            for kind in KINDS:
                figures = measure(comparison, kind, size, keys, plan, rng)
                results.add(figures)
                say(f"{size_label(size)}, {kind} objects, {comparison.name}: "
                    f"{_summary(results, figures)}")
    return results


def _summary(results: Results, figures: list[Figure]) -> str:
    parts = []
    for figure in figures:
        ratio = results.ratio(figure)
        if figure.role == "store" and ratio is not None:
            parts.append(f"{figure.workload} {ratio:.2f}x")
    return ", ".join(parts)


def _meta(mode: str, sizes: Sequence[int], plan: Plan, elapsed: float) -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for name in _VERSIONS_OF:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"mode": mode, "date": datetime.datetime.now(datetime.timezone.utc)
            .strftime("%Y-%m-%d %H:%M UTC"), "python": platform.python_version(),
            "platform": platform.platform(), "cpus": os.cpu_count(), "sizes": list(sizes),
            "rounds": plan.rounds, "ops_per_batch": plan.ops, "list_ops_per_batch": plan.list_ops,
            "budget_s": plan.budget_s, "elapsed_s": elapsed, "versions": versions,
            "commit": _commit()}


def _commit() -> str | None:
    """The commit of the working tree measured, with ``+changes`` if it has any."""
    here = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=here, check=True,
                              capture_output=True, text=True, timeout=10).stdout.strip()
        changes = subprocess.run(["git", "status", "--porcelain", "--", "gc3store"], cwd=here,
                                 check=True, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}+changes" if changes.strip() else head
