"""`SqlStore.batch()`: one transaction, all or nothing, its ID numbers never handed out again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gc3store import LoadError, Persistable
from gc3store.sql import SqlStore


class Task(Persistable):
    def __init__(self, name: str, **attributes: Any) -> None:
        super().__init__()
        self.name = name
        self.__dict__.update(attributes)


class Boom(Exception):
    pass


def test_a_batch_is_committed_at_its_end(open_store: Callable[..., SqlStore]) -> None:
    store, reader = open_store(), open_store()
    with store.batch():
        ids = [store.save(Task(f"task {number}")) for number in range(50)]
        with pytest.raises(LoadError):
            reader.load(ids[0])  # not committed yet: another connection cannot see it
    assert [reader.load(id_).name for id_ in ids] == [f"task {n}" for n in range(50)]


def test_a_failed_batch_is_rolled_back_whole(open_store: Callable[..., SqlStore]) -> None:
    store = open_store()
    kept, removed = store.save(Task("kept")), store.save(Task("removed"))
    child = Task("child")
    with pytest.raises(Boom), store.batch():
        created = store.save(Task("parent", child=child))
        store.replace(kept, Task("replacement"))
        store.remove(removed)
        raise Boom
    reader = open_store()
    assert reader.load(kept).name == "kept"
    assert reader.load(removed).name == "removed"
    with pytest.raises(LoadError):
        reader.load(created)
    assert not hasattr(child, "persistent_id")
    assert sorted(reader.list()) == sorted([kept, removed])


def test_numbers_of_a_failed_batch_are_never_handed_out_again(
        open_store: Callable[..., SqlStore]) -> None:
    store = open_store()
    store.save(Task("first"))
    with pytest.raises(Boom), store.batch():
        lost = {store.save(Task(f"lost {number}")).seqno for number in range(5)}
        raise Boom
    later = {open_store().save(Task("later")).seqno for _ in range(10)}
    assert min(later) > max(lost)


def test_a_batch_on_a_new_table_keeps_its_numbers_too(
        open_store: Callable[..., SqlStore]) -> None:
    store = open_store()
    with pytest.raises(Boom), store.batch():
        lost = {store.save(Task("lost")).seqno for _ in range(3)}
        raise Boom
    assert open_store().save(Task("later")).seqno > max(lost)
