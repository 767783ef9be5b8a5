"""The memory and file stores pass every clause of the contract kit (through `StoreContract`).

The SQL store is certified on each database in ``tests/sql/test_sql_certified.py``.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from gc3store import FilesystemStore, MemoryStore
from gc3store_testkit import StoreContract


class TestMemoryStore(StoreContract):
    @pytest.fixture
    def store_factory(self) -> Callable[[], Any]:
        return functools.partial(MemoryStore, f"memory://certified-{uuid.uuid4().hex}")


class TestFilesystemStore(StoreContract):
    @pytest.fixture(params=[True, False], ids=["durable", "not-durable"])
    def store_factory(self, request: pytest.FixtureRequest,
                      tmp_path_factory: pytest.TempPathFactory) -> Callable[[], Any]:
        directory = tmp_path_factory.mktemp("filesystem-store")
        return functools.partial(FilesystemStore, directory, durable=request.param)

