"""SqlStore passes every clause of the contract kit on SQLite, PostgreSQL and MariaDB.

Each offers, and is required to pass, the extensions of gc3store's engine; durable SQLite
offers durability too (a server flushes in its own process, where the kit cannot watch it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest

from gc3store.sql import SqlStore
from gc3store_testkit import StoreContract

ENGINE_EXTENSIONS = frozenset({"batch", "integrity", "changed_flag"})


class TestSqlStoreCertified(StoreContract):
    @pytest.fixture
    def store_factory(self, database: Any) -> Callable[[], SqlStore]:
        return functools.partial(SqlStore, database.url(database.new_table()))

    @pytest.fixture
    def other_store_factory(self, database: Any) -> Callable[[], SqlStore]:
        return functools.partial(SqlStore, database.url(database.new_table()))

    @pytest.fixture
    def required_extensions(self, database: Any) -> frozenset[str]:
        if database.backend == "sqlite":
            return ENGINE_EXTENSIONS | {"durability"}
        return ENGINE_EXTENSIONS
