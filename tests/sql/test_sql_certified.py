"""SqlStore passes every clause of the contract kit on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest

from gc3store.sql import SqlStore
from gc3store_testkit import StoreContract


class TestSqlStoreCertified(StoreContract):
    @pytest.fixture
    def store_factory(self, database: Any) -> Callable[[], SqlStore]:
        return functools.partial(SqlStore, database.url(database.new_table()))
