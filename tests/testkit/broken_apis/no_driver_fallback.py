"""Clause 12: a ``scheme+driver`` URL with no binding of its own is refused (no fallback).

The fallback is what lets ``postgresql+psycopg://`` open a ``postgresql`` store.
"""

from __future__ import annotations

from typing import Any

import gc3store
from gc3store import LoadError, Persistable, Store, StoreError

__all__ = ["LoadError", "Persistable", "Store", "StoreError", "make_store", "register"]

CLAUSE = 12
_registered: set[str] = set()


def register(scheme: str, constructor: Any) -> None:
    gc3store.register(scheme, constructor)
    _registered.add(scheme.lower())


def make_store(uri: Any, *args: Any, **kwargs: Any) -> Any:
    scheme = str(uri).partition("://")[0].lower()
    if "+" in scheme and scheme not in _registered:
        raise StoreError(f"unknown store URL scheme {scheme!r}")
    return gc3store.make_store(uri, *args, **kwargs)
