"""Clause 11 with symbolic links planted in a file store's directory, pointing at files outside
it: replacing or removing the record a link stands for changes the link, never the file it
points at, and no save writes through one.  (A load reads through it, as through any record
file; what it finds there must pass as a record, or it is refused with `LoadError`.)"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gc3store import FilesystemStore, LoadError, SaveError

OUTSIDE = b"a file of someone else's, outside the store"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    path = tmp_path / "outside"
    path.write_bytes(OUTSIDE)
    return path


def test_a_record_linked_outside_is_replaced_and_removed_as_a_link(
        tmp_path: Path, outside: Path) -> None:
    store = FilesystemStore(tmp_path / "store")
    id_ = store.save({"name": "live"})
    link = tmp_path / "store" / "Linked.1"
    link.symlink_to(outside)
    with pytest.raises(LoadError, match=r"Linked\.1"):
        store.load("Linked.1")
    store.replace("Linked.1", {"name": "replaced"})
    assert not link.is_symlink()
    assert FilesystemStore(tmp_path / "store").load("Linked.1") == {"name": "replaced"}
    link.unlink()
    link.symlink_to(outside)
    store.remove("Linked.1")
    assert not os.path.lexists(link)
    assert outside.read_bytes() == OUTSIDE
    assert FilesystemStore(tmp_path / "store").load(id_) == {"name": "live"}


def test_a_save_never_writes_through_a_link_named_after_its_new_id(
        tmp_path: Path, outside: Path) -> None:
    store = FilesystemStore(tmp_path / "store")
    store.save({"name": "first"})
    (tmp_path / "store" / "dict.2").symlink_to(outside)
    with pytest.raises(SaveError, match="already taken"):
        store.save({"name": "second"})
    assert outside.read_bytes() == OUTSIDE
    assert (tmp_path / "store" / "dict.2").is_symlink()
