"""Clause 12: registering a scheme again works, but warns (the contract wants it silent)."""

from __future__ import annotations

import warnings
from typing import Any

import gc3store
from gc3store import LoadError, Persistable, Store, StoreError, make_store

__all__ = ["LoadError", "Persistable", "Store", "StoreError", "make_store", "register"]

CLAUSE = 12
_registered: set[str] = set()


def register(scheme: str, constructor: Any) -> None:
    if scheme in _registered:
        warnings.warn(f"the store URL scheme {scheme!r} is registered again", stacklevel=2)
    gc3store.register(scheme, constructor)
    _registered.add(scheme)
