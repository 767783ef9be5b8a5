"""Fixtures of the fault tests: each storage under test.

`storage` is a durable file store, a durable SQLite database, and tables of their own on the
PostgreSQL and MariaDB test servers (named at random, dropped afterwards); a test parametrizes it
indirectly to the kinds it runs on.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fault_harness import STORAGES, Storage


@pytest.fixture(params=STORAGES)
def storage(request: pytest.FixtureRequest, tmp_path: Path,
            test_server_url: Callable[[str], str],
            test_server_engine: Callable[[str], sa.Engine]) -> Iterator[Storage]:
    """Each storage kind in turn, empty; server tables are dropped afterwards."""
    kind = str(request.param)
    if kind == "file":
        directory = tmp_path / "store"
        yield Storage(kind, directory.as_uri(), directory=directory)
        return
    table = f"t_{secrets.token_hex(8)}"
    base = f"sqlite:///{tmp_path}/store.db" if kind == "sqlite" else test_server_url(kind)
    engine = test_server_engine(base)
    try:
        yield Storage(kind, f"{base}#table={table}", engine=engine, table=table)
    finally:
        try:
            sa.Table(table, sa.MetaData()).drop(engine, checkfirst=True)
        finally:
            engine.dispose()
