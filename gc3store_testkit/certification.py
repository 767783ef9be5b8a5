"""The certification report: what each contract test showed, folded into one verdict per clause.

A test's outcome reaches the report as a `TestOutcome` carried in the pytest
report's ``user_properties`` (so it crosses pytest-xdist from the workers).
A clause is *passed* only when every one of its tests ran and passed; tests
that did not run, or that failed on another clause's promise (the failure
names that clause), make it *incomplete*, never passed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from gc3store_testkit.capabilities import CAPABILITIES
from gc3store_testkit.clauses import CLAUSES, CONTRACT_VERSION

PROPERTY = "gc3store_outcome"

PASSED, FAILED, HUNG, UNSUPPORTED, SKIPPED, STALE = (
    "passed", "failed", "hung", "unsupported", "skipped", "stale")
"""Outcomes of one test; STALE is a pass of a test the backend declared unsupported."""

CERTIFIED, INCOMPLETE, NOT_CERTIFIED = "CERTIFIED", "INCOMPLETE", "FAILED"


@dataclass(frozen=True)
class TestOutcome:
    """How one contract test ended for one store."""

    store: str
    test: str
    clause: int
    outcome: str
    capability: str | None = None
    reason: str = ""


@dataclass
class ClauseResult:
    number: int
    title: str
    status: str
    reason: str = ""
    tests: dict[str, str] = field(default_factory=dict)


@dataclass
class StoreResult:
    store: str
    verdict: str
    clauses: list[ClauseResult]
    stale_declarations: list[str]


def expected_tests() -> dict[str, int]:
    """Every contract test of this kit, by name, with the clause it is marked with."""
    from gc3store_testkit.contract import StoreContract
    from gc3store_testkit.contract.base import CLAUSE_MARK

    tests = {}
    for name in dir(StoreContract):
        function = getattr(StoreContract, name)
        for mark in getattr(function, "pytestmark", ()):
            if name.startswith("test_") and mark.name == CLAUSE_MARK:
                tests[name] = mark.args[0]
    return tests


def judge(store: str, outcomes: Iterable[TestOutcome], expected: dict[str, int]) -> StoreResult:
    """Fold the outcomes of one store's tests into its clause results and verdict."""
    seen: dict[str, TestOutcome] = {}
    for outcome in outcomes:
        if outcome.test not in seen or seen[outcome.test].outcome in (PASSED, STALE):
            seen[outcome.test] = outcome
    clauses = [_judge_clause(number, title, seen, expected)
               for number, title in ((c.number, c.title) for c in CLAUSES)]
    stale = sorted({o.capability for o in seen.values() if o.outcome == STALE and o.capability})
    statuses = {result.status for result in clauses}
    verdict = (NOT_CERTIFIED if FAILED in statuses
               else INCOMPLETE if statuses & {HUNG, "incomplete"} else CERTIFIED)
    return StoreResult(store, verdict, clauses, stale)


def _judge_clause(number: int, title: str, seen: dict[str, TestOutcome],
                  expected: dict[str, int]) -> ClauseResult:
    mine = {name: outcome for name, outcome in seen.items() if outcome.clause == number}
    result = ClauseResult(number, title, PASSED,
                          tests={name: outcome.outcome for name, outcome in mine.items()})
    not_run = sorted(name for name, clause in expected.items()
                     if clause == number and name not in seen)
    # a test of this clause that failed on another clause showed nothing about this one
    elsewhere = sorted(f"{name} (failed on clause {seen[name].clause})"
                       for name, clause in expected.items()
                       if clause == number and name in seen and seen[name].clause != number
                       and seen[name].outcome == FAILED)
    outcomes = {outcome.outcome for outcome in mine.values()}
    if FAILED in outcomes:
        result.status = FAILED
        result.reason = ", ".join(sorted(n for n, o in mine.items() if o.outcome == FAILED))
    elif HUNG in outcomes:
        result.status = HUNG
        result.reason = "a child process hung in " + ", ".join(
            sorted(n for n, o in mine.items() if o.outcome == HUNG))
    elif not_run or elsewhere or SKIPPED in outcomes:
        result.status = "incomplete"
        skipped = [f"{n} ({o.reason})" for n, o in sorted(mine.items()) if o.outcome == SKIPPED]
        result.reason = "; ".join([f"not run: {', '.join(not_run)}"] * bool(not_run)
                                  + [f"not checked: {', '.join(elsewhere)}"] * bool(elsewhere)
                                  + skipped)
    elif mine and outcomes == {UNSUPPORTED}:
        result.status = UNSUPPORTED
        result.reason = _declared(mine.values())
    elif UNSUPPORTED in outcomes:
        result.reason = f"in part not supported ({_declared(mine.values())})"
    return result


def _declared(outcomes: Iterable[TestOutcome]) -> str:
    names = sorted({o.capability for o in outcomes if o.outcome == UNSUPPORTED and o.capability})
    return "declared: " + ", ".join(names)


def overall(results: list[StoreResult]) -> str:
    verdicts = {result.verdict for result in results}
    if not results:
        return INCOMPLETE
    return (NOT_CERTIFIED if NOT_CERTIFIED in verdicts
            else INCOMPLETE if INCOMPLETE in verdicts else CERTIFIED)


_LABELS = {PASSED: "passed", FAILED: "FAILED", HUNG: "HUNG", "incomplete": "INCOMPLETE",
           UNSUPPORTED: "not supported (declared)"}


def render(results: list[StoreResult]) -> list[str]:
    """The summary lines: one per clause for each store, then each store's verdict."""
    lines = [f"contract version {CONTRACT_VERSION}"]
    for result in results:
        lines.append(f"store: {result.store}")
        for clause in result.clauses:
            label = _LABELS[clause.status]
            name = f"{clause.number:>3}. {clause.title} "
            detail = f"  ({clause.reason})" if clause.reason else ""
            lines.append(f"  {name:.<44} {label}{detail}")
        for capability in result.stale_declarations:
            lines.append(f"  stale declaration: {capability!r} is declared unsupported, but its "
                         f"tests passed ({CAPABILITIES[capability]})")
        lines.append(f"  verdict: {result.verdict}")
    lines.append(f"overall verdict: {overall(results)}")
    return lines


def as_json(results: list[StoreResult]) -> str:
    document: dict[str, Any] = {
        "contract_version": CONTRACT_VERSION,
        "verdict": overall(results),
        "stores": [asdict(result) for result in results],
    }
    return json.dumps(document, indent=2)
