"""The surviving mutants judged beyond any kit test, each with the reason: reviewable data.

Keyed by mutant ID (``file:line:column:operator``); ``code`` is the source
line the mutant was made on, so that the judgement follows the line when it
moves (see `mutation.judgements`).  ``equivalent``: the mutant behaves as the
original wherever the store is used.  ``unreachable``: it differs only in a
state that no use of the store through its interface can make.  A survivor
not listed here is a gap of the kit (``docs/mutation.md``).
"""

from __future__ import annotations

from mutation.judgements import EQUIVALENT, OPEN, UNREACHABLE, Judgement

__all__ = ["EQUIVALENT", "JUDGEMENTS", "OPEN", "UNREACHABLE"]

JUDGEMENTS: dict[str, Judgement] = {
}
