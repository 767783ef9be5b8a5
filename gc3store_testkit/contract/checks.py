"""What the contract modules share: reading the storage back, and checks other clauses build on.

A test of one clause often relies on another clause's promise (that a
removed ID is gone, that a replaced record loads); the `expect_*` checks
here fail the clause they rely on, not the one under test, so that the
report names the clause that broke.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable
from typing import Any

from gc3store_testkit.harness import (
    StoreHarness,
    expect,
    failing_clause,
    raises_one_of,
    short,
)
from gc3store_testkit.samples import API, Task

NEVER_ISSUED_ID = "NoSuchObject.987654321"
"""An ID of the form every store accepts, which no store ever issues."""


def repeated(ids: list[str]) -> list[str]:
    """The IDs that occur more than once in `ids`."""
    return sorted(id_ for id_, count in collections.Counter(ids).items() if count > 1)


def load_or_none(store: Any, id_: str) -> Any:
    """What `store` loads for `id_`, or None if it raises LoadError."""
    try:
        return store.load(id_)
    except API.LoadError:
        return None


def listed_ids(store: Any) -> set[str]:
    """The IDs `store` lists; what is not a str is left to clause 7 to report."""
    return {id_ for id_ in store.list() if isinstance(id_, str)}


def tokens_of_new_ids(kit: StoreHarness, before: set[str]) -> dict[str, Any]:
    """Token of every object listed now but not in `before` (objects others remove are skipped)."""
    reader = kit.fresh()
    tokens = {}
    for id_ in listed_ids(reader) - before:
        try:
            tokens[id_] = getattr(reader.load(id_), "token", None)
        except API.LoadError:
            continue
    return tokens


def listed_but_not_loading(store: Any, listed: Iterable[Any]) -> list[str]:
    """What fails to load of the IDs in `listed`, among those `store` still lists."""
    failing = {}
    for id_ in listed:
        try:
            store.load(id_)
        except Exception as exc:
            failing[id_] = f"{short(id_)}: {type(exc).__name__}: {exc}"
    if not failing:
        return []
    # another test, or another program, may have removed some since they were listed
    still = set(store.list())
    return [failure for id_, failure in failing.items() if id_ in still]


def list_if_supported(kit: StoreHarness) -> set[str] | None:
    return None if "list" in kit.unsupported else listed_ids(kit.fresh())


def expect_gone(kit: StoreHarness, id_: str) -> None:
    """For a test of another clause that builds on `remove`: check that `id_` is gone.

    A store that fails this fails clause 6, not the clause the test is about.
    """
    with raises_one_of(f"load({id_!r}) after remove, by a new instance", API.LoadError,
                       clause=6):
        kit.fresh().load(id_)


def expect_replace_works(kit: StoreHarness) -> None:
    """For a test of another clause that builds on `replace`: check that a replaced record loads.

    A store that fails this fails clause 5, not the clause the test is about.
    """
    id_ = kit.store.save(Task("before replace"))
    replacement = Task("after replace")
    with failing_clause(5, f"replace({id_!r}, obj), then load({id_!r}) by a new instance"):
        kit.store.replace(id_, replacement)
        loaded = kit.fresh().load(id_)
    expect(getattr(loaded, "token", None) == replacement.token, f"load({id_!r}) after "
           f"replace({id_!r}, obj) returns a copy of obj", replacement.token,
           short(getattr(loaded, "token", None)), clause=5)
