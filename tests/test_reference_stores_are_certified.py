"""The memory and file stores pass every clause of the contract kit (through `StoreContract`).

Each is required to pass every extension it should offer: those of gc3store's engine, and
durability where the store flushes to disk.  The SQL store is certified on each database in
``tests/sql/test_sql_certified.py``.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from gc3store import FilesystemStore, MemoryStore
from gc3store_testkit import StoreContract

ENGINE_EXTENSIONS = frozenset({"batch", "integrity", "changed_flag"})


class TestMemoryStore(StoreContract):
    @pytest.fixture
    def store_factory(self) -> Callable[[], Any]:
        return functools.partial(MemoryStore, f"memory://certified-{uuid.uuid4().hex}")

    @pytest.fixture
    def other_store_factory(self) -> Callable[[], Any]:
        return functools.partial(MemoryStore, f"memory://certified-{uuid.uuid4().hex}")

    @pytest.fixture
    def required_extensions(self) -> frozenset[str]:
        return ENGINE_EXTENSIONS


class TestFilesystemStore(StoreContract):
    @pytest.fixture(params=[True, False], ids=["durable", "not-durable"])
    def durable(self, request: pytest.FixtureRequest) -> bool:
        return bool(request.param)

    @pytest.fixture
    def store_factory(self, durable: bool,
                      tmp_path_factory: pytest.TempPathFactory) -> Callable[[], Any]:
        directory = tmp_path_factory.mktemp("filesystem-store")
        return functools.partial(FilesystemStore, directory, durable=durable)

    @pytest.fixture
    def other_store_factory(self, durable: bool,
                            tmp_path_factory: pytest.TempPathFactory) -> Callable[[], Any]:
        directory = tmp_path_factory.mktemp("other-filesystem-store")
        return functools.partial(FilesystemStore, directory, durable=durable)

    @pytest.fixture
    def required_extensions(self, durable: bool) -> frozenset[str]:
        return ENGINE_EXTENSIONS | {"durability"} if durable else ENGINE_EXTENSIONS
