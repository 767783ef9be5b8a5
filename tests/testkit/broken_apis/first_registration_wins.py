"""Clause 12: registering a scheme again is ignored, so the first registration wins."""

from __future__ import annotations

from typing import Any

import gc3store
from gc3store import LoadError, Persistable, Store, StoreError, make_store

__all__ = ["LoadError", "Persistable", "Store", "StoreError", "make_store", "register"]

CLAUSE = 12
_registered: set[str] = set()


def register(scheme: str, constructor: Any) -> None:
    if scheme in _registered:
        return
    gc3store.register(scheme, constructor)
    _registered.add(scheme)
