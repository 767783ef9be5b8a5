"""Clause 12: make_store(uri, *args, **kwargs) passes on the positional arguments only."""

from __future__ import annotations

from typing import Any

import gc3store
from gc3store import LoadError, Persistable, Store, StoreError, register

__all__ = ["LoadError", "Persistable", "Store", "StoreError", "make_store", "register"]

CLAUSE = 12


def make_store(uri: Any, *args: Any, **kwargs: Any) -> Any:
    return gc3store.make_store(uri, *args)
