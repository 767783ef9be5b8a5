"""`SqlStore`: records kept as the rows of one table in SQLite, PostgreSQL or MariaDB/MySQL.

SQLAlchemy reads the URL, picks the dialect, creates or checks the table and
pools the connections.  The record primitives run statements that are
compiled once, on the DBAPI cursor of the one connection each process
holds: a save then costs what the database does, and little more.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import operator
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import URL, Dialect, Engine
from sqlalchemy.engine.interfaces import DBAPIConnection, DBAPICursor
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.sql.compiler import SQLCompiler

from gc3store.errors import SaveError, StoreError, StoreUnavailable
from gc3store.ids import Id, IdFactory
from gc3store.registry import hide_password
from gc3store.store import DEFAULT_PROTOCOL, NO_GROUPING, RecordStore, checked_flag

DEFAULT_TABLE = "store"
SUPPORTED_BACKENDS = ("sqlite", "postgresql", "mysql", "mariadb")
DEFAULT_DRIVERS = {"postgresql": "psycopg", "mysql": "pymysql", "mariadb": "pymysql"}
"""The driver a bare ``backend://`` URL uses (SQLAlchemy's own default, psycopg2, is not ours)."""
PIP_EXTRAS = {"postgresql": ("postgresql", "psycopg 3"), "mysql": ("mysql", "PyMySQL"),
              "mariadb": ("mysql", "PyMySQL")}
"""The ``gc3store[EXTRA]`` that installs the default driver of a backend, and that driver."""
SQLITE_BUSY_TIMEOUT_MS = 60_000
SERVER_CONNECT_TIMEOUT_S = 10
MYSQL_MAX_PACKET_CEILING = 1 << 30  # the largest max_allowed_packet a server accepts

Accessor = Callable[[Any], Any]
ExtraFields = Mapping[sa.Column[Any], Accessor]

_RESERVED_COLUMNS = ("id", "prefix", "data", "state")
_ID_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # INTEGER PRIMARY KEY: rowid
_DRIVERS_TAKING_BYTES = frozenset({"pysqlite", "psycopg", "pymysql"})
"""DB-API drivers that store a ``bytes`` value in a binary column as it is."""
_STATE_LENGTH = 128
_MYSQL_DUPLICATE_ENTRY = 1062
_MYSQL_PACKET_TOO_LARGE = 1153
_PACKET_MARGIN = 1024  # the statement around the record, with room to spare
_RESERVED_NUMBERS_LIMIT = 64
"""The most ID numbers a store reserves at once; it starts with one and doubles up to this."""

_log = logging.getLogger("gc3store")


class _RecordData(sa.TypeDecorator[bytes]):
    """The column of record bytes: LargeBinary, LONGBLOB on MySQL and MariaDB.

    LargeBinary wraps every value in the driver's ``Binary`` type, a call
    per write that the drivers in `_DRIVERS_TAKING_BYTES` do not need.
    """

    impl = sa.LargeBinary
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.LONGBLOB())
        return dialect.type_descriptor(sa.LargeBinary())

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.driver in _DRIVERS_TAKING_BYTES:
            return None
        return super().bind_processor(dialect)

_inherited: list[object] = []
"""Connections this process inherited through fork: the parent still uses them, so the child
must neither close them nor let them be garbage-collected (either would talk to the server or
the database file on the parent's behalf)."""


@dataclasses.dataclass(frozen=True)
class _Statement:
    """A statement compiled to the driver's SQL text, with what binding its values needs."""

    sql: str
    names: tuple[str, ...]
    positional: bool
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]

    @classmethod
    def compile(cls, clause: sa.ClauseElement, dialect: Dialect) -> _Statement:
        compiled = clause.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        names = tuple(compiled.positiontup or ()) if dialect.positional else tuple(compiled.binds)
        processors = []
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors.append((name, processor))
        return cls(str(compiled), names, dialect.positional, tuple(processors))

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | Mapping[str, Any]:
        """The values in the form the driver takes them, through the types' bind processors."""
        bound = values
        if self.processors:
            bound = dict(values)
            for name, processor in self.processors:
                bound[name] = processor(bound[name])
        if self.positional:
            return [bound[name] for name in self.names]
        return bound


_KEY_ATTRIBUTES = {"p_id": "seqno", "p_prefix": "prefix"}
"""The bind names that pick the record row of an ID, and the attributes of the `Id` they take."""


@dataclasses.dataclass(frozen=True)
class _KeyStatement:
    """A statement whose only values pick the record row of an ID (`_row_key`)."""

    sql: str
    bind: Callable[[Id], Sequence[Any] | Mapping[str, Any]]
    """The values of the statement for an ID, in the form the driver takes them."""

    @classmethod
    def compile(cls, clause: sa.ClauseElement, dialect: Dialect) -> _KeyStatement:
        statement = _Statement.compile(clause, dialect)
        assert set(statement.names) == set(_KEY_ATTRIBUTES), statement.names
        assert not statement.processors, statement.processors
        if not statement.positional:
            return cls(statement.sql, _row_key)
        # a C getter making the tuple of values: the statements run at every load and remove
        return cls(statement.sql,
                   operator.attrgetter(*(_KEY_ATTRIBUTES[name] for name in statement.names)))


@dataclasses.dataclass(frozen=True)
class _Statements:
    """Every statement the record primitives run on one table."""

    begin: str
    new_placeholder: _Statement
    fill_placeholder: _Statement
    insert: _Statement
    insert_raises_on_duplicate: bool
    update: _Statement
    read: _KeyStatement
    exists: _KeyStatement
    advance_sequence: _Statement | None
    reserve: _Statement | None
    """Reserves ``:p_count`` ID numbers: returns them on PostgreSQL, moves the counter past them
    on SQLite; None where a new number comes from a placeholder row instead (MariaDB, MySQL)."""
    reservation_rolls_back: bool
    """Whether a rollback takes back the reservations made in its transaction (SQLite)."""
    delete: _KeyStatement

    @classmethod
    def compile(cls, table: sa.Table, extra_names: Sequence[str], dialect: Dialect) -> _Statements:
        columns = table.c
        by_id = columns.id == sa.bindparam("p_id")
        prefix: sa.ColumnElement[Any] = sa.bindparam("p_prefix")
        if dialect.name in ("mysql", "mariadb"):
            # MariaDB and MySQL compare strings in the column's collation, which ignores case
            # and accents by default: 'DICT.5' would name the record of 'dict.5'.  The value is
            # converted to utf8mb4 first: a connection in another character set (?charset=latin1)
            # would make its collation utf8mb4_bin invalid
            prefix = sa.collate(sa.cast(prefix, mysql.CHAR(charset="utf8mb4")), "utf8mb4_bin")
        owned = sa.and_(by_id, columns.prefix == prefix, columns.data.is_not(None))
        row: dict[Any, Any] = {columns.data: sa.bindparam("v_data"),
                               columns.state: sa.bindparam("v_state")}
        for index, name in enumerate(extra_names):
            row[columns[name]] = sa.bindparam(f"x{index}")
        new_placeholder = table.insert().values(prefix=sa.null(), data=sa.null())
        insert, raises_on_duplicate = _insert_new(table, dialect)
        return cls(
            begin=_BEGIN.get(dialect.name, "BEGIN"),
            new_placeholder=_Statement.compile(new_placeholder, dialect),
            fill_placeholder=_Statement.compile(
                table.update().where(by_id, columns.data.is_(None))
                .values({columns.prefix: sa.bindparam("v_prefix"), **row}), dialect),
            insert=_Statement.compile(
                insert.values({columns.id: sa.bindparam("p_id"),
                               columns.prefix: sa.bindparam("v_prefix"), **row}), dialect),
            insert_raises_on_duplicate=raises_on_duplicate,
            update=_Statement.compile(table.update().where(owned).values(row), dialect),
            read=_KeyStatement.compile(sa.select(columns.data).where(owned), dialect),
            exists=_KeyStatement.compile(sa.select(columns.id).where(owned), dialect),
            advance_sequence=_advance_sequence(dialect),
            reserve=_reserve_numbers(table, dialect),
            reservation_rolls_back=dialect.name == "sqlite",
            delete=_KeyStatement.compile(table.delete().where(owned), dialect),
        )


_BATCH_SAVEPOINT = "gc3store_batch"

# A write transaction takes the write lock at once on SQLite: one that upgrades a read lock
# later gets SQLITE_BUSY at once, without the busy handler being consulted.
_BEGIN = {"sqlite": "BEGIN IMMEDIATE", "mysql": "START TRANSACTION",
          "mariadb": "START TRANSACTION"}


def _serial_sequence() -> sa.ColumnElement[Any]:
    """PostgreSQL's sequence behind the ``id`` column of the table ``:p_serial_of`` names.

    The table's name is a value, not SQL text: SQL text would have its ``%`` doubled for the
    driver, and then again by the quoting of the name.
    """
    return sa.func.pg_get_serial_sequence(sa.bindparam("p_serial_of", type_=sa.String()),
                                          sa.literal_column("'id'"))


def _quoted_on_postgresql(name: str) -> str:
    """`name` as PostgreSQL's ``regclass`` reads a quoted table name."""
    return '"' + name.replace('"', '""') + '"'


def _reserve_numbers(table: sa.Table, dialect: Dialect) -> _Statement | None:
    """A statement reserving ``:p_count`` ID numbers nobody else is given, never handed out again.

    PostgreSQL draws them from the ID sequence, which no rollback takes back.  SQLite moves
    the table's AUTOINCREMENT counter (``sqlite_sequence``, which the table's own row keeps
    up to date with explicit IDs too) past them in the write transaction of the save, so a
    rollback takes the reservation back with the save.  MariaDB and MySQL have no
    counter a statement can move: None, each new number comes from a placeholder row.
    """
    count = sa.bindparam("p_count", type_=sa.Integer())
    if dialect.name == "postgresql":
        return _Statement.compile(
            sa.select(sa.func.nextval(_serial_sequence()))
            .select_from(sa.func.generate_series(sa.literal_column("1"), count)), dialect)
    if dialect.name == "sqlite":
        sequence = sa.table("sqlite_sequence", sa.column("name"), sa.column("seq"))
        highest = sa.select(sa.func.coalesce(sa.func.max(table.c.id), sa.literal_column("0"))
                            ).scalar_subquery()
        # no RETURNING, which SQLite has only since 3.35
        return _Statement.compile(
            sequence.update().where(sequence.c.name == sa.bindparam("p_table"))
            .values(seq=sa.func.max(sequence.c.seq, highest) + count), dialect)
    return None


def _advance_sequence(dialect: Dialect) -> _Statement | None:
    """On PostgreSQL, a statement moving the ID sequence up to ``:p_id`` if it is behind.

    The sequence's own next value says where it is, so numbers other sessions drew but
    have not committed yet are never handed out again; the one drawn is left unused.
    """
    if dialect.name != "postgresql":
        return None
    sequence = _serial_sequence()
    explicit = sa.bindparam("p_id", type_=sa.BigInteger())
    statement = sa.select(sa.case((explicit > sa.func.nextval(sequence),
                                   sa.func.setval(sequence, explicit))))
    return _Statement.compile(statement, dialect)


def _insert_new(table: sa.Table, dialect: Dialect) -> tuple[Any, bool]:
    """An INSERT of a row with an explicit ID that skips a taken ID, and whether it raises instead.

    PostgreSQL aborts the whole transaction on a failed INSERT, hence ON CONFLICT there;
    MySQL's duplicate-key error undoes only the statement, and the driver reports it.
    """
    if dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=["id"]), False
    if dialect.name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=["id"]), False
    return table.insert(), True


class _Transaction:
    """The write transaction of a `SqlStore`, begun on entry and committed (or rolled back) on
    exit; `SqlStore._transaction` makes one only outside a transaction, which it then joins."""

    def __init__(self, store: SqlStore) -> None:
        self._store = store

    def __enter__(self) -> None:
        self._store._begin()
        self._store._in_transaction = True

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        store = self._store
        try:
            if kind is None:
                store._commit()
            else:
                store._rollback()
        finally:
            store._in_transaction = False


class SqlStore(RecordStore):
    """Keep records as rows of a table in a SQL database: SQLite, PostgreSQL, MariaDB or MySQL.

    `url` is a SQLAlchemy URL: ``sqlite:////abs/path.db``,
    ``sqlite:///relative.db`` (resolved against the working directory when
    the store is made), ``postgresql://user:pw@host/db``,
    ``mysql://user:pw@host/db``, ``mariadb://...``; a ``+driver`` may be
    given, and bare ``postgresql://`` uses psycopg 3 and ``mysql://`` and
    ``mariadb://`` use PyMySQL.  The table is `table_name`, else the URL's
    ``#table=NAME`` fragment, else ``store``; with `create` it is created
    when missing.  Its columns: ``id`` (the number of the object's ID, an
    autoincrement key never reused), ``prefix`` (the rest of the ID),
    ``data`` (the record), ``state`` (``obj.execution.state`` where that
    exists, as GC3Pie stores it), and one column per entry of `extra_fields`,
    a mapping ``{sqlalchemy.Column: accessor}``: on every save,
    ``accessor(obj)`` is stored in a copy of that column (NULL, with a
    warning on the ``gc3store`` logger, if the accessor raises).  The
    accessors of `gc3store.accessors` make such functions.  `list` takes
    equality filters on ``state`` and those columns: ``list(state='RUNNING')``.

    The number of an ID is the row's primary key, so an `idfactory` with
    numbers of its own must keep them unique across prefixes too.  On SQLite
    and PostgreSQL a store reserves the numbers of its IDs ahead, one, then
    twice as many each time up to 64, from the table's AUTOINCREMENT counter
    or its sequence: a save is then one INSERT.  Numbers a store reserved and
    did not use (it was closed, its process ended) are never handed out, so
    IDs may have gaps.  MariaDB and MySQL have no counter a statement can
    move: there each new ID's number comes from an empty row the save fills.

    Nothing connects until the first operation; each process then holds one
    connection.  `close` and `pre_fork` close it (the next operation opens
    another); a child that inherited one (with or without `pre_fork`) leaves
    it to the parent and opens its own.  A connection the server dropped is
    replaced at the next operation.  `url` is the string given;
    `display_url`, which `repr` and every message of the store show, hides
    its password.

    `durable` says what a returned save survives on SQLite, which runs in
    WAL mode: with True (``synchronous=FULL``) a power loss or an operating
    system crash; with False (``synchronous=NORMAL``) a crash of the process,
    while a power loss may take the last saves back, never corrupting the
    database.  On PostgreSQL and MariaDB the server's own settings
    (``fsync``, ``synchronous_commit``, ``innodb_flush_log_at_trx_commit``)
    decide, and `durable` changes nothing.

    `directory` is accepted and ignored, so that `make_store` can pass the
    same keywords to every kind of store.
    """

    rolls_back_batches = True
    rolls_back_operations = True

    def __init__(self, url: str, table_name: str | None = None,
                 idfactory: IdFactory | None = None, extra_fields: ExtraFields | None = None,
                 create: bool = True, protocol: int = DEFAULT_PROTOCOL, *, durable: bool = True,
                 directory: str | None = None, secret: str | bytes | None = None) -> None:
        if not isinstance(url, str):
            raise TypeError(f"a SqlStore URL is a string such as 'sqlite:////var/lib/app.db', "
                            f"not {type(url).__name__} {url!r}")
        base, _, fragment = url.partition("#")
        parsed = _parse_url(base, url)
        shown = url if parsed.password is None else _shown(parsed, fragment)
        super().__init__(url, idfactory, protocol, display_url=shown, secret=secret)
        self.table_name = _table_name(table_name, fragment, shown)
        self._serial_of = _quoted_on_postgresql(self.table_name)  # its sequence, on PostgreSQL
        self.extra_fields = _checked_extra_fields(extra_fields)
        self.create = checked_flag("create", create)
        self.durable = checked_flag("durable", durable)
        self._table = _make_table(self.table_name, self.extra_fields)
        self._extra_names = tuple(column.name for column in self.extra_fields)
        self._password = parsed.password or ""
        self._engine = _make_engine(_engine_url(parsed, shown), shown, self.durable)
        # a server flushes in its own process, where the test kit cannot watch it do so
        self.flushes_to_disk = self.durable and self._engine.dialect.name == "sqlite"
        self._dbapi_error: type[Exception] = self._engine.dialect.loaded_dbapi.Error
        self._statements: _Statements | None = None
        self._list_statements: dict[tuple[tuple[str, bool], ...], _Statement] = {}
        self._connection: PoolProxiedConnection | None = None
        self._cursor: DBAPICursor | None = None
        self._max_packet: int | None = None
        self._in_transaction = False
        self._placeholders: set[int] = set()
        self._reserved: Iterator[int] = iter(())
        self._reserve_count = 1
        self._drawn: set[int] = set()
        self._highest_in_batch: int | None = None
        self._created: set[Id] = set()
        self._rolled_back: set[Id] = set()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.display_url!r}, table_name={self.table_name!r})"

    def __del__(self) -> None:
        # a store that nobody holds gives its connection back at once: a program (or a test
        # suite) that opens many stores would otherwise run the server out of connections
        with contextlib.suppress(Exception):
            if self._pid == os.getpid():
                self.close()
            else:
                self._after_fork()

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, for inspection and administration.

        Its connections are set up as the store's own (SQLite pragmas,
        autocommit); the connection the store itself holds is not handed out.
        """
        return self._engine

    @property
    def filterable_columns(self) -> tuple[str, ...]:
        """The names `list` takes as filters: ``state`` and the `extra_fields` columns."""
        return ("state", *self._extra_names)

    def _check_filters(self, filters: dict[str, Any]) -> None:
        unknown = sorted(set(filters) - set(self.filterable_columns))
        if unknown:
            raise TypeError(f"{type(self).__name__}.list() got unknown filter {unknown[0]!r}: "
                            f"the filterable columns of table {self.table_name!r} are "
                            f"{', '.join(map(repr, self.filterable_columns))}")

    def pre_fork(self) -> None:
        self.close()

    def close(self) -> None:
        """Close this process's connection and the engine's pool; the next operation reconnects."""
        with self._lock:
            self._check_fork()
            if self._in_transaction:
                raise StoreError(f"cannot close {self.display_url} in the middle of a transaction")
            connection, self._connection, self._cursor = self._connection, None, None
            if connection is not None:
                with contextlib.suppress(Exception):
                    connection.close()
            self._engine.dispose()

    # -- record primitives -------------------------------------------------

    def _next_seqno(self) -> int:
        statements = self._prepared()
        if statements.reserve is None:
            seqno = self._new_placeholder(statements)
        else:
            reserved = next(self._reserved, None)
            seqno = self._reserve_numbers(statements) if reserved is None else reserved
            self._drawn.add(seqno)
        if self._highest_in_batch is not None:
            self._highest_in_batch = max(self._highest_in_batch, seqno)
        return seqno

    def _new_placeholder(self, statements: _Statements) -> int:
        """A number from the ID counter, kept by an empty row until the save fills it."""
        with self._transaction():
            seqno = int(self._execute(statements.new_placeholder, {}).lastrowid)
            self._placeholders.add(seqno)
        return seqno

    def _reserve_numbers(self, statements: _Statements) -> int:
        """Reserve the next numbers of the ID counter for this store; return the first one.

        A store reserves one number, then twice as many each time, up to
        `_RESERVED_NUMBERS_LIMIT`: a save is then one INSERT, and a store
        that saves little leaves few numbers unused.
        """
        count = self._reserve_count
        self._reserve_count = min(2 * count, _RESERVED_NUMBERS_LIMIT)
        values = {"p_count": count, "p_table": self.table_name, "p_serial_of": self._serial_of}
        assert statements.reserve is not None
        with self._transaction():
            if statements.reservation_rolls_back:
                numbers = self._move_sqlite_counter(statements.reserve, values, count)
            else:
                numbers = sorted(int(row[0]) for row in
                                 self._execute(statements.reserve, values).fetchall())
        self._reserved = iter(numbers[1:])
        return numbers[0]

    def _move_sqlite_counter(self, reserve: _Statement, values: Mapping[str, Any],
                             count: int) -> list[int]:
        """Move the table's AUTOINCREMENT counter `count` numbers on; return those numbers."""
        if self._execute(reserve, values).rowcount == 0:  # the table never had a row
            self._add_sqlite_sequence_row(0)
            self._execute(reserve, values)
        assert self._cursor is not None
        [(last,)] = self._cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = ?",
                                         (self.table_name,)).fetchall()
        return list(range(int(last) - count + 1, int(last) + 1))

    def _add_sqlite_sequence_row(self, seq: int) -> None:
        """Give the table a row in ``sqlite_sequence`` at `seq`, unless it has one."""
        assert self._cursor is not None
        self._cursor.execute("INSERT INTO sqlite_sequence (name, seq) SELECT ?, ? WHERE NOT "
                             "EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?)",
                             (self.table_name, seq, self.table_name))

    def _read(self, id_: Id) -> bytes | None:
        read = self._prepared().read
        cursor = self._run(read.sql, read.bind(id_))
        rows = cursor.fetchall()  # to the end, so that SQLite ends the statement's read snapshot
        if not rows:
            return None
        data = rows[0][0]
        return data if isinstance(data, bytes) else bytes(data)

    def _exists(self, id_: Id) -> bool:
        exists = self._prepared().exists
        cursor = self._run(exists.sql, exists.bind(id_))
        return bool(cursor.fetchall())

    def _create(self, id_: Id, data: bytes, obj: Any) -> bool:
        statements = self._prepared()
        values = self._row(id_, data, obj)
        values["v_prefix"] = id_.prefix
        values["p_id"] = id_.seqno
        with self._transaction():
            if id_.seqno in self._placeholders:
                self._placeholders.discard(id_.seqno)
                created = self._write(statements.fill_placeholder, values, id_) == 1
            else:
                created = self._insert(statements, values, id_)
            if created:
                self._created.add(id_)
        return created

    def _update(self, id_: Id, data: bytes, obj: Any) -> bool:
        values = self._row(id_, data, obj)
        values.update(_row_key(id_))
        with self._transaction():
            return self._write(self._prepared().update, values, id_) == 1

    def _delete(self, id_: Id) -> bool:
        if id_ in self._rolled_back:
            # the rollback took this record away already; its number may since have been
            # handed out again (SQLite's AUTOINCREMENT counter is rolled back too)
            self._rolled_back.discard(id_)
            return False
        with self._transaction():
            delete = self._prepared().delete
            cursor = self._run(delete.sql, delete.bind(id_))
            return int(cursor.rowcount) == 1

    def _ids(self, **filters: Any) -> Iterable[Id]:
        statement = self._list_statement(filters)
        values = {f"f{index}": value for index, (_, value) in enumerate(sorted(filters.items()))
                  if value is not None}
        rows = self._execute(statement, values).fetchall()
        return [Id(prefix, int(seqno)) for prefix, seqno in rows]

    def _transaction(self) -> contextlib.AbstractContextManager[None]:
        if self._in_transaction:
            return NO_GROUPING  # inside a transaction already, which begins and ends it
        return _Transaction(self)  # made anew each time: a store referring to itself lingers

    def _after_fork(self) -> None:
        if self._connection is not None:
            _inherited.append((self._connection.dbapi_connection, self._cursor))
            with contextlib.suppress(Exception):
                self._connection.detach()  # so that the pool never resets it for the parent
        self._connection = self._cursor = None
        self._in_transaction = False
        self._reserved = iter(())  # the parent hands them out: a child reserves its own
        self._drawn.clear()
        self._placeholders.clear()
        self._created.clear()
        self._rolled_back.clear()
        self._engine.dispose(close=False)

    # -- transactions ------------------------------------------------------

    def _begin(self) -> None:
        self._rolled_back.clear()
        self._execute_control(self._prepared().begin)

    def _commit(self) -> None:
        try:
            # never through _run: a COMMIT on a new connection would commit nothing
            if self._cursor is None:
                raise StoreUnavailable(f"lost the connection to {self.display_url} in the "
                                       f"middle of a transaction, which was rolled back")
            self._cursor.execute("COMMIT")
        except BaseException as exc:
            self._rollback()
            if isinstance(exc, StoreError) or not isinstance(exc, Exception):
                raise
            # a server may have committed before the connection went; a SQLite file has not
            doubt = "" if self._engine.dialect.name == "sqlite" else (
                " (if the connection was lost, the transaction may or may not have been "
                "committed)")
            raise SaveError(f"cannot commit to {self.display_url}{doubt}: "
                            f"{type(exc).__name__}: {self._scrub(str(exc))}") from exc
        self._placeholders.clear()
        self._drawn.clear()
        self._created.clear()
        self._highest_in_batch = None

    def _rollback(self) -> None:
        self._rolled_back = self._created
        self._created = set()
        self._placeholders.clear()
        self._drawn.clear()
        if self._prepared().reservation_rolls_back:
            # SQLite takes back a reservation made in the transaction: other stores may be
            # given those numbers now
            self._reserved = iter(())
        highest, self._highest_in_batch = self._highest_in_batch, None
        if self._cursor is not None:
            try:
                if highest is None:
                    self._cursor.execute("ROLLBACK")
                else:
                    self._roll_back_keeping_numbers(highest)
            except Exception:
                # a connection that cannot roll back is in no state to be used again
                self._drop_connection()

    def _roll_back_keeping_numbers(self, highest: int) -> None:
        """Roll a SQLite batch back, but not its ID numbers: they were handed out already.

        SQLite rolls its AUTOINCREMENT counter back with the transaction, so
        the batch rolls back to the savepoint taken at its start and then
        commits the counter at `highest`, all under the same write lock.
        """
        assert self._cursor is not None
        self._cursor.execute(f"ROLLBACK TO {_BATCH_SAVEPOINT}")
        self._add_sqlite_sequence_row(highest)
        self._cursor.execute("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?",
                             (highest, self.table_name))
        self._cursor.execute("COMMIT")

    @contextlib.contextmanager
    def _batch_scope(self) -> Iterator[None]:
        with self._transaction():
            if self._engine.dialect.name == "sqlite":
                self._execute_control(f"SAVEPOINT {_BATCH_SAVEPOINT}")
                self._highest_in_batch = 0
            yield

    # -- statements --------------------------------------------------------

    def _execute(self, statement: _Statement, values: Mapping[str, Any]) -> DBAPICursor:
        return self._run(statement.sql, statement.parameters(values))

    def _execute_control(self, sql: str) -> None:
        self._run(sql, None)

    def _run(self, sql: str, parameters: Sequence[Any] | Mapping[str, Any] | None) -> DBAPICursor:
        """Run `sql` on this process's cursor, connecting first if needed.

        Outside a transaction (a read, or the BEGIN of one), a connection the
        server dropped, by a restart say, is replaced once and `sql` run
        again; inside one, the server has rolled the transaction back, and
        the loss is reported.
        """
        cursor = self._cursor
        if cursor is not None:
            try:
                _run_on(cursor, sql, parameters)
                return cursor
            except Exception as exc:
                if not self._is_disconnect(exc, cursor):
                    raise
                self._drop_connection()
                if self._in_transaction:
                    raise StoreUnavailable(
                        f"lost the connection to {self.display_url} in the middle of a "
                        f"transaction, "
                        f"which was rolled back: {self._scrub(str(exc))}") from exc
        cursor = self._connect()
        _run_on(cursor, sql, parameters)
        return cursor

    def _is_disconnect(self, exc: Exception, cursor: DBAPICursor) -> bool:
        if not isinstance(exc, self._dbapi_error) or self._connection is None:
            return False
        return self._engine.dialect.is_disconnect(
            exc, self._connection.dbapi_connection, cursor)  # type: ignore[arg-type]

    def _write(self, statement: _Statement, values: Mapping[str, Any], id_: Id) -> int:
        """Run a statement that writes a record; return the number of rows it changed."""
        parameters = statement.parameters(values)
        self._check_packet(statement, parameters, values["v_data"], id_)
        try:
            cursor = self._run(statement.sql, parameters)
        except self._dbapi_error as exc:
            if _mysql_error_code(exc) == _MYSQL_PACKET_TOO_LARGE:
                raise self._packet_too_large(id_, len(values["v_data"])) from exc
            raise
        return int(cursor.rowcount)

    def _insert(self, statements: _Statements, values: Mapping[str, Any], id_: Id) -> bool:
        try:
            inserted = self._write(statements.insert, values, id_) == 1
        except self._dbapi_error as exc:
            if statements.insert_raises_on_duplicate and \
                    _mysql_error_code(exc) == _MYSQL_DUPLICATE_ENTRY:
                return False
            raise
        if id_.seqno in self._drawn:
            self._drawn.discard(id_.seqno)
        elif inserted and statements.advance_sequence is not None:
            # PostgreSQL's sequence does not move past an explicit ID by itself (SQLite's and
            # InnoDB's counters do): without this, later saves would be given that ID again
            self._execute(statements.advance_sequence,
                          {"p_id": id_.seqno, "p_serial_of": self._serial_of})
        return inserted

    def _list_statement(self, filters: Mapping[str, Any]) -> _Statement:
        key = tuple((name, value is None) for name, value in sorted(filters.items()))
        statement = self._list_statements.get(key)
        if statement is None:
            columns = self._table.c
            query = sa.select(columns.prefix, columns.id).where(columns.data.is_not(None))
            for index, (name, is_null) in enumerate(key):
                query = query.where(columns[name].is_(None) if is_null
                                    else columns[name] == sa.bindparam(f"f{index}"))
            statement = _Statement.compile(query.order_by(columns.id), self._engine.dialect)
            self._list_statements[key] = statement
        return statement

    def _row(self, id_: Id, data: bytes, obj: Any) -> dict[str, Any]:
        """The column values of the record of `obj`, keyed by bind name."""
        values = {"v_data": data, "v_state": _state(obj, id_)}
        for index, (column, accessor) in enumerate(self.extra_fields.items()):
            values[f"x{index}"] = _column_value(column.name, accessor, obj, id_)
        return values

    # -- connecting --------------------------------------------------------

    def _prepared(self) -> _Statements:
        if self._statements is None:
            self._connect()
        assert self._statements is not None
        return self._statements

    def _connect(self) -> DBAPICursor:
        """Open this process's connection, preparing the table the first time."""
        if self._in_transaction:
            raise StoreUnavailable(f"the connection to {self.display_url} was lost in the "
                                   f"middle of "
                                   f"a transaction, which was rolled back")
        if self._statements is None:
            self._prepare_table()
        try:
            connection = self._engine.raw_connection()
        except sa.exc.DBAPIError as exc:
            raise self._unreachable(exc) from exc
        cursor = connection.cursor()
        self._max_packet = _max_packet(self._engine.dialect, cursor)
        self._connection, self._cursor = connection, cursor
        return cursor

    def _drop_connection(self) -> None:
        connection, self._connection, self._cursor = self._connection, None, None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.invalidate()

    def _prepare_table(self) -> None:
        """Create the table if it is missing and allowed to be; check its columns; compile."""
        if self._engine.dialect.name == "sqlite":
            self._check_database_file(self._engine.url.database)
        try:
            connection = self._engine.connect()
        except sa.exc.DBAPIError as exc:
            raise self._unreachable(exc) from exc
        with connection:
            try:
                self._ensure_table(connection)
                present = {column["name"] for column in
                           sa.inspect(connection).get_columns(self.table_name)}
            except sa.exc.SQLAlchemyError as exc:
                raise StoreError(f"cannot prepare table {self.table_name!r} in {self.display_url}: "
                                 f"{self._scrub(str(getattr(exc, 'orig', exc)))}") from exc
        missing = [column.name for column in self._table.columns if column.name not in present]
        if missing:
            raise StoreError(f"table {self.table_name!r} in {self.display_url} lacks the column(s) "
                             f"{', '.join(map(repr, missing))}: it was not made by this "
                             f"SqlStore (GC3Pie's tables have no 'prefix'), or with other "
                             f"extra_fields; give another table_name")
        self._statements = _Statements.compile(self._table, self._extra_names,
                                               self._engine.dialect)

    def _check_database_file(self, database: str | None) -> None:
        """Make the directory of a new SQLite file, or refuse to make the file without `create`."""
        if not database or database.startswith("file:") or os.path.exists(database):
            return
        if not self.create:
            raise StoreError(f"there is no SQLite database {database!r} for {self.display_url}; "
                             f"SqlStore(..., create=True) would create it")
        os.makedirs(os.path.dirname(database), exist_ok=True)

    def _ensure_table(self, connection: sa.Connection) -> None:
        if _has_table(connection, self.table_name):
            return
        if not self.create:
            raise StoreError(f"there is no table {self.table_name!r} in {self.display_url}; "
                             f"SqlStore(..., create=True) would create it")
        try:
            self._table.create(connection)
        except sa.exc.DBAPIError:
            # another process may have created it in the meantime
            if not _has_table(connection, self.table_name):
                raise

    # -- errors ------------------------------------------------------------

    def _unreachable(self, exc: sa.exc.DBAPIError) -> StoreUnavailable:
        reason = self._scrub(str(exc.orig)).strip()
        if self._engine.dialect.name == "sqlite":
            return StoreUnavailable(f"cannot open the SQLite database of {self.display_url}: "
                                    f"{reason}")
        return StoreUnavailable(f"cannot connect to {self.display_url}: the database server is "
                                f"unreachable or refused the connection: {reason}")

    def _check_packet(self, statement: _Statement, parameters: Sequence[Any] | Mapping[str, Any],
                      data: bytes, id_: Id) -> None:
        """Refuse a record that MariaDB/MySQL would refuse, before sending any of it.

        The server drops the connection on a packet over its limit; the
        record's bytes may grow up to twice by escaping, so the exact size
        is measured only when that could matter.
        """
        limit = self._max_packet
        if limit is None or 2 * len(data) + _PACKET_MARGIN < limit:
            return
        size = len(data) + _PACKET_MARGIN
        mogrify = getattr(self._cursor, "mogrify", None)
        if mogrify is not None:
            size = len(mogrify(statement.sql, parameters).encode("utf-8", "surrogateescape"))
            size += _PACKET_MARGIN
        if size > limit:
            raise self._packet_too_large(id_, size)

    def _packet_too_large(self, id_: Id, size: int) -> SaveError:
        limit = self._max_packet
        wanted = min(MYSQL_MAX_PACKET_CEILING, 1 << (size + size // 10).bit_length())
        return SaveError(
            f"cannot save {str(id_)!r} in {self.display_url}: its record needs a packet of about "
            f"{size} bytes, over the server's max_allowed_packet of {limit} bytes; raise the "
            f"limit with SET GLOBAL max_allowed_packet={wanted} (or max_allowed_packet={wanted} "
            f"in the [mysqld] section of the server's configuration), then reopen the store")

    def _scrub(self, text: str) -> str:
        """`text` without the password of the URL, which drivers could echo."""
        return text.replace(self._password, "***") if self._password else text


# -- building a store ------------------------------------------------------


def pip_extra(backend: str) -> str:
    """The extra (``gc3store[postgresql]``, ``gc3store[mysql]``) installing `backend`'s driver."""
    try:
        return PIP_EXTRAS[backend][0]
    except KeyError:
        raise ValueError(f"no gc3store extra installs a driver for {backend!r}: the backends "
                         f"with one are {', '.join(sorted(PIP_EXTRAS))}") from None


def missing_driver_error(shown: str, backend: str, driver: str, reason: str) -> StoreError:
    """The error for a URL whose driver cannot be loaded, saying what to install."""
    if backend not in PIP_EXTRAS:
        return StoreError(f"cannot open {shown}: the {backend} driver {driver!r} cannot be "
                          f"loaded ({reason})")
    package = PIP_EXTRAS[backend][1]
    default = DEFAULT_DRIVERS[backend]
    advice = f"pip install gc3store[{pip_extra(backend)}]"
    if driver != default:
        advice += f" installs {package}, which '{backend}://' and '{backend}+{default}://' use"
    return StoreError(f"cannot open {shown}: the {backend} driver {driver!r} is not "
                      f"installed ({reason}); {advice}")


def _parse_url(base: str, url: str) -> URL:
    try:
        parsed = sa.make_url(base)
        # schemes are case-insensitive (RFC 3986), SQLAlchemy's dialect names are not
        parsed = parsed.set(drivername=parsed.drivername.lower())
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise StoreError(f"malformed database URL {hide_password(url)!r}: "
                         f"{exc}; a SqlStore URL looks like 'sqlite:////var/lib/app.db' or "
                         f"'postgresql://user:password@host/database'") from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise StoreError(f"SqlStore does not support {backend!r} databases "
                         f"({hide_password(url)!r}): it supports "
                         f"{', '.join(SUPPORTED_BACKENDS)}")
    return parsed


def _shown(parsed: URL, fragment: str) -> str:
    shown = parsed.render_as_string(hide_password=True)
    return f"{shown}#{fragment}" if fragment else shown


def _engine_url(parsed: URL, shown: str) -> URL:
    backend = parsed.get_backend_name()
    if "+" not in parsed.drivername and backend in DEFAULT_DRIVERS:
        parsed = parsed.set(drivername=f"{backend}+{DEFAULT_DRIVERS[backend]}")
    if backend != "sqlite" or parsed.query.get("uri"):
        return parsed
    if parsed.database in (None, "", ":memory:"):
        raise StoreError(f"{shown!r} names no database file, and a SqlStore keeps its records "
                         f"in one: give 'sqlite:////absolute/path.db' (or use 'memory://NAME')")
    # the path is resolved now: the first connection may come after a chdir()
    return parsed.set(database=os.path.abspath(parsed.database))


def _make_engine(url: URL, shown: str, durable: bool) -> Engine:
    backend = url.get_backend_name()
    connect_args: dict[str, Any] = {}
    if backend == "sqlite":
        connect_args["check_same_thread"] = False  # the store's lock serializes all use
    elif backend == "postgresql" and "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = SERVER_CONNECT_TIMEOUT_S
    elif url.get_driver_name() == "pymysql":
        connect_args["binary_prefix"] = True  # records are sent as _binary'...', not as text
    try:
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=True,
                                  connect_args=connect_args)
    except (sa.exc.NoSuchModuleError, ImportError) as exc:
        raise missing_driver_error(shown, backend, url.get_driver_name(), str(exc)) from None
    except (ValueError, TypeError, sa.exc.ArgumentError) as exc:
        # the dialect reads the URL's query options: a timeout that is no number, say
        raise StoreError(f"cannot open {shown}: {type(exc).__name__} in its options: "
                         f"{exc}") from exc
    if backend == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_setup(durable))
    return engine


def _sqlite_setup(durable: bool) -> Callable[[DBAPIConnection, ConnectionPoolEntry], None]:
    synchronous = "FULL" if durable else "NORMAL"

    def setup(connection: DBAPIConnection, record: ConnectionPoolEntry) -> None:
        cursor = connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        [(mode,)] = cursor.fetchall()
        if mode != "wal":
            _log.warning("SQLite keeps the database of a SqlStore in journal mode %r, not "
                         "'wal' (its file system may not allow WAL): readers will wait for "
                         "writers", mode)
        cursor.execute(f"PRAGMA synchronous = {synchronous}")
        cursor.close()
    return setup


def _has_table(connection: sa.Connection, name: str) -> bool:
    # not Inspector.has_table(): on MySQL it catches an exception whose traceback, caught in a
    # reference cycle, would keep the store alive (and connected) until the next collection
    return name in sa.inspect(connection).get_table_names()




def _max_packet(dialect: Dialect, cursor: DBAPICursor) -> int | None:
    if dialect.name not in ("mysql", "mariadb"):
        return None
    cursor.execute("SELECT @@max_allowed_packet")
    row = cursor.fetchone()
    return int(row[0]) if row else None


def _mysql_error_code(exc: Exception) -> int | None:
    code = exc.args[0] if exc.args else None
    return code if isinstance(code, int) else None


def _table_name(given: str | None, fragment: str, shown: str) -> str:
    if given is None:
        from_url = parse_qs(fragment, keep_blank_values=True).get("table")
        if from_url and not from_url[-1]:
            raise ValueError(f"the fragment #{fragment} of {shown!r} names an empty table: give "
                             f"#table=NAME, or no fragment for the table {DEFAULT_TABLE!r}")
        given = from_url[-1] if from_url else DEFAULT_TABLE
    if not isinstance(given, str) or not given:
        raise ValueError(f"a table name is a non-empty string, not {given!r}")
    return given


def _checked_extra_fields(extra_fields: ExtraFields | None) -> dict[sa.Column[Any], Accessor]:
    checked: dict[sa.Column[Any], Accessor] = {}
    if extra_fields is not None and not isinstance(extra_fields, Mapping):
        raise TypeError(f"extra_fields is a mapping {{sqlalchemy.Column: accessor}}, "
                        f"not {type(extra_fields).__name__} {extra_fields!r}")
    for column, accessor in (extra_fields or {}).items():
        if not isinstance(column, sa.Column):
            raise TypeError(f"the keys of extra_fields are sqlalchemy.Column objects, "
                            f"not {type(column).__name__} {column!r}")
        if not callable(accessor):
            raise TypeError(f"the accessor of extra field {column.name!r} must be callable, "
                            f"not {type(accessor).__name__} {accessor!r}")
        if column.name in _RESERVED_COLUMNS or column.name in {c.name for c in checked}:
            raise ValueError(f"extra field {column.name!r} clashes with another column: "
                             f"{', '.join(_RESERVED_COLUMNS)} are the store's own")
        if not column.nullable:
            raise ValueError(f"extra field {column.name!r} must be nullable: the store "
                             f"writes NULL when its accessor fails")
        checked[column] = accessor
    return checked


def _make_table(name: str, extra_fields: Mapping[sa.Column[Any], Accessor]) -> sa.Table:
    return sa.Table(
        name, sa.MetaData(),
        sa.Column("id", _ID_TYPE, primary_key=True, autoincrement=True),
        sa.Column("prefix", sa.String(200)),
        sa.Column("data", _RecordData()),
        sa.Column("state", sa.String(_STATE_LENGTH)),
        *(column._copy() for column in extra_fields),
        sqlite_autoincrement=True,  # AUTOINCREMENT: a removed highest number is never reused
        mysql_engine="InnoDB", mariadb_engine="InnoDB",
    )


def _row_key(id_: Id) -> dict[str, Any]:
    """The values that pick the record row of `id_` (its number and its prefix)."""
    return {"p_id": id_.seqno, "p_prefix": id_.prefix}


def _state(obj: Any, id_: Id) -> str | None:
    """GC3Pie's ``state`` column: ``obj.execution.state``, or None where there is none."""
    try:
        # getattr with a default: most objects have no `execution`, and raising costs
        state = getattr(getattr(obj, "execution", None), "state", None)
    except Exception as exc:
        _log.warning("storing NULL in column 'state' of %s: obj.execution.state raised %s: %s",
                     id_, type(exc).__name__, exc)
        return None
    if state is None:
        return None
    return str(state)[:_STATE_LENGTH]  # a longer state is no state GC3Pie knows


def _run_on(cursor: DBAPICursor, sql: str,
            parameters: Sequence[Any] | Mapping[str, Any] | None) -> None:
    if parameters is None:
        cursor.execute(sql)
    else:
        cursor.execute(sql, parameters)


def _column_value(name: str, accessor: Accessor, obj: Any, id_: Id) -> Any:
    try:
        return accessor(obj)
    except Exception as exc:
        # GC3Pie ignores such errors too: a column is an index, the record is what counts
        _log.warning("storing NULL in column %r of %s: its accessor %r raised %s: %s",
                     name, id_, accessor, type(exc).__name__, exc)
        return None
