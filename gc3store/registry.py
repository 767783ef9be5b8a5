"""`register` and `make_store`: build a store from a URL whose scheme names its constructor.

Constructors are looked up in three layers, the first match winning:
schemes bound with `register` (the last registration wins), then those
published by installed packages in the ``gc3store.stores`` entry-point group
(loaded once, the first time a scheme is looked up), then the built-in
schemes.  A ``scheme+driver`` scheme with no constructor of its own falls back
to ``scheme``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from importlib import metadata
from typing import Any
from urllib.parse import quote

from gc3store.errors import StoreError
from gc3store.store import Store

ENTRY_POINT_GROUP = "gc3store.stores"

StoreConstructor = Callable[..., Store]

_SCHEME_URL = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://")
_PASSWORD_IN_URL = re.compile(r"(://[^:/@]*:)[^@/]*@")

_registered: dict[str, StoreConstructor] = {}
_published: dict[str, StoreConstructor] | None = None


def _make_filesystem_store(url: str, *args: Any, **kwargs: Any) -> Store:
    from gc3store.filesystem import FilesystemStore
    return FilesystemStore.from_url(url, *args, **kwargs)


def _make_memory_store(url: str, *args: Any, **kwargs: Any) -> Store:
    from gc3store.memory import MemoryStore
    return MemoryStore(url, *args, **kwargs)


def _make_sql_store(url: str, *args: Any, **kwargs: Any) -> Store:
    from gc3store.sql import SqlStore
    return SqlStore(url, *args, **kwargs)


_BUILTIN: dict[str, StoreConstructor] = {
    "file": _make_filesystem_store,
    "memory": _make_memory_store,
    "sqlite": _make_sql_store,
    "postgresql": _make_sql_store,
    "mysql": _make_sql_store,
    "mariadb": _make_sql_store,
}


def register(scheme: str, constructor: StoreConstructor) -> None:
    """Bind the URL `scheme` to `constructor`, replacing any earlier binding.

    `make_store` calls ``constructor(url, *args, **kwargs)``.  Built-in
    schemes (``file``, ``memory``, ``sqlite``, ``postgresql``, ``mysql``,
    ``mariadb``) can be rebound like any other.
    """
    if not isinstance(scheme, str) or not _SCHEME_URL.fullmatch(f"{scheme}://"):
        raise ValueError(f"a URL scheme is a letter followed by letters, digits, '+', '-' "
                         f"or '.', not {scheme!r}")
    if not callable(constructor):
        raise TypeError(f"the constructor registered for scheme {scheme!r} must be callable, "
                        f"not {type(constructor).__name__} {constructor!r}")
    _registered[scheme.lower()] = constructor


def make_store(uri: str | os.PathLike[str], *args: Any, **kwargs: Any) -> Store:
    """Return a store for `uri`, built by the constructor registered for its scheme.

    `args` and `kwargs` are passed verbatim to ``constructor(uri, *args,
    **kwargs)``.  A `uri` without a ``scheme://`` part is a directory path
    and makes a ``file`` store.  Raises `StoreError` for an unknown scheme.

    >>> make_store('file:///tmp').__class__.__name__
    'FilesystemStore'
    >>> make_store('/tmp').__class__.__name__
    'FilesystemStore'
    """
    url = _as_url(uri)
    scheme = _SCHEME_URL.match(url)
    assert scheme is not None
    return _constructor_for(scheme["scheme"].lower())(url, *args, **kwargs)


def hide_password(text: str) -> str:
    """`text` with the password of every URL in it replaced by ``***``."""
    return _PASSWORD_IN_URL.sub(r"\1***@", text)


def known_schemes() -> list[str]:
    """Every scheme `make_store` can build a store for, sorted."""
    return sorted(_BUILTIN.keys() | _entry_points().keys() | _registered.keys())


def _as_url(uri: str | os.PathLike[str]) -> str:
    if isinstance(uri, os.PathLike):
        uri = os.fspath(uri)
    if not isinstance(uri, str):
        raise TypeError(f"a store URI is a string or a path, not {type(uri).__name__} {uri!r}")
    if not uri:
        raise StoreError("empty store URI: give a URL such as 'sqlite:////var/lib/app.db' "
                         "or a directory path")
    if _SCHEME_URL.match(uri):
        return uri
    if "\0" in uri:
        raise StoreError(f"a directory path cannot contain a NUL byte: {uri!r}")
    try:
        return "file://" + quote(os.path.abspath(uri))
    except UnicodeEncodeError:
        raise StoreError(f"a directory path must be text that UTF-8 can encode, not {uri!r} "
                         f"(which holds undecodable bytes)") from None


def _constructor_for(scheme: str) -> StoreConstructor:
    candidates = [scheme, scheme.split("+", 1)[0]]
    for name in candidates:
        for layer in (_registered, _entry_points(), _BUILTIN):
            if name in layer:
                return layer[name]
    raise StoreError(f"unknown store URL scheme {scheme!r}: known schemes are "
                     f"{', '.join(known_schemes())}; register() binds a new one")


def _entry_points() -> dict[str, StoreConstructor]:
    global _published
    if _published is None:
        _published = {}
        for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
            _published[entry_point.name.lower()] = _lazy(entry_point)
    return _published


def _lazy(entry_point: metadata.EntryPoint) -> StoreConstructor:
    """A constructor that imports the entry point's object only when first called."""
    def construct(url: str, *args: Any, **kwargs: Any) -> Store:
        constructor: StoreConstructor = entry_point.load()
        return constructor(url, *args, **kwargs)
    return construct
