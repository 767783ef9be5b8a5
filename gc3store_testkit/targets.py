"""The stores a kit run certifies: one per ``--store-uri`` and per ``--store-factory``.

Each target's factory is picklable, so a spawned child process can open
the same store: it carries the URI or the import path, not an open store.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import Any

from gc3store.registry import hide_password
from gc3store_testkit.api import current_api

SCHEME_URL = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://")


class TargetError(Exception):
    """A ``--store-uri`` or ``--store-factory`` value names no store the kit can open."""


@dataclass(frozen=True)
class UriFactory:
    """Open a store with the API's ``make_store(uri)``."""

    uri: str

    def __call__(self) -> Any:
        return current_api().make_store(self.uri)

    def sibling(self) -> UriFactory:
        """A factory of stores on a second storage beside this one.

        The second storage is the URI's table with ``_kit_other`` appended
        when it names one (``#table=NAME``; PostgreSQL and MySQL URLs name
        ``gc3store_kit_other`` otherwise), else its path, or else its host,
        with ``-kit-other`` appended (``kit-other`` for no host).
        """
        return UriFactory(sibling_uri(self.uri))


SIBLING_SUFFIX = "-kit-other"
_TABLE_PARAMETER = re.compile(r"(?<![^&#])table=(?P<name>[^&]*)")
_SERVER_SCHEMES = ("postgresql", "mysql", "mariadb")


def sibling_uri(uri: str) -> str:
    """The URI of a second storage beside the one `uri` names (see `UriFactory.sibling`)."""
    base, hash_, fragment = uri.partition("#")
    table = _TABLE_PARAMETER.search(fragment)
    if table is not None:
        name = table["name"] + "_kit_other"
        return f"{base}#{fragment[:table.start('name')]}{name}{fragment[table.end('name'):]}"
    match = SCHEME_URL.match(uri)
    if match is None:
        return uri.rstrip("/") + SIBLING_SUFFIX
    if match["scheme"].lower().split("+", 1)[0] in _SERVER_SCHEMES:
        return f"{base}#{fragment}&table=gc3store_kit_other" if fragment else \
            f"{base}#table=gc3store_kit_other"
    head, question, query = base.partition("?")
    netloc, slash, path = head[match.end():].partition("/")
    if path.strip("/"):
        head = head.rstrip("/") + SIBLING_SUFFIX
    else:
        host = f"{netloc}{SIBLING_SUFFIX}" if netloc else SIBLING_SUFFIX.lstrip("-")
        head = f"{head[:match.end()]}{host}{slash}{path}"
    return head + question + query + hash_ + fragment


@dataclass(frozen=True)
class ImportedFactory:
    """Open a store by calling the object that ``module:attribute`` names."""

    spec: str

    def __call__(self) -> Any:
        return resolve_factory(self.spec)()

    def sibling(self) -> ImportedFactory | None:
        """The factory its ``other_storage`` attribute names, of stores on a second storage."""
        other = getattr(resolve_factory(self.spec), OTHER_STORAGE_ATTRIBUTE, None)
        return ImportedFactory(f"{self.spec}.{OTHER_STORAGE_ATTRIBUTE}") if callable(other) \
            else None


OTHER_STORAGE_ATTRIBUTE = "other_storage"
"""The attribute of a ``--store-factory`` callable that opens stores on a second storage."""


def resolve_factory(spec: str) -> Any:
    """The callable that ``package.module:callable`` names; `TargetError` says what is wrong."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise TargetError(f"--store-factory takes 'package.module:callable', not {spec!r}")
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise TargetError(f"--store-factory {spec!r}: cannot import {module_name!r}: "
                          f"{exc}") from exc
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise TargetError(f"--store-factory {spec!r}: {module_name!r} has no "
                              f"{attribute!r}") from None
    if not callable(target):
        raise TargetError(f"--store-factory {spec!r} names a {type(target).__name__}, "
                          f"not a callable")
    return target


@dataclass(frozen=True)
class Target:
    """One store to certify: a label for reports and a factory opening instances of it."""

    label: str
    factory: Any


def check_schemes(uris: list[str], known: list[str]) -> None:
    """`TargetError` for the first URI whose scheme is not among `known` (plain paths are file)."""
    names = {name.lower() for name in known}
    for uri in uris:
        match = SCHEME_URL.match(uri)
        if match is None:
            continue
        scheme = match["scheme"].lower()
        if scheme not in names and scheme.split("+", 1)[0] not in names:
            raise TargetError(
                f"--store-uri={hide_password(uri)}: no store is registered for the scheme "
                f"{scheme!r} (known: {', '.join(sorted(names))}); if a module of yours "
                f"registers it, load it with -p MODULE")


def targets_from_options(uris: list[str], factories: list[str]) -> list[Target]:
    """The targets the command line names, checking each ``--store-factory`` at once."""
    targets = [Target(hide_password(uri), UriFactory(uri)) for uri in uris]
    for spec in factories:
        resolve_factory(spec)
        targets.append(Target(spec, ImportedFactory(spec)))
    return targets
