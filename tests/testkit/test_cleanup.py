"""The kit leaves a storage as it found it: two whole runs against one storage, then a look.

After them, ``list()`` holds exactly what it held before (the kit removed every record it
saved, those of the writers it killed included, on the storage and on the second storage it
opens beside it), and the file store's directory holds no temporary file of a killed writer.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from gc3store import make_store
from gc3store_testkit.targets import sibling_uri

if TYPE_CHECKING:
    from conftest import KitRun

KIT_OPTIONS = ("--store-timeout=10", "--store-examples=10")
RUNS = 2


@pytest.fixture(params=["file", "sqlite", "postgresql"])
def shared_uri(request: pytest.FixtureRequest, storage: Path,
               test_server_url: Callable[[str], str],
               test_server_engine: Callable[[str], sa.Engine]) -> Iterator[str]:
    """The URI of a storage that already holds objects of someone else's."""
    if request.param == "file":
        yield f"file://{storage}"
    elif request.param == "sqlite":
        yield f"sqlite:///{storage}.db"
    else:
        server = test_server_url("postgresql")
        table = f"kit_cleanup_{secrets.token_hex(6)}"
        yield f"{server}#table={table}"
        engine = test_server_engine(server)
        try:
            for name in (table, f"{table}_kit_other"):
                sa.Table(name, sa.MetaData()).drop(engine, checkfirst=True)
        finally:
            engine.dispose()


def test_two_kit_runs_leave_the_storage_as_they_found_it(
        shared_uri: str, run_kit: Callable[..., KitRun], storage: Path) -> None:
    store = make_store(shared_uri)
    for number in range(3):
        store.save({"someone else's": number})
    before = set(store.list())
    for _ in range(RUNS):
        run = run_kit(f"--store-uri={shared_uri}", *KIT_OPTIONS)
        assert run.verdict == "CERTIFIED", run.describe()
    assert set(make_store(shared_uri).list()) == before
    assert make_store(sibling_uri(shared_uri)).list() == []
    if shared_uri.startswith("file://"):
        left = sorted(entry.name for entry in storage.iterdir() if entry.name.startswith(".tmp"))
        assert left == [], "temporary files of killed writers"
