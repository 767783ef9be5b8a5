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

from gc3store import StoreError, make_store


def use_without_write_permission(drop_root: Callable[[], str | None], url: str,
                                 id_: str) -> dict[str, Any] | str:
    """In a child: as a user who may not write the database, use every operation; how each went."""
    refused = drop_root()
    if refused is not None:
        return refused
    store = make_store(url)
    outcomes: dict[str, Any] = {}
    for name, operation in [("load", lambda: store.load(id_)["name"]), ("list", store.list),
                            ("save", lambda: store.save({"name": "new"})),
                            ("replace", lambda: store.replace(id_, {"name": "replaced"})),
                            ("remove", lambda: store.remove(id_))]:
        try:
            outcomes[name] = operation()
        except StoreError as exc:
            outcomes[name] = (type(exc).__name__, "readonly database" in str(exc), str(exc))
    return outcomes


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
        unprivileged: Callable[[], str | None]) -> None:
    url, id_, database = read_only_database
    before = database.read_bytes()
    outcomes = in_child(use_without_write_permission, unprivileged, url, id_)
    if isinstance(outcomes, str):
        pytest.skip(outcomes)
    assert (outcomes["load"], outcomes["list"]) == ("readable", [id_])
    assert {name: outcomes[name][:2] for name in ("save", "replace", "remove")} == {
        "save": ("SaveError", True), "replace": ("SaveError", True),
        "remove": ("StoreError", True)}, outcomes
    assert database.read_bytes() == before
    assert make_store(url).load(id_)["name"] == "readable"
