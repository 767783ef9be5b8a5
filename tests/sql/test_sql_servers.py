"""What only a database server does: drop connections, and (MariaDB) limit packet sizes and
compare strings in a collation and a character set of their own.

Clauses: after the server drops the store's connection (as a restart does),
the next operation, read or write, succeeds on a new connection; on
MariaDB/MySQL a record over ``max_allowed_packet`` is refused with a
`StoreError` naming the limit and how to raise it, and nothing is stored; on
MariaDB/MySQL, IDs are compared exactly over a connection in any character set.
The connection is dropped by killing its server session from a connection
of the test's own; the server's global settings are only read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from gc3store import LoadError, StoreError
from gc3store.sql import SqlStore

SERVERS = ["postgresql", "mysql"]
SESSION_ID = {"postgresql": "SELECT pg_backend_pid()", "mysql": "SELECT CONNECTION_ID()"}
KILL_SESSION = {"postgresql": "SELECT pg_terminate_backend({})", "mysql": "KILL {}"}


def record_sessions(store: SqlStore, backend: str) -> list[int]:
    """The server session IDs of the connections `store` opens from now on, in order."""
    sessions: list[int] = []

    def on_connect(connection: Any, _: object) -> None:
        cursor = connection.cursor()
        cursor.execute(SESSION_ID[backend])
        sessions.append(int(cursor.fetchone()[0]))
        cursor.close()
    sa.event.listen(store.engine, "connect", on_connect)
    return sessions


def kill_session(database: Any, session: int) -> None:
    with database.engine.connect() as connection:
        connection.exec_driver_sql(KILL_SESSION[database.backend].format(int(session)))


@pytest.mark.parametrize("backend", SERVERS)
@pytest.mark.parametrize("first", ["load", "save", "list"])
def test_the_next_operation_after_a_dropped_connection_succeeds(
        database: Any, open_store: Callable[..., SqlStore], first: str) -> None:
    store = open_store()
    sessions = record_sessions(store, database.backend)
    id_ = store.save(["before"])
    kill_session(database, sessions[-1])
    store.invalidate_cache()
    if first == "load":
        assert store.load(id_) == ["before"]
    elif first == "list":
        assert store.list() == [id_]
    else:
        assert store.load(store.save(["after"])) == ["after"]
    assert len(sessions) == 2
    assert open_store().load(id_) == ["before"]


def max_allowed_packet(database: Any) -> int:
    with database.engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT @@max_allowed_packet").scalar_one())


@pytest.mark.parametrize("backend", ["mysql"])
@pytest.mark.parametrize("content", ["random", "zeros"])
def test_a_record_over_max_allowed_packet_is_refused_naming_the_limit(
        database: Any, open_store: Callable[..., SqlStore], content: str) -> None:
    limit = max_allowed_packet(database)
    # zeros double in size when escaped, so 60 % of the limit is already too much
    payload = bytes(limit * 6 // 10) if content == "zeros" else bytes(range(256)) * (
        limit // 256 + 1)
    store = open_store()
    with pytest.raises(StoreError, match=rf"max_allowed_packet of {limit} bytes.*SET GLOBAL "
                                         rf"max_allowed_packet=\d+"):
        store.save({"payload": payload})
    assert open_store().list() == []
    id_ = store.save({"payload": b"small"})
    assert open_store().load(id_) == {"payload": b"small"}


@pytest.mark.parametrize("backend", ["mysql"])
@pytest.mark.parametrize("charset", ["latin1", "utf8", "utf8mb4"])
def test_ids_are_compared_exactly_over_a_connection_in_any_character_set(
        database: Any, db_table: str, charset: str) -> None:
    """MariaDB: the exact comparison of prefixes holds whatever the connection's charset."""
    base, _, fragment = database.url(db_table).partition("#")
    url = f"{base}{'&' if '?' in base else '?'}charset={charset}#{fragment}"
    store = SqlStore(url)
    try:
        plain, accented = store.save({"name": "plain"}), store.save(Tâche())
        reader = SqlStore(url)
        assert reader.load(plain) == {"name": "plain"}
        assert type(reader.load(accented)) is Tâche
        assert sorted(reader.list()) == sorted([plain, accented])
        with pytest.raises(LoadError):
            reader.load(plain.upper())
        reader.close()
    finally:
        store.close()


class Tâche:
    """A class whose name, the prefix of its IDs, is not ASCII (but is in latin1)."""
