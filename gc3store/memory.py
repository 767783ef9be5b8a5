"""`MemoryStore`: records kept in this process's memory, shared by name."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable
from typing import Any, ClassVar

from gc3store.ids import Id, IdFactory
from gc3store.store import DEFAULT_PROTOCOL, RecordStore, checked_flag

SCHEME = "memory://"


class _Space:
    """The records of one store name."""

    def __init__(self) -> None:
        self.records: dict[Id, bytes] = {}
        self.sequence = itertools.count(1)
        self.lock = threading.Lock()


_spaces: dict[str, _Space] = {}
_spaces_lock = threading.Lock()


def _space(name: str) -> _Space:
    with _spaces_lock:
        return _spaces.setdefault(name, _Space())


class MemoryStore(RecordStore):
    """Keep records in memory: ``memory://NAME``.

    Every instance opened on the same NAME in one process sees the same
    records; nothing is shared with other processes, and nothing outlives
    the process.  Objects are pickled on save exactly as by the other stores,
    so a later change to a saved object does not change what is stored.
    The other gc3pie constructor keywords (`table_name`, `create`,
    `extra_fields`, `directory`, `durable`) are accepted and ignored (but
    `create` and `durable` must still be True or False).
    """

    unsupported_capabilities: ClassVar[frozenset[str]] = frozenset({"shared_between_processes"})

    def __init__(self, url: str = SCHEME, idfactory: IdFactory | None = None,
                 protocol: int = DEFAULT_PROTOCOL, *, durable: bool = True, create: bool = True,
                 table_name: str | None = None, extra_fields: dict[Any, Any] | None = None,
                 directory: str | None = None, secret: str | bytes | None = None) -> None:
        if not isinstance(url, str) or url[:len(SCHEME)].lower() != SCHEME:
            raise ValueError(f"a MemoryStore URL has the form 'memory://NAME', not {url!r}")
        super().__init__(url, idfactory=idfactory, protocol=protocol, secret=secret)
        checked_flag("durable", durable)
        checked_flag("create", create)
        self.name = url[len(SCHEME):]
        self._space = _space(self.name)

    def _next_seqno(self) -> int:
        return next(self._space.sequence)

    def _read(self, id_: Id) -> bytes | None:
        return self._space.records.get(id_)

    def _exists(self, id_: Id) -> bool:
        return id_ in self._space.records

    def _create(self, id_: Id, data: bytes, obj: Any) -> bool:
        return self._space.records.setdefault(id_, data) is data

    def _update(self, id_: Id, data: bytes, obj: Any) -> bool:
        space = self._space
        with space.lock:
            if id_ not in space.records:
                return False
            space.records[id_] = data
            return True

    def _delete(self, id_: Id) -> bool:
        with self._space.lock:
            return self._space.records.pop(id_, None) is not None

    def _ids(self, **filters: Any) -> Iterable[Id]:
        return list(self._space.records)
