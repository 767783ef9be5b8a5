"""Fixtures of the core tests: the stores under test, a path to their storage that bypasses the
store, and a registry restored after every test (forked child processes come from the root
conftest).

Helpers reach the tests as fixtures, never by ``import conftest``: the suite has several
conftest modules, and whichever was imported last owns that name.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from gc3store import FilesystemStore, MemoryStore, RecordStore, registry
from gc3store.filesystem import SEQUENCE_FILE
from gc3store.memory import _space


@dataclass
class Backend:
    """One storage under test: opens new store instances on it, and reads and writes its
    records without going through a store (the independent path persistence is checked by)."""

    open: Callable[..., RecordStore]
    read_raw: Callable[[str], bytes | None]
    write_raw: Callable[[str, bytes], None]
    raw_ids: Callable[[], set[str]]


def memory_backend() -> Backend:
    url = f"memory://core-{uuid.uuid4().hex}"
    records = _space(url[len("memory://"):]).records
    return Backend(
        open=lambda **kwargs: MemoryStore(url, **kwargs),
        read_raw=lambda id_: records.get(id_),  # type: ignore[call-overload]
        write_raw=lambda id_, data: records.__setitem__(id_, data),  # type: ignore[index]
        raw_ids=lambda: set(records))


def file_backend(directory: Path) -> Backend:
    def read_raw(id_: str) -> bytes | None:
        path = directory / id_
        return path.read_bytes() if path.exists() else None

    return Backend(
        open=lambda **kwargs: FilesystemStore(directory, **kwargs),
        read_raw=read_raw,
        write_raw=lambda id_, data: (directory / id_).write_bytes(data) and None,
        raw_ids=lambda: {name for name in os.listdir(directory)
                         if name != SEQUENCE_FILE and not name.startswith(".tmp-")})


@pytest.fixture(params=["memory", "file"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """Each reference store in turn, on a storage of its own."""
    if request.param == "memory":
        return memory_backend()
    directory = tmp_path / "store"
    directory.mkdir()
    return file_backend(directory)


@pytest.fixture
def store(backend: Backend) -> RecordStore:
    """A store instance on `backend`'s storage."""
    return backend.open()


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    """An empty directory for a `FilesystemStore`."""
    directory = tmp_path / "store"
    directory.mkdir()
    return directory


@pytest.fixture(autouse=True)
def _registry_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts from the registry as it was, and leaves it so."""
    monkeypatch.setattr(registry, "_registered", dict(registry._registered))
    monkeypatch.setattr(registry, "_published", registry._published)
