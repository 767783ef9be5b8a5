"""Raw baselines: the least code that does a store's work, with the same durability.

Each pickles with the protocol gc3store uses and keeps the bytes the simplest way its medium
allows: a dict; a file per object written to a temporary file and renamed into place (with
``fsync`` of the file and the directory when durable); a ``sqlite3`` table in WAL mode with
a commit per write; a table on a database server written with ``BEGIN``, the statement and
``COMMIT`` on one held connection, read with one ``SELECT``.  None of them checks anything a
store must check (that a replaced record exists, that a record is intact).
"""

from __future__ import annotations

import itertools
import os
import pickle
import sqlite3
from collections.abc import Hashable, Iterable, Iterator
from pathlib import Path
from typing import Any

from benchmarks import servers
from benchmarks.subjects import Handle, Site
from gc3store import DEFAULT_PROTOCOL

PROTOCOL = DEFAULT_PROTOCOL


class _Nothing:
    def invalidate_cache(self) -> None:
        """A raw baseline caches nothing."""


class PickledDict(_Nothing):
    """``pickle.dumps`` into a dict, ``pickle.loads`` out of it."""

    def __init__(self, records: dict[int, bytes], numbers: Iterator[int]) -> None:
        self._records = records
        self._numbers = numbers

    def save(self, obj: Any) -> int:
        key = next(self._numbers)
        self._records[key] = pickle.dumps(obj, PROTOCOL)
        return key

    def load(self, key: int) -> Any:
        return pickle.loads(self._records[key])

    def replace(self, key: int, obj: Any) -> None:
        self._records[key] = pickle.dumps(obj, PROTOCOL)

    def remove(self, key: int) -> None:
        del self._records[key]

    def list(self) -> list[int]:
        return list(self._records)


class PickledDictSite(Site):
    def __init__(self) -> None:
        self.name = "raw dict"
        self.records: dict[int, bytes] = {}
        self.numbers = itertools.count(1)

    def fill(self, objects: Iterable[object]) -> list[Hashable]:
        handle = self.open(durable=False)
        return [handle.save(obj) for obj in objects]

    def open(self, durable: bool) -> Handle:
        return PickledDict(self.records, self.numbers)


class PickleFiles(_Nothing):
    """A file per object: temporary file, ``fsync``, rename, ``fsync`` of the directory."""

    def __init__(self, directory: Path, numbers: Iterator[int], durable: bool) -> None:
        self._directory = str(directory)
        self._numbers = numbers
        self._durable = durable

    def save(self, obj: Any) -> str:
        name = str(next(self._numbers))
        self._write(name, pickle.dumps(obj, PROTOCOL))
        return name

    def load(self, name: str) -> Any:
        with open(os.path.join(self._directory, name), "rb") as stream:
            return pickle.loads(stream.read())

    def replace(self, name: str, obj: Any) -> None:
        self._write(name, pickle.dumps(obj, PROTOCOL))

    def remove(self, name: str) -> None:
        os.unlink(os.path.join(self._directory, name))
        self._sync_directory()

    def list(self) -> list[str]:
        return [name for name in os.listdir(self._directory) if not name.startswith(".")]

    def _write(self, name: str, data: bytes) -> None:
        temporary = os.path.join(self._directory, f".tmp-{name}")
        with open(temporary, "wb") as stream:
            stream.write(data)
            if self._durable:
                stream.flush()
                os.fsync(stream.fileno())
        os.rename(temporary, os.path.join(self._directory, name))
        self._sync_directory()

    def _sync_directory(self) -> None:
        if self._durable:
            fd = os.open(self._directory, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


class PickleFilesSite(Site):
    def __init__(self, directory: Path) -> None:
        self.name = "raw files"
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.numbers = itertools.count(1)

    def fill(self, objects: Iterable[object]) -> list[Hashable]:
        handle = self.open(durable=False)
        return [handle.save(obj) for obj in objects]

    def open(self, durable: bool) -> Handle:
        return PickleFiles(self.directory, self.numbers, durable)


class PickleSqlite(_Nothing):
    """Python's ``sqlite3``: WAL, ``synchronous`` FULL or NORMAL, a commit per write."""

    def __init__(self, path: Path, durable: bool) -> None:
        self.connection = sqlite3.connect(path)
        self.connection.execute("PRAGMA journal_mode = WAL")
        self.connection.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")

    def save(self, obj: Any) -> int:
        cursor = self.connection.execute("INSERT INTO records (data) VALUES (?)",
                                         (pickle.dumps(obj, PROTOCOL),))
        self.connection.commit()
        return cursor.lastrowid  # type: ignore[return-value]

    def load(self, key: int) -> Any:
        row = self.connection.execute("SELECT data FROM records WHERE id = ?", (key,)).fetchone()
        return pickle.loads(row[0])

    def replace(self, key: int, obj: Any) -> None:
        self.connection.execute("UPDATE records SET data = ? WHERE id = ?",
                                (pickle.dumps(obj, PROTOCOL), key))
        self.connection.commit()

    def remove(self, key: int) -> None:
        self.connection.execute("DELETE FROM records WHERE id = ?", (key,))
        self.connection.commit()

    def list(self) -> list[int]:
        return [row[0] for row in self.connection.execute("SELECT id FROM records")]


class PickleSqliteSite(Site):
    def __init__(self, path: Path) -> None:
        self.name = "raw sqlite3"
        self.path = path
        with sqlite3.connect(path) as connection:
            connection.execute("CREATE TABLE records (id INTEGER PRIMARY KEY, data BLOB)")
        connection.close()

    def fill(self, objects: Iterable[object]) -> list[Hashable]:
        handle = PickleSqlite(self.path, durable=False)
        connection = handle.connection
        with connection:
            keys: list[Hashable] = [
                connection.execute("INSERT INTO records (data) VALUES (?)",
                                   (pickle.dumps(obj, PROTOCOL),)).lastrowid
                for obj in objects]
        self.release(handle)
        return keys

    def open(self, durable: bool) -> Handle:
        return PickleSqlite(self.path, durable)

    def release(self, handle: Any) -> None:
        handle.connection.close()


class PickleServerTable(_Nothing):
    """A DB-API driver on one held connection: BEGIN, INSERT or UPDATE or DELETE, COMMIT."""

    def __init__(self, connection: Any, table: str, returning: bool) -> None:
        self.connection = connection
        self._cursor = connection.cursor()
        self._insert = f"INSERT INTO {table} (data) VALUES (%s)" + (
            " RETURNING id" if returning else "")
        self._returning = returning
        self._select = f"SELECT data FROM {table} WHERE id = %s"
        self._update = f"UPDATE {table} SET data = %s WHERE id = %s"
        self._delete = f"DELETE FROM {table} WHERE id = %s"
        self._list = f"SELECT id FROM {table}"

    def save(self, obj: Any) -> int:
        data = pickle.dumps(obj, PROTOCOL)
        cursor = self._cursor
        cursor.execute("BEGIN")
        cursor.execute(self._insert, (data,))
        key = cursor.fetchone()[0] if self._returning else cursor.lastrowid
        cursor.execute("COMMIT")
        return int(key)

    def load(self, key: int) -> Any:
        self._cursor.execute(self._select, (key,))
        return pickle.loads(self._cursor.fetchone()[0])

    def replace(self, key: int, obj: Any) -> None:
        data = pickle.dumps(obj, PROTOCOL)
        self._cursor.execute("BEGIN")
        self._cursor.execute(self._update, (data, key))
        self._cursor.execute("COMMIT")

    def remove(self, key: int) -> None:
        self._cursor.execute("BEGIN")
        self._cursor.execute(self._delete, (key,))
        self._cursor.execute("COMMIT")

    def list(self) -> list[int]:
        self._cursor.execute(self._list)
        return [row[0] for row in self._cursor.fetchall()]


_SERVER_TABLES = {
    "postgresql": "CREATE TABLE {table} (id BIGSERIAL PRIMARY KEY, data BYTEA)",
    "mariadb": "CREATE TABLE {table} (id BIGINT AUTO_INCREMENT PRIMARY KEY, data LONGBLOB) "
               "ENGINE=InnoDB",
}


class PickleServerTableSite(Site):
    def __init__(self, server: str, url: str) -> None:
        self.name = f"raw {server}"
        self.server = server
        self.url = url
        self.table = servers.scratch_table()
        connection = servers.CONNECT[server](url)
        try:
            connection.cursor().execute(_SERVER_TABLES[server].format(table=self.table))
        finally:
            connection.close()

    def fill(self, objects: Iterable[object]) -> list[Hashable]:
        connection = servers.CONNECT[self.server](self.url)
        try:
            cursor = connection.cursor()
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {self.table}")
            highest = cursor.fetchone()[0]
            cursor.execute("BEGIN")
            cursor.executemany(f"INSERT INTO {self.table} (data) VALUES (%s)",
                               [(pickle.dumps(obj, PROTOCOL),) for obj in objects])
            cursor.execute("COMMIT")
            cursor.execute(f"SELECT id FROM {self.table} WHERE id > %s ORDER BY id", (highest,))
            return [int(row[0]) for row in cursor.fetchall()]
        finally:
            connection.close()

    def open(self, durable: bool) -> Handle:
        return PickleServerTable(servers.CONNECT[self.server](self.url), self.table,
                                 returning=self.server == "postgresql")

    def release(self, handle: Any) -> None:
        handle.connection.close()

    def destroy(self) -> None:
        servers.drop_table(self.server, self.url, self.table)
