"""Clause 11 for the file store's ID counter: a ``.gc3store-sequence`` that is a symbolic link
to a file outside the store (planted by anyone who can write to a shared store directory) is
refused, never written through.  Otherwise a save by whoever uses the store overwrites the
start of any file that user may write, if it is empty or holds a number."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from gc3store import FilesystemStore, StoreError
from gc3store.filesystem import SEQUENCE_FILE


@pytest.mark.parametrize("contents", [b"", b"4242\n"], ids=["empty", "a number, as a PID file"])
def test_a_counter_linked_outside_the_store_is_never_written_through(
        tmp_path: Path, contents: bytes) -> None:
    outside = tmp_path / "outside"
    outside.write_bytes(contents)
    directory = tmp_path / "store"
    FilesystemStore(directory).save({"name": "first"})
    (directory / SEQUENCE_FILE).unlink()
    (directory / SEQUENCE_FILE).symlink_to(outside)
    with contextlib.suppress(StoreError):  # refusing the link is one way to keep the promise
        FilesystemStore(directory).save({"name": "second"})
    assert outside.read_bytes() == contents
