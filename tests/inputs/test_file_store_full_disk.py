"""Clause 10 for the file store on a disk that is full for real (``tests/core/test_filesystem.py``
provokes ``ENOSPC`` with a mock at each system call; here the kernel refuses the writes): a save,
a re-save and a replace raise `SaveError` caused by ``ENOSPC``, the directory is left exactly as
it was (no temporary file), the object keeps the ID and flags it had, and the store goes on
working once there is room again."""

from __future__ import annotations

import errno
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gc3store import FilesystemStore, Persistable, SaveError
from gc3store.filesystem import SEQUENCE_FILE


class Task(Persistable):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


def contents(directory: Path) -> dict[str, bytes]:
    """Every file of the store directory but the ID counter, with its bytes."""
    return {entry.name: entry.read_bytes() for entry in directory.iterdir()
            if entry.name != SEQUENCE_FILE}


def test_a_full_disk_leaves_the_directory_as_it_was(
        small_disk: Any, in_child: Callable[..., Any]) -> None:
    def write_to_a_full_disk() -> dict[str, Any] | str:
        with small_disk.mounted() as refused:
            if refused is not None:
                return str(refused)
            directory = small_disk.path / "store"
            store = FilesystemStore(directory)
            task = Task("v1")
            id_ = store.save(task)
            before = contents(directory)
            small_disk.fill()
            task.name, task.changed = "v2", True
            new = Task("new")
            outcomes: dict[str, Any] = {}
            writes: list[tuple[str, Callable[[], object]]] = [
                ("save", lambda: store.save(new)), ("resave", lambda: store.save(task)),
                ("replace", lambda: store.replace(id_, Task("replaced")))]
            for name, write in writes:
                try:
                    write()
                    outcomes[name] = "stored"
                except SaveError as exc:
                    outcomes[name] = getattr(exc.__cause__, "errno", None)
            outcomes["unchanged"] = contents(directory) == before
            outcomes["object"] = (task.persistent_id == id_, task.changed,
                                  hasattr(new, "persistent_id"))
            small_disk.free()
            outcomes["fresh"] = FilesystemStore(directory).load(id_).name
            outcomes["afterwards"] = FilesystemStore(directory).load(store.save(new)).name
            return outcomes

    outcomes = in_child(write_to_a_full_disk)
    if isinstance(outcomes, str):
        pytest.skip(outcomes)
    assert outcomes == {"save": errno.ENOSPC, "resave": errno.ENOSPC, "replace": errno.ENOSPC,
                        "unchanged": True, "object": (True, True, False), "fresh": "v1",
                        "afterwards": "new"}
