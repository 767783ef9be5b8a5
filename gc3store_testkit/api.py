"""The implementation under test: the module providing make_store, register, Persistable, LoadError.

``--store-api=MODULE`` names it (default ``gc3store``).  The name travels to
child processes in the environment variable `API_ENVIRONMENT_VARIABLE`, so a
spawned child loads the same implementation as its parent.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from typing import Any

API_ENVIRONMENT_VARIABLE = "GC3STORE_TESTKIT_API"
DEFAULT_API = "gc3store"
REQUIRED_NAMES = ("make_store", "register", "Persistable", "LoadError")


class ApiError(Exception):
    """The module named as the implementation under test lacks part of the API."""


@dataclass(frozen=True)
class StoreApi:
    """The parts of an implementation's API the kit uses."""

    module_name: str
    make_store: Any
    register: Any
    Persistable: type
    LoadError: type[BaseException]
    StoreError: type[BaseException] | None
    Store: type | None
    known_schemes: Any = None
    """``known_schemes()``, the schemes make_store can open, if the API tells."""


def load_api(module_name: str) -> StoreApi:
    """Import `module_name` and return its API; `ApiError` names what is missing."""
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ApiError(f"cannot import the store API module {module_name!r} "
                       f"(--store-api): {exc}") from exc
    missing = [name for name in REQUIRED_NAMES if not hasattr(module, name)]
    if missing:
        raise ApiError(f"the store API module {module_name!r} lacks {missing}; a store API "
                       f"module provides {list(REQUIRED_NAMES)}")
    return StoreApi(module_name, module.make_store, module.register, module.Persistable,
                    module.LoadError, getattr(module, "StoreError", None),
                    getattr(module, "Store", None), getattr(module, "known_schemes", None))


def current_api() -> StoreApi:
    """The API this process certifies: the one named in the environment, else `gc3store`."""
    return load_api(os.environ.get(API_ENVIRONMENT_VARIABLE) or DEFAULT_API)
