"""The certification report: what each contract test showed, folded into one verdict per clause.

A test's outcome reaches the report as a `TestOutcome` carried in the pytest
report's ``user_properties`` (so it crosses pytest-xdist from the workers).
A clause is *passed* only when every one of its tests ran and passed; tests
that did not run, or that failed on another clause's promise (the failure
names that clause), make it *incomplete*, never passed.

A store is CERTIFIED when every clause of the contract passed and no
extension it offers failed; an extension required with ``--store-require``
must be offered and pass.  An offered extension the kit could not check
here is *not run*: it never counts as passed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from gc3store_testkit.capabilities import CAPABILITIES
from gc3store_testkit.clauses import CLAUSES, CONTRACT_VERSION
from gc3store_testkit.extensions import EXTENSIONS

PROPERTY = "gc3store_outcome"

PASSED, FAILED, HUNG, UNSUPPORTED, SKIPPED, STALE, NOT_OFFERED, NOT_RUN = (
    "passed", "failed", "hung", "unsupported", "skipped", "stale", "not offered", "not run")
"""Outcomes of one test; STALE is a pass of a test the backend declared unsupported, NOT_OFFERED
a test of an extension the store does not offer, NOT_RUN one the kit could not run here."""

INCOMPLETE_CLAUSE = "incomplete"

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
    required: tuple[str, ...] = ()
    """The extensions required of the store (by --store-require or a required_extensions
    fixture), as the test saw them."""


@dataclass
class ClauseResult:
    number: int
    title: str
    status: str
    reason: str = ""
    tests: dict[str, str] = field(default_factory=dict)


@dataclass
class ExtensionResult:
    """How one extension fared: passed, failed, hung, not run (with the reason) or not offered."""

    name: str
    clause: int
    status: str
    offered: bool | None
    """None when none of its tests ran, so that the kit does not know."""
    required: bool
    reason: str = ""


@dataclass
class StoreResult:
    store: str
    verdict: str
    clauses: list[ClauseResult]
    stale_declarations: list[str]
    extensions: list[ExtensionResult] = field(default_factory=list)


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


def judge(store: str, outcomes: Iterable[TestOutcome], expected: dict[str, int],
          required: frozenset[str] = frozenset()) -> StoreResult:
    """Fold the outcomes of one store's tests into its clause results and verdict."""
    seen: dict[str, TestOutcome] = {}
    for outcome in outcomes:
        if outcome.test not in seen or seen[outcome.test].outcome in (PASSED, STALE):
            seen[outcome.test] = outcome
    clauses = [_judge_clause(c.number, c.title, seen, expected) for c in CLAUSES]
    by_number = {result.number: result for result in clauses}
    required = required.union(*(outcome.required for outcome in seen.values()))
    extensions = [_judge_extension(by_number[extension.clause], extension.name,
                                   extension.name in required)
                  for extension in EXTENSIONS.values()]
    stale = sorted({o.capability for o in seen.values() if o.outcome == STALE and o.capability})
    contract = {result.status for result in clauses if result.number not in
                {extension.clause for extension in extensions}}
    failed = FAILED in contract or any(
        extension.status == FAILED or (extension.required and extension.status != PASSED)
        for extension in extensions)
    incomplete = contract & {HUNG, INCOMPLETE_CLAUSE} or any(
        extension.status == HUNG for extension in extensions)
    verdict = NOT_CERTIFIED if failed else INCOMPLETE if incomplete else CERTIFIED
    return StoreResult(store, verdict, clauses, stale, extensions)


def _judge_extension(clause: ClauseResult, name: str, required: bool) -> ExtensionResult:
    status = {INCOMPLETE_CLAUSE: NOT_RUN}.get(clause.status, clause.status)
    reason = clause.reason
    if required and status != PASSED:
        reason = "; ".join(filter(None, [f"required, but {status}", reason]))
    # none of its tests ran (deselected): whether the store offers it is not known
    offered = status != NOT_OFFERED if clause.tests else None
    return ExtensionResult(name, clause.number, status, offered, required, reason)


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
    if not mine and number not in expected.values():
        result.status = INCOMPLETE_CLAUSE
        result.reason = "no test of this kit checks it"
    elif FAILED in outcomes:
        result.status = FAILED
        result.reason = ", ".join(sorted(n for n, o in mine.items() if o.outcome == FAILED))
    elif HUNG in outcomes:
        result.status = HUNG
        result.reason = "a child process hung in " + ", ".join(
            sorted(n for n, o in mine.items() if o.outcome == HUNG))
    elif mine and outcomes == {NOT_OFFERED}:
        result.status = NOT_OFFERED
    elif NOT_RUN in outcomes and not not_run and not elsewhere:
        result.status = NOT_RUN
        result.reason = "; ".join(sorted({o.reason for o in mine.values()
                                          if o.outcome == NOT_RUN}))
    elif not_run or elsewhere or outcomes & {SKIPPED, NOT_OFFERED, NOT_RUN}:
        result.status = INCOMPLETE_CLAUSE
        skipped = [f"{n} ({o.reason})" for n, o in sorted(mine.items())
                   if o.outcome in (SKIPPED, NOT_OFFERED, NOT_RUN)]
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


_LABELS = {PASSED: "passed", FAILED: "FAILED", HUNG: "HUNG", INCOMPLETE_CLAUSE: "INCOMPLETE",
           UNSUPPORTED: "not supported (declared)"}
_EXTENSION_LABELS = {PASSED: "offered, passed", FAILED: "offered, FAILED",
                     HUNG: "offered, HUNG", NOT_RUN: "offered, NOT-RUN",
                     NOT_OFFERED: "not offered"}


def render(results: list[StoreResult]) -> list[str]:
    """The summary lines: for each store its contract clauses, its extensions and its verdict."""
    lines = [f"contract version {CONTRACT_VERSION}"]
    for result in results:
        lines.append(f"store: {result.store}")
        extension_clauses = {extension.clause for extension in result.extensions}
        for clause in result.clauses:
            if clause.number not in extension_clauses:
                lines.append(_row(clause.number, clause.title, _LABELS[clause.status],
                                  clause.reason))
        lines.append("  extensions, checked where offered:")
        for extension in result.extensions:
            required = " (required)" if extension.required else ""
            label = "NOT-RUN" if extension.offered is None else \
                _EXTENSION_LABELS[extension.status]
            lines.append(_row(extension.clause, f"{extension.name}{required}", label,
                              extension.reason))
        for capability in result.stale_declarations:
            lines.append(f"  stale declaration: {capability!r} is declared unsupported, but its "
                         f"tests passed ({CAPABILITIES[capability]})")
        lines.append(f"  verdict: {result.verdict}")
    lines.append(f"overall verdict: {overall(results)}")
    return lines


def _row(number: int, title: str, label: str, reason: str) -> str:
    name = f"{number:>3}. {title} "
    detail = f"  ({reason})" if reason else ""
    return f"  {name:.<44} {label}{detail}"


def as_json(results: list[StoreResult]) -> str:
    document: dict[str, Any] = {
        "contract_version": CONTRACT_VERSION,
        "verdict": overall(results),
        "stores": [asdict(result) for result in results],
    }
    return json.dumps(document, indent=2)
