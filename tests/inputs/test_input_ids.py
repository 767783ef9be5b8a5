"""Clause 11 under generated IDs, on every reference store: whatever `load`, `replace` and
`remove` are given — any string, objects that are no string, IDs of the right form that the
storage does not hold, live IDs wrapped in path syntax, NUL bytes or padding, huge strings —
they raise `LoadError` (a string) or `TypeError` (no string), naming what they were given;
nothing already saved changes, as a freshly opened store sees it; and nothing outside the
storage's directory is touched.

The kit's clause 11 tests throw a fixed list of such IDs at any store; these draw them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gc3store import LoadError, Persistable

INPUTS = settings.get_profile("gc3store-inputs")


class Task(Persistable):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


def hostile_ids(saved: list[str], hostile: Any) -> st.SearchStrategy[Any]:
    """IDs a store must refuse (none of them is one of the `saved` IDs)."""
    live = st.sampled_from(saved)
    affix = st.one_of(hostile.text, st.sampled_from(["/", "../", "./", "/..", "\0", " ", "\n",
                                                     "%2F", "\\", "//", "~/", "*", "?"]))
    well_formed = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}\.(0|[1-9][0-9]{0,17})",
                                fullmatch=True)
    wrapped = st.builds(lambda before, id_, after: before + id_ + after, affix, live, affix)
    strings = st.one_of(
        st.text(), st.text(st.characters(codec="utf-8"), max_size=50), hostile.text,
        well_formed, wrapped, live.map(lambda id_: id_ * 1000), st.just("x" * 100_000),
        live.map(lambda id_: os.path.join(os.getcwd(), id_)), st.just("/etc/passwd"),
        live.map(lambda id_: id_.replace(".", ".0")), live.map(lambda id_: id_ + "0" * 20))
    others = st.one_of(
        st.none(), st.integers(), st.floats(), st.binary(max_size=20), st.booleans(),
        live.map(str.encode), live.map(lambda id_: bytearray(id_.encode())), live.map(Path),
        live.map(lambda id_: [id_]), live.map(lambda id_: (id_,)), st.just(object()),
        st.just(Task("an object")))
    return st.one_of(strings.filter(lambda id_: id_ not in saved), others)


def refusal(call: Callable[[], object], id_: Any) -> str | None:
    """None when `call()` raised what clause 11 says for `id_`, naming it; else what it did."""
    expected = LoadError if isinstance(id_, str) else TypeError
    try:
        result = call()
    except expected as exc:
        named = repr(id_)[1:-1][:40] if isinstance(id_, str) else type(id_).__name__
        return None if named in str(exc) else f"raised {exc!r}, which does not name it"
    except Exception as exc:
        return f"raised {type(exc).__name__} instead of {expected.__name__}: {exc}"
    return f"returned {result!r} instead of raising {expected.__name__}"


@INPUTS
@given(data=st.data())
def test_a_hostile_id_is_refused_and_changes_nothing(
        storage: Any, data: st.DataObject, hostile: Any, recorder: Any,
        touched_outside: Any) -> None:
    id_ = data.draw(hostile_ids(list(storage.saved), hostile), label="id")
    store = storage.open()
    victim = Task("must not be stored")
    with recorder.recording(storage.root) as touches:
        outcomes = {"load": refusal(lambda: store.load(id_), id_),
                    "replace": refusal(lambda: store.replace(id_, victim), id_),
                    "remove": refusal(lambda: store.remove(id_), id_)}
    assert {name: seen for name, seen in outcomes.items() if seen is not None} == {}
    assert touched_outside(touches, storage.root) == []
    assert not hasattr(victim, "persistent_id")
    fresh = storage.open()
    assert {saved: fresh.load(saved)["name"] for saved in storage.saved} == storage.saved
    assert sorted(fresh.list()) == sorted(storage.saved)
