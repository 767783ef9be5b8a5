"""Fixtures of the SqlStore tests: a database of each kind, fresh tables in it, stores on them.

A test that takes `db_url` (or `database`) runs on SQLite (a file in the
test's tmp_path), PostgreSQL and MariaDB/MySQL.  The servers' URLs come from
GC3STORE_TEST_POSTGRESQL and GC3STORE_TEST_MYSQL; a server that cannot be
reached skips its tests, except under CI=true, where it fails them.  Every
table a test uses is made for it under a random name, and only those tables
are dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
import select
import signal
import traceback
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from gc3store.sql import SqlStore

BACKENDS = ("sqlite", "postgresql", "mysql")


class Database:
    """One database of the kind under test, and the tables a test made in it."""

    def __init__(self, backend: str, base_url: str,
                 make_engine: Callable[[str], sa.Engine]) -> None:
        self.backend = backend
        self.base_url = base_url
        self._make_engine = make_engine
        self.tables: list[str] = []
        self._engine: sa.Engine | None = None

    def new_table(self, name: str | None = None) -> str:
        """Reserve a table name for this test (random unless given); it is dropped afterwards."""
        name = name if name is not None else f"t_{secrets.token_hex(8)}"
        self.tables.append(name)
        return name

    def url(self, table: str) -> str:
        """The store URL of `table`, named in the ``#table=`` fragment."""
        return f"{self.base_url}#table={quote(table, safe='')}"

    @property
    def engine(self) -> sa.Engine:
        """An engine of the test's own, to look at the database without any store."""
        if self._engine is None:
            self._engine = self._make_engine(self.base_url)
        return self._engine

    def rows(self, table: str, *columns: str) -> list[tuple[Any, ...]]:
        """The values of `columns` in every record (not placeholder) row of `table`, by id."""
        reflected = sa.Table(table, sa.MetaData(), autoload_with=self.engine)
        query = (sa.select(*(reflected.c[name] for name in columns))
                 .where(reflected.c.data.is_not(None)).order_by(reflected.c.id))
        with self.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(query)]

    def drop_tables(self) -> None:
        if self.backend == "sqlite":
            return  # the file goes with tmp_path
        for name in self.tables:
            sa.Table(name, sa.MetaData()).drop(self.engine, checkfirst=True)

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The kind of database under test; a test may parametrize it to fewer kinds."""
    return str(request.param)


@pytest.fixture
def database(backend: str, tmp_path: Any, test_server_url: Callable[[str], str],
             test_server_engine: Callable[[str], sa.Engine]) -> Iterator[Database]:
    db = Database(backend, f"sqlite:///{tmp_path}/store.db" if backend == "sqlite"
                  else test_server_url(backend), test_server_engine)
    try:
        yield db
    finally:
        try:
            db.drop_tables()
        finally:
            db.dispose()


@pytest.fixture
def db_table(database: Database) -> str:
    """The name of a new table of the database under test."""
    return database.new_table()


@pytest.fixture
def db_url(database: Database, db_table: str) -> str:
    """The store URL of the `db_table` table."""
    return database.url(db_table)


@pytest.fixture
def open_store(db_url: str) -> Iterator[Callable[..., SqlStore]]:
    """Open a `SqlStore`, on the table of `db_url` unless given another URL; close it after."""
    stores: list[SqlStore] = []

    def open_(url: str | None = None, *args: Any, **kwargs: Any) -> SqlStore:
        store = SqlStore(db_url if url is None else url, *args, **kwargs)
        stores.append(store)
        return store

    yield open_
    for store in stores:
        store.close()



WAIT_S = 60.0
"""The bound on every wait for another process: generous, since it only matters on a hang."""


class ForkedChild:
    """A child made by ``os.fork()`` that runs one function and leaves by ``os._exit``."""

    def __init__(self, body: Callable[[], object]) -> None:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                body()
                code = 0
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)
        self.pid = pid
        self.exit_code: int | None = None

    def wait(self, timeout: float = WAIT_S) -> int:
        """The child's exit code; if it has not exited within `timeout`, kill it and fail."""
        if self.exit_code is None:
            pidfd = os.pidfd_open(self.pid)
            try:
                exited, _, _ = select.select([pidfd], [], [], timeout)
            finally:
                os.close(pidfd)
            if not exited:
                self.kill()
                pytest.fail(f"child {self.pid} still running after {timeout} s", pytrace=False)
            self._reap()
        assert self.exit_code is not None
        return self.exit_code

    def kill(self) -> None:
        if self.exit_code is None:
            os.kill(self.pid, signal.SIGKILL)
            self._reap()

    def _reap(self) -> None:
        _, status = os.waitpid(self.pid, 0)
        self.exit_code = os.waitstatus_to_exitcode(status)


class Processes:
    """Fork child processes for a test and talk to them, every wait bounded."""

    def __init__(self) -> None:
        self.children: list[ForkedChild] = []

    def fork(self, body: Callable[[], object]) -> ForkedChild:
        """Fork a child that runs `body` and exits: 0 if it returned, 1 if it raised."""
        child = ForkedChild(body)
        self.children.append(child)
        return child

    @staticmethod
    def receive(connection: Connection, what: str, timeout: float = WAIT_S) -> Any:
        """The next message on `connection`; fail the test if none comes within `timeout`."""
        if not connection.poll(timeout):
            pytest.fail(f"no {what} within {timeout} s", pytrace=False)
        return connection.recv()

    def kill_all(self) -> None:
        for child in self.children:
            child.kill()


@pytest.fixture
def processes() -> Iterator[Processes]:
    """Fork processes for a test; any still running when it ends are killed."""
    helper = Processes()
    yield helper
    helper.kill_all()
