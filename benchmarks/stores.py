"""Sites for gc3store's own stores: memory, a directory, SQLite, PostgreSQL, MariaDB.

They are filled through the stores themselves, non-durable and a few thousand saves to a
`batch` (one transaction, one flush), and opened with the durability under test.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import Any

from benchmarks import servers
from benchmarks.subjects import Handle, Site
from gc3store import FilesystemStore, MemoryStore, RecordStore
from gc3store.sql import SqlStore

FILL_BATCH = 2_000


def _fill(store: RecordStore, objects: Iterable[object]) -> list[Hashable]:
    keys: list[Hashable] = []
    iterator = iter(objects)
    while chunk := list(itertools.islice(iterator, FILL_BATCH)):
        with store.batch():
            keys.extend(store.save(obj) for obj in chunk)
    return keys


class MemoryStoreSite(Site):
    def __init__(self) -> None:
        self.name = "memory store"
        self.url = f"memory://gc3store-bench-{secrets.token_hex(4)}"

    def fill(self, objects: Iterable[object]) -> list[Hashable]:
        return _fill(MemoryStore(self.url), objects)

    def open(self, durable: bool) -> Handle:
        return MemoryStore(self.url, durable=durable)


class FileStoreSite(Site):
    def __init__(self, directory: Path) -> None:
        self.name = "file store"
        self.directory = directory

    def fill(self, objects: Iterable[object]) -> list[Hashable]:
        return _fill(FilesystemStore(self.directory, durable=False), objects)

    def open(self, durable: bool) -> Handle:
        return FilesystemStore(self.directory, durable=durable)


class SqlStoreSite(Site):
    """A table of a `SqlStore`: in a SQLite file, or on a server (where it is dropped after)."""

    def __init__(self, name: str, url: str, server: str | None = None,
                 table: str | None = None) -> None:
        self.name = name
        self.url = url
        self.server = server
        self.table = table

    @classmethod
    def sqlite(cls, path: Path) -> SqlStoreSite:
        return cls("sqlite store", f"sqlite:///{path}")

    @classmethod
    def on_server(cls, server: str, url: str) -> SqlStoreSite:
        table = servers.scratch_table()
        return cls(f"{server} store", f"{url}#table={table}", server, table)

    def fill(self, objects: Iterable[object]) -> list[Hashable]:
        store = SqlStore(self.url, durable=False)
        try:
            return _fill(store, objects)
        finally:
            store.close()

    def open(self, durable: bool) -> Handle:
        return SqlStore(self.url, durable=durable)

    def release(self, handle: Any) -> None:
        handle.close()

    def destroy(self) -> None:
        if self.server is not None and self.table is not None:
            servers.drop_table(self.server, self.url.partition("#")[0], self.table)
