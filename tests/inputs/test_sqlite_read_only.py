"""A SQLite store on a database file its user may not write: loads and listing work; saves,
replaces and removes raise a `StoreError` (`SaveError` for saves and replaces) that says the
database is read-only, and the file is left as it was.

The user is a child process that drops root's privileges (tests run as root, which file
permissions do not stop); the directory stays writable, so SQLite can make its ``-shm`` file.
A read-only directory is in ``test_sqlite_read_only_directory.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gc3store import make_store


@pytest.fixture
def read_only_database(reachable_dir: Path) -> tuple[str, str, Path]:
    """The URL of a database file nobody but root may write, the ID it holds, and the file."""
    database = reachable_dir / "store.db"
    url = f"sqlite:///{database}"
    store = make_store(url)
    id_ = store.save({"name": "readable"})
    store.close()  # type: ignore[attr-defined]
    database.chmod(0o444)
    reachable_dir.chmod(0o777)
    return url, id_, database


def test_a_read_only_database_file_loads_but_refuses_changes(
        read_only_database: tuple[str, str, Path], in_child: Callable[..., Any],
        unprivileged: Callable[[], str | None],
        without_write_permission: Callable[..., Any]) -> None:
    url, id_, database = read_only_database
    before = database.read_bytes()
    outcomes = in_child(without_write_permission, unprivileged, url, id_)
    if isinstance(outcomes, str):
        pytest.skip(outcomes)
    assert (outcomes["load"], outcomes["list"]) == ("readable", [id_])
    refusals = {name: (outcomes[name][0], "readonly database" in outcomes[name][1])
                for name in ("save", "replace", "remove")}
    assert refusals == {"save": ("SaveError", True), "replace": ("SaveError", True),
                        "remove": ("StoreError", True)}, outcomes
    assert database.read_bytes() == before
    assert make_store(url).load(id_)["name"] == "readable"
