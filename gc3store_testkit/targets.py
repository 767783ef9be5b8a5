"""The stores a kit run certifies: one per ``--store-uri`` and per ``--store-factory``.

Each target's factory is picklable, so a spawned child process can open
the same store: it carries the URI or the import path, not an open store.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from gc3store.registry import hide_password
from gc3store_testkit.api import current_api


class TargetError(Exception):
    """A ``--store-factory`` value does not name a callable."""


@dataclass(frozen=True)
class UriFactory:
    """Open a store with the API's ``make_store(uri)``."""

    uri: str

    def __call__(self) -> Any:
        return current_api().make_store(self.uri)


@dataclass(frozen=True)
class ImportedFactory:
    """Open a store by calling the object that ``module:attribute`` names."""

    spec: str

    def __call__(self) -> Any:
        return resolve_factory(self.spec)()


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


def targets_from_options(uris: list[str], factories: list[str]) -> list[Target]:
    """The targets the command line names, checking each ``--store-factory`` at once."""
    targets = [Target(hide_password(uri), UriFactory(uri)) for uri in uris]
    for spec in factories:
        resolve_factory(spec)
        targets.append(Target(spec, ImportedFactory(spec)))
    return targets
