"""Clause 10 on SQLite, with writes that fail for real: a save or a replace that the disk refuses
raises `SaveError` saying what the disk did, keeps the earlier version, leaves a database that
passes ``PRAGMA integrity_check``, and the store goes on working once the disk takes writes again.

Two real faults: a file size limit (``RLIMIT_FSIZE`` in a forked child: SQLite's writes past it
fail with ``EFBIG``, which it reports as an I/O error), and a full disk (the `small_disk` fixture:
a tmpfs mounted in a child's own mount namespace; without the privilege to mount, a skip).
What SQLite leaves beside the database is its own: the ``-wal`` and ``-shm`` files of WAL mode.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gc3store import StoreError, make_store

SQLITE_OWN_FILES = {"store.db", "store.db-wal", "store.db-shm", "store.db-journal"}


def record(name: str, size: int = 0) -> dict[str, Any]:
    return {"name": name, "payload": os.urandom(size)}


def attempt_writes(store: Any, id_: str, size: int) -> dict[str, Any]:
    """Try a save and a replace of a record of `size` bytes; how each failed."""
    outcomes: dict[str, Any] = {}
    writes: list[tuple[str, Callable[[], object]]] = [
        ("save", lambda: store.save(record("big save", size))),
        ("replace", lambda: store.replace(id_, record("big replace", size)))]
    for name, write in writes:
        try:
            write()
            outcomes[name] = "stored"
        except StoreError as exc:
            cause = exc.__cause__
            outcomes[name] = (type(exc).__name__, str(exc), type(cause).__name__,
                              getattr(cause, "sqlite_errorname", None))
    return outcomes


def check_database(path: Path) -> tuple[str, list[str]]:
    """``PRAGMA integrity_check`` of the database at `path`, and the files beside it."""
    connection = sqlite3.connect(path)
    try:
        [(verdict,)] = connection.execute("PRAGMA integrity_check").fetchall()
    finally:
        connection.close()
    return verdict, sorted(os.listdir(path.parent))


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "store.db"


def test_a_write_past_the_file_size_limit_keeps_the_earlier_version(
        database: Path, in_child: Callable[..., Any],
        limited_file_size: Callable[[int], contextlib.AbstractContextManager[None]]) -> None:
    url = f"sqlite:///{database}"
    id_ = make_store(url).save(record("v1"))
    limit = max(entry.stat().st_size for entry in database.parent.iterdir()) + 64 * 1024

    def write_past_the_limit() -> dict[str, Any]:
        store = make_store(url)
        with limited_file_size(limit):
            outcomes = attempt_writes(store, id_, 4 * limit)
        outcomes["save afterwards"] = store.save(record("after the limit"))
        return outcomes

    outcomes = in_child(write_past_the_limit)
    for name in ("save", "replace"):
        error, message, cause, code = outcomes[name]
        assert (error, cause, code) == ("SaveError", "OperationalError", "SQLITE_IOERR_WRITE"), (
            outcomes[name])
        assert "disk I/O error" in message, message
        assert url in message
    fresh = make_store(url)
    assert fresh.load(id_)["name"] == "v1"
    assert sorted(fresh.list()) == sorted([id_, outcomes["save afterwards"]])
    verdict, files = check_database(database)
    assert verdict == "ok"
    assert set(files) <= SQLITE_OWN_FILES


def test_a_full_disk_keeps_the_earlier_version(
        small_disk: Any, in_child: Callable[..., Any]) -> None:
    def write_to_a_full_disk() -> dict[str, Any] | str:
        with small_disk.mounted() as refused:
            if refused is not None:
                return str(refused)
            url = f"sqlite:///{small_disk.path}/store.db"
            id_ = make_store(url).save(record("v1"))
            store = make_store(url)
            store.list()  # connected before the disk fills up
            small_disk.fill()
            outcomes: dict[str, Any] = {"connected store": attempt_writes(store, id_, 200_000),
                                        "new store": attempt_writes(make_store(url), id_, 10)}
            small_disk.free()
            outcomes["save afterwards"] = store.save(record("after the full disk"))
            fresh = make_store(url)
            outcomes["fresh"] = (fresh.load(id_)["name"], sorted(fresh.list()),
                                 sorted([id_, outcomes["save afterwards"]]))
            outcomes["database"] = check_database(small_disk.path / "store.db")
            return outcomes

    outcomes = in_child(write_to_a_full_disk)
    if isinstance(outcomes, str):
        pytest.skip(outcomes)
    for store, name in itertools.product(("connected store", "new store"), ("save", "replace")):
        error, message, cause, code = outcomes[store][name]
        assert (error, cause, code) == ("SaveError", "OperationalError", "SQLITE_FULL"), (
            store, outcomes[store][name])
        assert "disk is full" in message, message
    loaded, listed, expected = outcomes["fresh"]
    assert (loaded, listed) == ("v1", expected)
    verdict, files = outcomes["database"]
    assert verdict == "ok"
    assert set(files) <= SQLITE_OWN_FILES
