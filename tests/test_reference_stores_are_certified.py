"""The reference stores pass every clause of the contract kit (the fixture route of the kit)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gc3store import FilesystemStore, MemoryStore, make_store
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


class TestSqliteStore(StoreContract):
    @pytest.fixture(params=[True, False], ids=["durable", "not-durable"])
    def store_factory(self, request: pytest.FixtureRequest,
                      tmp_path_factory: pytest.TempPathFactory) -> Callable[[], Any]:
        path: Path = tmp_path_factory.mktemp("sqlite-store") / "store.db"
        return functools.partial(make_store, f"sqlite:///{path}", durable=request.param)
