"""``python -m mutation``: score the kit by the mutants of the reference stores it kills.

Exits 0 when the score reaches ``--target``, 1 below it, 2 when the mutants
cannot be judged (the unmutated stores fail, or the copy is not imported).
"""

from __future__ import annotations

import argparse
import datetime
import fnmatch
import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import replace
from pathlib import Path
from typing import Any

from mutation import report
from mutation.equivalent import JUDGEMENTS
from mutation.judgements import Matched, match
from mutation.mutants import Mutant, all_mutants
from mutation.runner import (
    PROCESSES,
    REPOSITORY,
    STORES,
    Outcome,
    Settings,
    SetupError,
    Snapshot,
    StoreRun,
    baseline,
    check_probes,
    evaluate,
    kit_digest,
)
from mutation.source import Source

DEFAULT_OUTPUT = REPOSITORY / "build" / "mutation"


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m mutation", description=__doc__)
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("MUTATION_JOBS", 2)),
                        help="mutants run at once (default $MUTATION_JOBS or 2)")
    parser.add_argument("--target", type=float,
                        default=float(os.environ.get("MUTATION_TARGET", 90)),
                        help="the lowest passing score, in percent (default $MUTATION_TARGET "
                             "or 90)")
    parser.add_argument("--sample", type=int, metavar="N",
                        help="run N mutants spread evenly over the list, not all")
    parser.add_argument("--only", action="append", default=[], metavar="PATTERN",
                        help="run the mutants whose ID matches PATTERN (fnmatch: "
                             "'store.py:4*', 'ids.py:*:ReturnNone'); may be repeated")
    parser.add_argument("--timeout", type=float, default=300.0, metavar="SECONDS",
                        help="the longest one kit run may take before it kills the mutant "
                             "(default 300)")
    parser.add_argument("--require", action="append", default=[], metavar="STORE=NAMES",
                        help="the extensions STORE (memory, file, sqlite) must pass, instead "
                             "of the default")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, metavar="DIRECTORY",
                        help=f"where results.json and summary.md go (default "
                             f"{DEFAULT_OUTPUT.relative_to(REPOSITORY)})")
    parser.add_argument("--rescore", type=Path, metavar="RESULTS",
                        help="apply mutation/equivalent.py to the results.json of an earlier "
                             "run and write its results again, running nothing")
    parser.add_argument("--recheck", type=Path, metavar="RESULTS",
                        help="run again the survivors of the run whose results.json this is "
                             "(after the kit changed), or the mutants --only names, and write "
                             "the run with their new outcomes")
    parser.add_argument("--list", action="store_true", help="list the mutants, and run none")
    parser.add_argument("--scope", action="store_true",
                        help="print the code left out of scope, as a Markdown table")
    return parser.parse_args(argv)


def selected(mutants: list[Mutant], patterns: list[str], sample: int | None) -> list[Mutant]:
    """The mutants matching any of `patterns` (all without), then `sample` of them, evenly."""
    chosen = [mutant for mutant in mutants
              if not patterns or any(fnmatch.fnmatchcase(mutant.id, p) for p in patterns)]
    if sample is None or sample >= len(chosen):
        return chosen
    return [chosen[index * len(chosen) // sample] for index in range(sample)]


def stores_required(requirements: list[str]) -> tuple[StoreRun, ...]:
    """`STORES`, with the extensions ``--require STORE=NAMES`` gives."""
    changed = dict(requirement.split("=", 1) for requirement in requirements)
    unknown = set(changed) - {store.name for store in STORES}
    if unknown:
        raise SystemExit(f"--require names no store {sorted(unknown)}; the stores are "
                         f"{[store.name for store in STORES]}")
    return tuple(replace(store, require=changed.get(store.name, store.require))
                 for store in STORES)


def run_all(mutants: list[Mutant], sources: list[Source], snapshot: Snapshot,
            settings: Settings, jobs: int, matched: Matched) -> list[Outcome]:
    """Evaluate `mutants` with `jobs` at once, printing one line as each ends."""
    by_path = {source.path: source for source in sources}
    outcomes: list[Outcome] = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures: dict[Future[Outcome], Mutant] = {
            pool.submit(evaluate, mutant, by_path[mutant.path], snapshot, settings): mutant
            for mutant in mutants}
        try:
            for number, future in enumerate(as_completed(futures), 1):
                outcome = future.result()
                outcomes.append(outcome)
                print(f"[{number}/{len(mutants)}] {progress(outcome, matched)}", flush=True)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            PROCESSES.kill_all()
            raise
    return outcomes


def progress(outcome: Outcome, matched: Matched) -> str:
    """``store.py:412:17:Eq->NotEq killed (clause 6 on memory, 4.1 s)``, and the like."""
    mutant, killer = outcome.mutant, outcome.killer
    if killer is not None:
        return f"{mutant.id} killed ({killer.detail} on {killer.store}, {outcome.seconds:.1f} s)"
    judgement = matched.applied.get(mutant.id)
    status = f"{judgement.kind}, as judged" if judgement else outcome.status
    return f"{mutant.id} {status} ({outcome.seconds:.1f} s)"


def timing(outcomes: list[Outcome], wall: float) -> dict[str, float]:
    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    return {"wall_seconds": round(wall, 1),
            "mean_seconds": round(mean([o.seconds for o in outcomes]), 2),
            "mean_killed_seconds": round(mean([o.seconds for o in outcomes
                                               if o.status == report.KILLED]), 2),
            "mean_survived_seconds": round(mean([o.seconds for o in outcomes
                                                 if o.status != report.KILLED]), 2)}


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    # a SIGTERM ends the run as Ctrl-C does: the kit runs are killed, their directories removed
    signal.signal(signal.SIGTERM, _terminated)
    snapshot = Snapshot.take()
    sources = snapshot.sources()
    if args.scope:
        print(report.scope_table(sources))
        return 0
    if args.rescore:
        return rescore(args.rescore, sources, args.target)
    mutants = all_mutants(sources)
    chosen = selected(mutants, args.only, args.sample)
    earlier = json.loads(args.recheck.read_text()) if args.recheck else None
    if earlier is not None:
        # with --only, the mutants it names, whatever their outcome; else every survivor
        chosen = recorded_in(earlier, chosen, survivors_only=not args.only)
    if args.list:
        for mutant in chosen:
            print(f"{mutant.id}\t{mutant.function}\t{mutant.code}")
        return 0
    return run(args, snapshot, mutants, chosen, earlier)


def _terminated(number: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {number}")


def recorded_in(earlier: dict[str, Any], mutants: list[Mutant],
                survivors_only: bool) -> list[Mutant]:
    """The `mutants` the earlier run holds (same ID, same line), or only those that survived."""
    recorded = {(r["id"], r["code"]) for r in earlier["mutants"]
                if not survivors_only or r["outcome"] != report.KILLED}
    return [mutant for mutant in mutants if (mutant.id, mutant.code) in recorded]


def run(args: argparse.Namespace, snapshot: Snapshot, mutants: list[Mutant],
        chosen: list[Mutant], earlier: dict[str, Any] | None) -> int:
    """Check the setup, evaluate `chosen`, write the results (merged into `earlier`, the
    results of a run whose survivors these are, if given); the exit status."""
    sources = snapshot.sources()
    settings = Settings(stores=stores_required(args.require), run_timeout=args.timeout)
    matched = match(JUDGEMENTS, mutants)
    print(f"{len(mutants)} mutants in scope; running {len(chosen)} with {args.jobs} jobs; "
          f"{len(matched.applied)} judgements apply, {len(matched.stale)} stale", flush=True)
    started, kit_before = time.monotonic(), kit_digest()
    began = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    try:
        meta = prepare(snapshot, settings)
    except SetupError as exc:
        print(f"mutation: {exc}", file=sys.stderr)
        return 2
    outcomes = run_all(chosen, sources, snapshot, settings, args.jobs, matched)
    kit_after = kit_digest()
    meta.update(started=began, source_digest=snapshot.digest(), commit=head_commit(),
                kit_digest=kit_after, kit_changed=kit_after != kit_before, jobs=args.jobs,
                sample=args.sample, only=args.only, in_scope=len(mutants),
                timing=timing(outcomes, time.monotonic() - started),
                stores=[{"name": store.name, "uri": store.uri, "require": store.require}
                        for store in settings.stores])
    records = report.ordered(outcomes, sources)
    if earlier is not None:
        records, meta = merged(earlier, records, meta)
    results = report.document(records, report.judge(records, JUDGEMENTS), meta)
    return conclude(report.write(results, sources, args.output), results, args.output,
                    args.target)


def merged(earlier: dict[str, Any], records: list[dict[str, Any]],
           meta: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The earlier run's records with those of this recheck in their place, and its figures
    with this recheck's added to its ``rechecks``."""
    again = {result["id"]: result for result in records}
    combined = [again.get(result["id"], result) for result in earlier["mutants"]]
    figures = {key: value for key, value in earlier.items()
               if key not in report.SCORE_KEYS and key != "mutants"}
    recheck = {key: meta[key] for key in ("started", "commit", "kit_digest", "kit_changed",
                                          "timing", "baseline_seconds")}
    recheck.update(rechecked=len(records),
                   killed=sum(result["outcome"] == report.KILLED for result in records))
    figures["rechecks"] = [*figures.get("rechecks", []), recheck]
    return combined, figures


def rescore(path: Path, sources: list[Source], target: float) -> int:
    """Apply today's judgements to the results of an earlier run, and write them again."""
    earlier = json.loads(path.read_text())
    records = earlier.pop("mutants")
    meta = {key: value for key, value in earlier.items() if key not in report.SCORE_KEYS}
    results = report.document(records, report.judge(records, JUDGEMENTS), meta)
    return conclude(report.write(results, sources, path.parent), results, path.parent, target)


def head_commit() -> str:
    """The checkout's commit (the snapshot may hold uncommitted changes besides)."""
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPOSITORY, capture_output=True,
                              text=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip()


def prepare(snapshot: Snapshot, settings: Settings) -> dict[str, Any]:
    """Certify the unmutated copy and check the probes; what they showed, for the results."""
    results = baseline(snapshot, settings)
    for result in results:
        print(f"baseline: {result.store} certified in {result.seconds:.1f} s", flush=True)
    proofs = check_probes(snapshot, settings)
    for proof in proofs:
        print(f"probe: {proof}", flush=True)
    return {"baseline_seconds": {result.store: round(result.seconds, 1) for result in results},
            "probes": proofs}


def conclude(result: report.Score, results: dict[str, Any], output: Path,
             target: float) -> int:
    timing = results["timing"]
    print(f"{result.killed} killed, {result.survived} survived unjudged, {result.equivalent} "
          f"equivalent, {result.unreachable} unreachable, {result.open} open, of {result.total}; "
          f"{timing['mean_seconds']:.1f} s per mutant, {timing['wall_seconds']:.0f} s in all")
    if results["kit_changed"]:
        print("warning: the kit's sources changed during the run; the results mix versions")
    if results["stale_judgements"]:
        print(f"warning: stale judgements (judge again): {', '.join(results['stale_judgements'])}")
    print(f"mutation score {result.score:.1f} % (strict {result.strict:.1f} %), target "
          f"{target:g} %; results in {output}")
    return 0 if result.score >= target else 1


if __name__ == "__main__":
    sys.exit(main())
