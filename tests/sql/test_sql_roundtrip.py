"""SqlStore keeps what it is given, on SQLite, PostgreSQL and MariaDB/MySQL.

What is written is always checked through a second, freshly opened store.
Clauses: save, load, replace, remove and list round trips; IDs unique and
never reused, also after reopening; IDs whose prefix does not match do not
exist; IDs made by the user's idfactory; a failed save stores nothing; any
table name; records of 1 MB; a read after `invalidate_cache` sees what
another connection committed.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.dialects import sqlite

from gc3store import IdFactory, LoadError, Persistable, SaveError
from gc3store.sql import _DRIVERS_TAKING_BYTES, SqlStore, _RecordData

OpenStore = Callable[..., SqlStore]


class Task:
    def __init__(self, name: str, payload: bytes = b"") -> None:
        self.name = name
        self.payload = payload


class Node(Persistable):
    def __init__(self, label: str, child: Node | None = None) -> None:
        super().__init__()
        self.label = label
        self.child = child


def test_saved_object_loads_from_a_fresh_store(open_store: OpenStore) -> None:
    id_ = open_store().save(Task("first", b"\x00\xff'\""))
    loaded = open_store().load(id_)
    assert (loaded.name, loaded.payload) == ("first", b"\x00\xff'\"")
    assert loaded.persistent_id == id_


def test_replaced_object_loads_from_a_fresh_store(open_store: OpenStore) -> None:
    store = open_store()
    id_ = store.save(Task("v1"))
    store.replace(id_, Task("v2"))
    store.replace(id_, Task("v2"))  # the same bytes again still finds the row
    assert open_store().load(id_).name == "v2"


def test_removed_object_is_gone_from_a_fresh_store(open_store: OpenStore) -> None:
    store = open_store()
    kept, removed = store.save(Task("kept")), store.save(Task("removed"))
    store.remove(removed)
    fresh = open_store()
    assert fresh.list() == [kept]
    with pytest.raises(LoadError, match=removed):
        fresh.load(removed)
    with pytest.raises(LoadError, match=removed):
        fresh.remove(removed)


def test_list_returns_every_saved_id(open_store: OpenStore) -> None:
    store = open_store()
    ids = [store.save(Task(f"t{n}")) for n in range(5)]
    assert sorted(open_store().list()) == sorted(ids)


def test_ids_are_unique_across_stores_on_one_table(open_store: OpenStore) -> None:
    first, second = open_store(), open_store()
    ids = [store.save(Task("t")) for _ in range(5) for store in (first, second)]
    assert len(set(ids)) == len(ids)


def test_removed_highest_id_is_never_reused(open_store: OpenStore) -> None:
    store = open_store()
    store.save(Task("low"))
    highest = store.save(Task("high"))
    store.remove(highest)
    again = store.save(Task("again"))
    assert again.seqno > highest.seqno
    store.remove(again)
    store.close()
    after_reopening = open_store().save(Task("after"))
    assert after_reopening.seqno > again.seqno


def test_an_id_with_another_prefix_does_not_exist(open_store: OpenStore) -> None:
    store = open_store()
    id_ = store.save(Task("t"))
    other = f"Other.{id_.seqno}"
    with pytest.raises(LoadError, match=other):
        store.load(other)
    with pytest.raises(LoadError, match=other):
        store.replace(other, Task("x"))
    with pytest.raises(LoadError, match=other):
        store.remove(other)
    assert open_store().load(id_).name == "t"


def test_ids_from_the_users_idfactory_are_kept(open_store: OpenStore) -> None:
    numbers = iter([1000, 1001, 1000])
    store = open_store(idfactory=IdFactory("job", next_id_fn=lambda: next(numbers)))
    assert [store.save(Task("a")), store.save(Task("b"))] == ["job.1000", "job.1001"]
    with pytest.raises(SaveError, match=r"job\.1000.*already taken"):
        store.save(Task("c"))
    assert [task.name for task in map(open_store().load, ["job.1000", "job.1001"])] == ["a", "b"]


def test_a_failed_save_stores_nothing(open_store: OpenStore) -> None:
    store = open_store()
    unpicklable = Task("bad")
    unpicklable.payload = lambda: None  # type: ignore[assignment]
    with pytest.raises(SaveError):
        store.save(unpicklable)
    assert not hasattr(unpicklable, "persistent_id")
    assert open_store().list() == []
    assert open_store().load(store.save(Task("good"))).name == "good"


def test_nested_persistable_objects_are_saved_with_their_parent(open_store: OpenStore) -> None:
    root_id = open_store().save(Node("root", Node("leaf")))
    fresh = open_store()
    root = fresh.load(root_id)
    assert (root.label, root.child.label) == ("root", "leaf")
    assert sorted(fresh.list()) == sorted([root_id, root.child.persistent_id])


@pytest.mark.parametrize("table", ["it's a table", 'with "quotes" and %s', "UPPER lower"])
def test_any_table_name_works(database: Any, table: str) -> None:
    name = database.new_table(table)
    by_argument = SqlStore(database.base_url, table_name=name)
    id_ = by_argument.save(Task("t"))
    by_fragment = SqlStore(database.url(name))
    try:
        assert by_fragment.table_name == name
        assert by_fragment.load(id_).name == "t"
        assert by_fragment.list() == [id_]
    finally:
        by_argument.close()
        by_fragment.close()


def test_a_one_megabyte_object_round_trips(open_store: OpenStore) -> None:
    payload = os.urandom(1 << 20)
    id_ = open_store().save(Task("big", payload))
    assert open_store().load(id_).payload == payload


def test_load_after_invalidate_cache_sees_another_connections_replace(
        open_store: OpenStore) -> None:
    reader, writer = open_store(), open_store()
    id_ = writer.save(Task("v1"))
    assert reader.load(id_).name == "v1"
    writer.replace(id_, Task("v2"))
    reader.invalidate_cache()
    assert reader.load(id_).name == "v2"
    assert reader.list() == [id_]
    newer = writer.save(Task("v3"))
    assert sorted(reader.list()) == sorted([id_, newer])


@pytest.mark.parametrize("driver", ["pysqlite", "another-driver"])
def test_record_bytes_reach_the_driver_as_its_binary_type_unless_it_takes_bytes(
        driver: str) -> None:
    dialect = sqlite.dialect(dbapi=sqlite3)
    dialect.driver = driver
    processor = _RecordData().dialect_impl(dialect).bind_processor(dialect)
    if driver in _DRIVERS_TAKING_BYTES:
        assert processor is None
    else:
        assert processor is not None
        assert type(processor(b"record")) is sqlite3.Binary
