"""Clause 12: make_store() of a plain directory path (no ``scheme://``) raises."""

from __future__ import annotations

from typing import Any

import gc3store
from gc3store import LoadError, Persistable, Store, StoreError, register

__all__ = ["LoadError", "Persistable", "Store", "StoreError", "make_store", "register"]

CLAUSE = 12


def make_store(uri: Any, *args: Any, **kwargs: Any) -> Any:
    if "://" not in str(uri):
        raise StoreError(f"a store URI has the form 'scheme://...', not {uri!r}")
    return gc3store.make_store(uri, *args, **kwargs)
