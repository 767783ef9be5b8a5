"""A SQLite store in a directory its user may not write (a database shared read-only, say):
saves, replaces and removes raise a `StoreError` that says the database is read-only, and
nothing in the directory changes.

SQLite keeps a WAL-mode database's index in a ``-shm`` file beside it, which a reader must be
able to create unless another process holds the database open already: beside an open writer,
loads and listing work; alone, they raise `StoreUnavailable` saying the database is read-only
(the limit ``docs/stores.md`` states).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gc3store import make_store


@pytest.mark.parametrize("writer_open", [False, True], ids=["alone", "beside an open writer"])
def test_a_database_in_a_read_only_directory_loads_but_refuses_changes(
        reachable_dir: Path, in_child: Callable[..., Any],
        unprivileged: Callable[[], str | None],
        without_write_permission: Callable[..., Any], writer_open: bool) -> None:
    database = reachable_dir / "store.db"
    url = f"sqlite:///{database}"
    writer = make_store(url)
    id_ = writer.save({"name": "readable"})
    if not writer_open:
        writer.close()  # type: ignore[attr-defined]
    before = {entry.name: entry.read_bytes() for entry in reachable_dir.iterdir()
              if entry.name == "store.db"}
    reachable_dir.chmod(0o555)
    outcomes = in_child(without_write_permission, unprivileged, url, id_)
    if isinstance(outcomes, str):
        pytest.skip(outcomes)
    if writer_open:
        assert (outcomes["load"], outcomes["list"]) == ("readable", [id_]), outcomes
    else:
        assert all(isinstance(outcomes[name], tuple) and outcomes[name][0] == "StoreUnavailable"
                   and "readonly database" in outcomes[name][1]
                   for name in ("load", "list")), outcomes
    assert all(isinstance(outcomes[name], tuple) and "readonly database" in outcomes[name][1]
               for name in ("save", "replace", "remove")), outcomes
    reachable_dir.chmod(0o755)
    if not writer_open:
        assert {name: (reachable_dir / name).read_bytes() for name in before} == before
    assert set(os.listdir(reachable_dir)) <= {"store.db", "store.db-wal", "store.db-shm"}
    writer.close()  # type: ignore[attr-defined]
