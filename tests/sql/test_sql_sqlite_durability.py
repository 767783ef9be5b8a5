"""SQLite settings behind `durable`: WAL journal, a busy timeout, and the synchronous level.

Clauses: every connection of the store runs in WAL mode with a 60 s busy
timeout; ``durable=True`` sets ``synchronous=FULL`` (a returned save
survives power loss) and ``durable=False`` sets ``NORMAL`` (it survives a
process crash).  Each is read back with its PRAGMA.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from gc3store.sql import SQLITE_BUSY_TIMEOUT_MS, SqlStore

SYNCHRONOUS_LEVELS = {1: "NORMAL", 2: "FULL"}


def pragma(store: SqlStore, name: str) -> object:
    with store.engine.connect() as connection:
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


@pytest.mark.parametrize(("durable", "level"), [(True, "FULL"), (False, "NORMAL")])
def test_durable_sets_the_synchronous_level(tmp_path: Path, durable: bool, level: str) -> None:
    store = SqlStore(f"sqlite:///{tmp_path}/store.db", durable=durable)
    store.save("x")
    assert SYNCHRONOUS_LEVELS[pragma(store, "synchronous")] == level  # type: ignore[index]
    store.close()


def test_connections_use_wal_and_a_busy_timeout(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path}/store.db", durable=False)
    store.save("x")
    for _ in ("before", "after closing"):
        assert pragma(store, "journal_mode") == "wal"
        assert pragma(store, "busy_timeout") == SQLITE_BUSY_TIMEOUT_MS
        assert pragma(store, "synchronous") == 1
        store.close()


def test_the_database_file_stays_in_wal_mode(tmp_path: Path) -> None:
    SqlStore(f"sqlite:///{tmp_path}/store.db").close()
    SqlStore(f"sqlite:///{tmp_path}/store.db").list()
    independent = sqlite3.connect(tmp_path / "store.db")
    try:
        assert independent.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        independent.close()
