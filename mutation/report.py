"""The score and the results of a mutation run, as JSON and as a Markdown page.

score = killed / (total - judged), where the judged mutants are the
survivors `mutation.equivalent` judges *equivalent*, *unreachable* or
*open*; a judged mutant that the kit kills counts as killed, and its
judgement is reported as wrong.  The strict score counts only the
*equivalent* ones out: the unreachable and the open ones count as survivors.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mutation.judgements import EQUIVALENT, OPEN, UNREACHABLE, Judgement, Matched, match
from mutation.mutants import unified_diff
from mutation.runner import Outcome
from mutation.scope import excluded_regions
from mutation.source import Source

KILLED, SURVIVED = "killed", "survived"
SCORE_KEYS = frozenset({"score", "strict_score", "total", "killed", "survived", "equivalent",
                        "unreachable", "open", "relocated_judgements", "stale_judgements"})
"""What `document` computes; the rest of a results document is what the run recorded."""


@dataclass(frozen=True)
class Score:
    total: int
    killed: int
    survived: int
    equivalent: int
    unreachable: int
    open: int

    @property
    def score(self) -> float:
        """Killed, in percent of the mutants not judged."""
        return _percent(self.killed, self.total - self.equivalent - self.unreachable - self.open)

    @property
    def strict(self) -> float:
        """Killed, in percent of the mutants not judged equivalent."""
        return _percent(self.killed, self.total - self.equivalent)


def _percent(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 100.0


def record(outcome: Outcome, source: Source) -> dict[str, Any]:
    """What the results hold about one mutant, before any judgement."""
    mutant = outcome.mutant
    result: dict[str, Any] = {
        "id": mutant.id, "file": mutant.path, "line": mutant.line, "column": mutant.column,
        "function": mutant.function, "operator": mutant.operator, "code": mutant.code,
        "outcome": outcome.status, "status": outcome.status,
        "seconds": round(outcome.seconds, 2),
        "runs": [{"store": run.store, "status": run.status, "seconds": round(run.seconds, 2),
                  "clauses": list(run.clauses), "detail": run.detail} for run in outcome.runs],
    }
    killer = outcome.killer
    if killer is not None:
        result["killed_by"] = {"store": killer.store, "detail": killer.detail,
                               "clauses": list(killer.clauses)}
    else:
        result["diff"] = unified_diff(mutant, source)
    return result


@dataclass(frozen=True)
class Recorded:
    """A mutant as the results hold it, for matching judgements."""

    id: str
    path: str
    column: int
    operator: str
    code: str


def judge(records: list[dict[str, Any]], judgements: dict[str, Judgement]) -> Matched:
    """Set each record's status from its outcome and the judgement that applies to it."""
    matched = match(judgements, [Recorded(r["id"], r["file"], r["column"], r["operator"],
                                          r["code"]) for r in records])
    for result in records:
        judgement = matched.applied.get(result["id"])
        result.pop("judgement", None)
        result["status"] = result["outcome"]
        if judgement is not None:
            wrong = result["outcome"] == KILLED
            result["judgement"] = {"kind": judgement.kind, "reason": judgement.reason,
                                   "wrong": wrong}
            result["status"] = KILLED if wrong else judgement.kind
    return matched


def score(records: Iterable[dict[str, Any]]) -> Score:
    counts = Counter(result["status"] for result in records)
    return Score(sum(counts.values()), counts[KILLED], counts[SURVIVED], counts[EQUIVALENT],
                 counts[UNREACHABLE], counts[OPEN])


def document(records: list[dict[str, Any]], matched: Matched,
             meta: dict[str, Any]) -> dict[str, Any]:
    """The results: `meta`, the score and the counts, the judgements' fate, every mutant."""
    result = score(records)
    return {**meta, "score": round(result.score, 2), "strict_score": round(result.strict, 2),
            "total": result.total, "killed": result.killed, "survived": result.survived,
            "equivalent": result.equivalent, "unreachable": result.unreachable,
            "open": result.open, "relocated_judgements": matched.relocated,
            "stale_judgements": sorted(matched.stale), "mutants": records}


def write(results: dict[str, Any], sources: list[Source], directory: Path) -> Score:
    """Write ``results.json`` and ``summary.md`` into `directory`; return the score."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (directory / "summary.md").write_text(markdown(results, sources))
    return score(results["mutants"])


def ordered(outcomes: list[Outcome], sources: list[Source]) -> list[dict[str, Any]]:
    """The records of `outcomes`, in the order of the sources and of their lines."""
    by_path = {source.path: source for source in sources}
    paths = [source.path for source in sources]
    return [record(outcome, by_path[outcome.mutant.path]) for outcome in sorted(
        outcomes, key=lambda o: (paths.index(o.mutant.path), o.mutant.span.start,
                                 o.mutant.operator))]


# -- the page --------------------------------------------------------------------------------

def markdown(document: dict[str, Any], sources: list[Source]) -> str:
    """The results as a Markdown page: figures, survivors with their diffs, judgements, scope."""
    records = document["mutants"]
    lines = ["# Mutation score of the kit", "",
             f"**{document['score']:.1f} %** ({document['killed']} killed of "
             f"{document['total']} mutants; of the survivors {document['equivalent']} judged "
             f"equivalent, {document['unreachable']} unreachable and {document['open']} open, "
             f"{document['survived']} not judged); strict score, counting the unreachable and "
             f"the open as survivors, {document['strict_score']:.1f} %.", ""]
    lines += _figures(document) + _per_file(records) + _kills_by_clause(records)
    lines += _survivors(records) + _judged(records) + _scope(sources)
    return "\n".join(lines) + "\n"


def _figures(document: dict[str, Any]) -> list[str]:
    timing = document["timing"]
    rows = [("source", f"`gc3store` snapshot {document['source_digest']}"),
            ("kit", f"`gc3store_testkit` {document['kit_digest']}"
                    + (" (changed during the run)" if document.get("kit_changed") else "")),
            ("stores", "; ".join(f"`{store['uri']}` requiring {store['require']}"
                                 for store in document["stores"])),
            ("jobs", str(document["jobs"])),
            ("selection", _selection(document)),
            ("wall time", f"{timing['wall_seconds']:.0f} s"),
            ("per mutant", f"{timing['mean_seconds']:.1f} s of kit runs on average "
                           f"(killed {timing['mean_killed_seconds']:.1f} s, survived "
                           f"{timing['mean_survived_seconds']:.1f} s)"),
            ("baseline", ", ".join(f"{name} {seconds:.1f} s"
                                   for name, seconds in document["baseline_seconds"].items()))]
    rows += [(f"recheck {number}", f"the {recheck['rechecked']} survivors run again from "
                                   f"{recheck['started']} with the kit at {recheck['kit_digest']}"
                                   f" (commit {recheck['commit'][:10]}): {recheck['killed']} "
                                   f"killed, {recheck['timing']['wall_seconds']:.0f} s")
             for number, recheck in enumerate(document.get("rechecks", []), 1)]
    lines = ["| | |", "| --- | --- |", *(f"| {name} | {value} |" for name, value in rows), ""]
    if document["stale_judgements"]:
        lines += ["Stale judgements (their line changed; judge again): "
                  + ", ".join(f"`{name}`" for name in document["stale_judgements"]), ""]
    return lines


def _selection(document: dict[str, Any]) -> str:
    chosen = [f"matching {', '.join(document['only'])}"] * bool(document.get("only"))
    chosen += [f"a sample of {document['sample']}"] * bool(document.get("sample"))
    return (" ".join(chosen) or "all") + f", {document['total']} of the " \
        f"{document.get('in_scope', document['total'])} mutants in scope"


def _per_file(records: list[dict[str, Any]]) -> list[str]:
    files = list(dict.fromkeys(record["file"] for record in records))
    statuses = (KILLED, SURVIVED, EQUIVALENT, UNREACHABLE, OPEN)
    lines = ["## By module", "", "| module | mutants | " + " | ".join(statuses) + " |",
             "| --- | ---: |" + " ---: |" * len(statuses)]
    for name in files:
        counts = Counter(record["status"] for record in records if record["file"] == name)
        lines.append(f"| `{name}` | {sum(counts.values())} | "
                     + " | ".join(str(counts[status]) for status in statuses) + " |")
    return [*lines, ""]


def _kills_by_clause(records: list[dict[str, Any]]) -> list[str]:
    counts: Counter[str] = Counter()
    for record in records:
        killer = record.get("killed_by")
        if killer:
            counts[killer["detail"].split(":")[0] if not killer["clauses"] else
                   ", ".join(map(str, killer["clauses"]))] += 1
    lines = ["## What killed them", "", "| failed clauses (or how the run failed) | mutants |",
             "| --- | ---: |"]
    lines += [f"| {name} | {count} |" for name, count in counts.most_common()]
    return [*lines, ""]


def _survivors(records: list[dict[str, Any]]) -> list[str]:
    survivors = [record for record in records if record["status"] == SURVIVED]
    lines = ["## Survivors", "", f"{len(survivors)} mutants no kit test killed and nobody "
             f"judged: each is a gap of the kit until judged in `mutation/equivalent.py`.", ""]
    for record in survivors:
        lines += [f"### `{record['id']}`", "", f"In `{record['function']}`.", "", "```diff",
                  record["diff"].rstrip(), "```", ""]
    return lines


def _judged(records: list[dict[str, Any]]) -> list[str]:
    judged = [record for record in records if "judgement" in record]
    lines = ["## Judged survivors", "", "| mutant | kind | reason |", "| --- | --- | --- |"]
    for record in judged:
        judgement = record["judgement"]
        kind = "WRONG: killed" if judgement["wrong"] else judgement["kind"]
        lines.append(f"| `{record['id']}` | {kind} | {judgement['reason']} |")
    return [*lines, ""]


def _scope(sources: list[Source]) -> list[str]:
    lines = ["## Left out of scope", "", "| module | lines | code | why |",
             "| --- | --- | --- | --- |"]
    for source in sources:
        for region in excluded_regions(source):
            label = region.label.replace("|", "\\|")
            lines.append(f"| `{source.path}` | {region.span.lines} | {label} | "
                         f"{region.reason} |")
    return [*lines, ""]


def scope_table(sources: list[Source]) -> str:
    """The exclusions with their current line ranges, as a Markdown table."""
    return "\n".join(_scope(sources)[2:])
