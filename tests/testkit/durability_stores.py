"""Stores for test_durability.py, importable by the traced child process of the durability check.

Each is a `FilesystemStore` that changes one thing.  `NoDirectorySyncStore`
is also registered as ``durability-no-dir-sync:///path`` when this module
is imported, so that a run loading it as a plugin (``-p durability_stores``)
can certify it by URI, and a child process knows the scheme only if it
imports this module too.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

from gc3store import FilesystemStore, SaveError, register

NO_DIR_SYNC_SCHEME = "durability-no-dir-sync"


class NoDirectorySyncStore(FilesystemStore):
    """Durable but for its directory: it flushes each file it writes, never the directory."""

    offered_extensions = frozenset({"batch", "integrity", "changed_flag", "durability"})

    def _sync_directory(self) -> None:
        pass


class ReplaceRaisesStore(FilesystemStore):
    """Every replace fails."""

    def replace(self, id_: str, obj: Any) -> None:
        raise SaveError(f"ReplaceRaisesStore refuses to replace {id_!r} (a deliberate failure)")


class RemoveHangsStore(FilesystemStore):
    """Every remove waits for ever."""

    def remove(self, id_: str) -> None:
        threading.Event().wait()


def _open_no_dir_sync(url: str, *args: Any, **kwargs: Any) -> NoDirectorySyncStore:
    return NoDirectorySyncStore(urlsplit(url).path, *args, url=url, **kwargs)


register(NO_DIR_SYNC_SCHEME, _open_no_dir_sync)
