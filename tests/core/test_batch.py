"""`Store.batch()` on the memory and file stores: all or nothing, one flush, IDs never reused."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from gc3store import FilesystemStore, LoadError, Persistable, SaveError


class Task(Persistable):
    def __init__(self, name: str, **attributes: Any) -> None:
        super().__init__()
        self.name = name
        self.__dict__.update(attributes)


class Boom(Exception):
    pass


def test_a_batch_that_ends_keeps_every_write(backend: Any) -> None:
    store = backend.open()
    doomed = store.save(Task("doomed"))
    kept = store.save(Task("kept"))
    with store.batch():
        first = store.save(Task("first"))
        store.replace(kept, Task("replaced"))
        store.remove(doomed)
    reader = backend.open()
    assert reader.load(first).name == "first"
    assert reader.load(kept).name == "replaced"
    with pytest.raises(LoadError):
        reader.load(doomed)


def test_a_batch_that_raises_puts_every_record_back(backend: Any) -> None:
    store = backend.open()
    removed, replaced = store.save(Task("removed")), store.save(Task("replaced"))
    before = {id_: backend.read_raw(id_) for id_ in backend.raw_ids()}
    created, child = Task("created"), Task("child")
    with pytest.raises(Boom), store.batch():
        store.save(Task("parent", child=child))
        store.save(created)
        store.replace(replaced, Task("new version"))
        store.remove(removed)
        store.replace(replaced, Task("newer version"))
        raise Boom
    assert {id_: backend.read_raw(id_) for id_ in backend.raw_ids()} == before
    for obj in (created, child):
        assert not hasattr(obj, "persistent_id")
        assert obj.changed is True
    reader = backend.open()
    assert reader.load(replaced).name == "replaced"
    assert reader.load(removed).name == "removed"


def test_ids_handed_out_in_a_failed_batch_are_never_handed_out_again(backend: Any) -> None:
    store = backend.open()
    with pytest.raises(Boom), store.batch():
        lost = {store.save(Task(f"lost {number}")) for number in range(5)}
        raise Boom
    later = {backend.open().save(Task("later")) for _ in range(20)}
    later |= {store.save(Task("later")) for _ in range(20)}
    assert not lost & later


def test_a_failed_save_inside_a_batch_can_be_caught_and_the_batch_goes_on(backend: Any) -> None:
    store = backend.open()

    class Unpicklable:
        def __reduce__(self) -> Any:
            raise TypeError("no")

    with store.batch():
        with pytest.raises(SaveError):
            store.save(Task("bad", poison=Unpicklable()))
        good = store.save(Task("good"))
    assert backend.open().load(good).name == "good"


def test_a_batch_inside_a_batch_joins_it(backend: Any) -> None:
    store = backend.open()
    with pytest.raises(Boom), store.batch():
        with store.batch():
            inner = store.save(Task("inner"))
        raise Boom
    with pytest.raises(LoadError):
        backend.open().load(inner)


def test_a_durable_file_batch_flushes_the_disk_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = FilesystemStore(tmp_path / "store")
    store.save(Task("reserves the first block of numbers"))
    calls = {"fsync": 0, "sync": 0}
    real_fsync, real_sync = os.fsync, os.sync

    def fsync(fd: int) -> None:
        calls["fsync"] += 1
        real_fsync(fd)

    def sync() -> None:
        calls["sync"] += 1
        real_sync()

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "sync", sync)
    with store.batch():
        for number in range(20):
            store.save(Task(f"task {number}"))
    assert calls == {"fsync": 0, "sync": 1}


def test_a_file_batch_that_cannot_flush_raises_save_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = FilesystemStore(tmp_path / "store")

    def sync() -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "sync", sync)
    task = Task("unflushed")
    with pytest.raises(SaveError, match="flush"), store.batch():
        store.save(task)
    assert not hasattr(task, "persistent_id")
