"""Judgements of surviving mutants, and how they are matched to the mutants of today's source.

A judgement (in `mutation.equivalent`) is keyed by mutant ID and carries the
source line the mutant was on.  When lines move, the ID no longer names that
line: the judgement then goes to the one mutant with the same file, column,
operator and line text, or, if there is none or several, it is *stale* and
reported, never applied to a mutant it was not written for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

EQUIVALENT, UNREACHABLE, OPEN = "equivalent", "unreachable", "open"
KINDS = {
    EQUIVALENT: "behaves as the original wherever the store is used",
    UNREACHABLE: "differs only in a state no use of a store through its interface can make "
                 "(on this host, or on any)",
    OPEN: "differs only in what the contract leaves open, or in what gc3store promises beyond "
          "it: a kit test must not fail it",
}


@dataclass(frozen=True)
class Judgement:
    """Why no kit test can kill a mutant: its `kind` (one of `KINDS`), the line it was made on,
    and the reason."""

    kind: str
    code: str
    reason: str


class Judged(Protocol):
    """What a judgement is matched on: a `Mutant`, or one read back from the results."""

    @property
    def id(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def column(self) -> int: ...
    @property
    def operator(self) -> str: ...
    @property
    def code(self) -> str: ...


@dataclass(frozen=True)
class Matched:
    """The judgements that apply to today's mutants, by mutant ID, and those that apply to none."""

    applied: dict[str, Judgement]
    relocated: dict[str, str]
    """Judged ID -> the ID of today's mutant it went to."""
    stale: dict[str, Judgement]


def match(judgements: dict[str, Judgement], mutants: Sequence[Judged]) -> Matched:
    by_id = {mutant.id: mutant for mutant in mutants}
    applied: dict[str, Judgement] = {}
    relocated: dict[str, str] = {}
    stale: dict[str, Judgement] = {}
    for judged, judgement in sorted(judgements.items()):
        if judgement.kind not in KINDS:
            raise ValueError(f"judgement of {judged}: kind {judgement.kind!r} is not one of "
                             f"{sorted(KINDS)}")
        mutant = by_id.get(judged)
        if mutant is not None and mutant.code == judgement.code:
            applied[judged] = judgement
            continue
        moved = _moved(judged, judgement, mutants)
        if moved is None:
            stale[judged] = judgement
        else:
            applied[moved.id] = judgement
            relocated[judged] = moved.id
    return Matched(applied, relocated, stale)


def _moved(judged: str, judgement: Judgement, mutants: Sequence[Judged]) -> Judged | None:
    path, _, column, operator = judged.split(":", 3)
    candidates = [mutant for mutant in mutants
                  if (mutant.path, str(mutant.column), mutant.operator) == (path, column, operator)
                  and mutant.code == judgement.code]
    return candidates[0] if len(candidates) == 1 else None
