"""gc3store: keep Python objects under unique IDs, as GC3Pie's ``gc3libs.persistence`` does.

The `Store` contract, with reference stores kept in memory (`MemoryStore`),
in a directory (`FilesystemStore`) and in a SQL database (`SqlStore`: SQLite,
PostgreSQL, MariaDB/MySQL); `make_store` builds one from a URL.  `SqlStore`
is imported, with SQLAlchemy, only when it is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gc3store.errors import LoadError, SaveError, StoreError, StoreUnavailable
from gc3store.filesystem import FilesystemStore
from gc3store.ids import Id, IdFactory, JobIdFactory
from gc3store.memory import MemoryStore
from gc3store.persistable import Persistable
from gc3store.registry import known_schemes, make_store, register
from gc3store.store import DEFAULT_PROTOCOL, RecordStore, Store

if TYPE_CHECKING:
    from gc3store.sql import SqlStore

__all__ = [
    "DEFAULT_PROTOCOL",
    "FilesystemStore",
    "Id",
    "IdFactory",
    "JobIdFactory",
    "LoadError",
    "MemoryStore",
    "Persistable",
    "RecordStore",
    "SaveError",
    "SqlStore",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "known_schemes",
    "make_store",
    "register",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name == "SqlStore":
        from gc3store.sql import SqlStore
        return SqlStore
    raise AttributeError(f"module 'gc3store' has no attribute {name!r}")
