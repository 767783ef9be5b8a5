"""A small Store backend kept in a `dbm.dumb` database, written for docs/certify.md.

Run the contract kit against it with::

    pytest -p dbm_store --store-uri=dbm:///tmp/example.dbm
"""

from __future__ import annotations

import dbm.dumb
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from gc3store import Id, RecordStore, register

SEQUENCE_KEY = b".next"


class DbmStore(RecordStore):
    """Keep records in a `dbm.dumb` database file: ``dbm:///path/to/file``."""

    # dbm.dumb files must not be written by two processes at once
    unsupported_capabilities = frozenset({"shared_between_processes"})

    def __init__(self, url: str, **kwargs: Any) -> None:
        super().__init__(url, **kwargs)
        self.path = url.removeprefix("dbm://")

    @contextmanager
    def _database(self) -> Iterator[Any]:
        with dbm.dumb.open(self.path, "c") as database:
            yield database

    def _next_seqno(self) -> int:
        with self._database() as database:
            seqno = int(database.get(SEQUENCE_KEY, b"1"))
            database[SEQUENCE_KEY] = str(seqno + 1).encode()
        return seqno

    def _read(self, id_: Id) -> bytes | None:
        with self._database() as database:
            return database.get(id_.encode())

    def _create(self, id_: Id, data: bytes, obj: Any) -> bool:
        with self._database() as database:
            if id_.encode() in database:
                return False
            database[id_.encode()] = data
        return True

    def _update(self, id_: Id, data: bytes, obj: Any) -> bool:
        with self._database() as database:
            if id_.encode() not in database:
                return False
            database[id_.encode()] = data
        return True

    def _delete(self, id_: Id) -> bool:
        with self._database() as database:
            if id_.encode() not in database:
                return False
            del database[id_.encode()]
        return True

    def _ids(self, **filters: Any) -> list[Id]:
        with self._database() as database:
            return [Id.parse(key.decode()) for key in database if key != SEQUENCE_KEY]


register("dbm", DbmStore)
