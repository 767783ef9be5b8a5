"""SqlStore's write transaction, the hook (`_transaction`) that a later ``batch()`` builds on.

Clauses: the hook is re-entrant, and only its outermost level commits, so
operations grouped in it become visible to other connections together, at
the end, or not at all if it ends in an exception; a failed save with nested
`Persistable` objects leaves none of them behind, nor ID numbers another store
could be given too; a closed store reopens its
connection on the next operation; a store that nobody holds any more is
freed at once (no reference cycle keeps it) and closes its connection.
"""

from __future__ import annotations

import gc
import sqlite3
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from gc3store import SaveError
from gc3store.persistable import Persistable
from gc3store.sql import SqlStore

OpenStore = Callable[..., SqlStore]


class Node(Persistable):
    def __init__(self, label: str, child: Node | None = None) -> None:
        super().__init__()
        self.label = label
        self.child = child


def test_only_the_outermost_level_commits(open_store: OpenStore) -> None:
    store, other = open_store(), open_store()
    other.list()
    with store._transaction():
        first = store.save({"n": 1})
        with store._transaction():
            second = store.save({"n": 2})
        assert other.list() == []
    assert sorted(other.list()) == sorted([first, second])


def test_an_exception_rolls_back_every_level(open_store: OpenStore) -> None:
    store = open_store()
    kept = store.save({"n": 0})

    def save_remove_and_fail() -> None:
        with store._transaction():
            store.save({"n": 1})
            store.remove(kept)
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        save_remove_and_fail()
    assert open_store().list() == [kept]
    assert store.load(store.save({"n": 3})) == {"n": 3}


def test_a_failed_save_leaves_no_nested_object_behind(open_store: OpenStore) -> None:
    store = open_store()
    root = Node("root", Node("leaf"))
    root.unpicklable = lambda: None  # pickled after the child, which is saved by then
    with pytest.raises(SaveError):
        store.save(root)
    assert open_store().list() == []
    assert not hasattr(root.child, "persistent_id")


def test_numbers_reserved_in_a_failed_save_are_never_handed_out_twice(
        open_store: OpenStore) -> None:
    # a store reserves ID numbers in blocks that grow; on SQLite in the save's own transaction,
    # so the rollback of a failed save gives them back, and the store must forget them
    store, other = open_store(), open_store()
    ids = [store.save(Node(f"before {number}")) for number in range(3)]
    unpicklable = Node("unpicklable")
    unpicklable.callback = lambda: None  # type: ignore[attr-defined]
    with pytest.raises(SaveError):
        store.save(unpicklable)
    ids += [other.save(Node(f"other {number}")) for number in range(8)]
    ids += [store.save(Node(f"after {number}")) for number in range(8)]
    assert len(set(ids)) == len(ids)
    assert sorted(open_store().list()) == sorted(ids)


def test_a_closed_store_reconnects_on_the_next_operation(open_store: OpenStore) -> None:
    store = open_store()
    id_ = store.save({"n": 1})
    store.close()
    store.invalidate_cache()
    assert store.load(id_) == {"n": 1}
    store.close()
    assert store.load(store.save({"n": 2})) == {"n": 2}


def is_closed(connection: Any) -> bool:
    """Whether a DBAPI connection of sqlite3, psycopg or PyMySQL is closed."""
    if isinstance(connection, sqlite3.Connection):
        try:
            connection.execute("SELECT 1")
        except sqlite3.ProgrammingError:
            return True
        return False
    if hasattr(connection, "open"):  # PyMySQL
        return not connection.open
    return bool(connection.closed)


@pytest.fixture
def no_cyclic_gc() -> Iterator[None]:
    gc.disable()
    yield
    gc.enable()


@pytest.mark.usefixtures("no_cyclic_gc")
def test_a_store_nobody_holds_is_freed_and_closes_its_connection(db_url: str) -> None:
    store = SqlStore(db_url)
    connections: list[Any] = []
    sa.event.listen(store.engine, "connect", lambda connection, _: connections.append(connection))
    store.load(store.save({"n": 1}))
    freed = weakref.ref(store)
    del store
    assert freed() is None
    assert connections
    assert all(is_closed(connection) for connection in connections)
