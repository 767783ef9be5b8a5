"""Clause 11 with well-formed IDs that only look like live ones: the prefix in another case, with
an accent, in full-width letters.  The storage does not hold them, so `load`, `replace` and
`remove` raise `LoadError`, and the live record they resemble is neither returned, replaced nor
removed: an ID names one record, compared exactly, whatever the database's collation."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gc3store import LoadError

INPUTS = settings.get_profile("gc3store-inputs")


def accented(text: str) -> str:
    return "".join(letter + "\u0301" if letter in "aeiou" else letter
                   for letter in text).replace("a\u0301", "á")


def full_width(text: str) -> str:
    return "".join(chr(ord(letter) + 0xFEE0) if "!" <= letter <= "~" else letter
                   for letter in text)


LOOKALIKES: dict[str, Callable[[str], str]] = {
    "upper": str.upper, "title": str.title, "swapped case": str.swapcase,
    "accented": lambda prefix: unicodedata.normalize("NFC", accented(prefix)),
    "decomposed accent": accented, "full width": full_width,
    "ligature": lambda prefix: prefix.replace("fi", "ﬁ") + "ﬁ",
}


@INPUTS
@given(how=st.sampled_from(sorted(LOOKALIKES)))
def test_an_id_that_only_looks_like_a_live_one_is_unknown(storage: Any, how: str) -> None:
    store = storage.open()
    live = store.save({"name": "live"})  # one of its own for each case, which it may lose
    prefix, _, number = live.rpartition(".")
    lookalike = f"{LOOKALIKES[how](prefix)}.{number}"
    assert lookalike != live
    outcomes = {}
    calls: list[tuple[str, Callable[[], object]]] = [
        ("load", lambda: store.load(lookalike)),
        ("replace", lambda: store.replace(lookalike, {"name": "replaced"})),
        ("remove", lambda: store.remove(lookalike))]
    for name, call in calls:
        try:
            outcomes[name] = f"returned {call()!r}"
        except LoadError:
            continue
    assert outcomes == {}, f"{lookalike!r}, which only looks like {live!r}"
    fresh = storage.open()
    assert fresh.load(live) == {"name": "live"}
    assert {id_: fresh.load(id_)["name"] for id_ in storage.saved} == storage.saved
