"""The extensions gc3store defines beyond GC3Pie's contract, and how a store offers one.

The contract (clauses 1 to 12) is what every backend must keep to be
certified.  An extension is a promise some stores make on top of it; the
kit checks one only when the store offers it, and reports it as *offered,
passed*, *offered, FAILED*, *offered, NOT-RUN* (the kit could not check it
here, and says why) or *not offered*.  A store offers an extension by
having it (see `Extension.detected_by`) or by declaring it as data::

    class MyStore(Store):
        offered_extensions = frozenset({"changed_flag"})

``offered_extensions`` may be a property, for a store whose instances
differ (a durable and a volatile one).  A name outside this vocabulary is
an error, so a typo never passes for an extension.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

DECLARATION_ATTRIBUTE = "offered_extensions"
"""The attribute in which a store declares the extensions it offers."""

DAMAGE_HOOK = "damage_record"
"""The method ``damage_record(id_, where)`` a store may define so that the kit can damage one of
its records (invert one byte at the start, middle or end) and check that loading it fails."""


@dataclass(frozen=True)
class Extension:
    """One promise beyond the contract: its name, its clause, and the sentence that defines it."""

    name: str
    clause: int
    sentence: str
    detected_by: str | None = None
    """The attribute whose presence on a store offers the extension, if any."""


EXTENSIONS: dict[str, Extension] = {extension.name: extension for extension in (
    Extension("batch", 13, "Store.batch() groups writes: all of them are kept, or, when the "
              "block raises, none.", detected_by="batch"),
    Extension("integrity", 14, "A damaged record raises LoadError naming its ID; it never loads "
              "as another object.", detected_by=DAMAGE_HOOK),
    Extension("changed_flag", 15, "GC3Pie's economy of the changed flag: save clears it, and a "
              "referenced object whose flag is clear is not written again."),
    Extension("durability", 16, "Before save, replace or remove returns, every file it wrote and "
              "every directory whose entries it changed has been flushed to disk."),
)}
"""Every extension, by name."""

BY_CLAUSE: dict[int, Extension] = {extension.clause: extension
                                   for extension in EXTENSIONS.values()}


class ExtensionError(Exception):
    """A store declares, or a run requires, an extension the kit does not know."""


def checked_names(names: Iterable[str], where: str) -> frozenset[str]:
    """`names` as a set, when every one is an extension; `ExtensionError` names the others."""
    if isinstance(names, str) or not all(isinstance(name, str) for name in names):
        raise ExtensionError(f"{where} must be a set of extension names, not {names!r}")
    unknown = sorted(set(names) - EXTENSIONS.keys())
    if unknown:
        raise ExtensionError(f"{where} names unknown extensions {unknown}; the extensions are "
                             f"{sorted(EXTENSIONS)}")
    return frozenset(names)


def declared_offered(store: Any) -> frozenset[str]:
    """The extensions `store` declares it offers; `ExtensionError` on unknown names."""
    declared: Any = getattr(store, DECLARATION_ATTRIBUTE, frozenset())
    return checked_names(declared, f"{type(store).__qualname__}.{DECLARATION_ATTRIBUTE}")


def has_feature(store: Any, extension: Extension) -> bool:
    """Whether `store` has the attribute that offers `extension` by its presence."""
    return extension.detected_by is not None and callable(
        getattr(store, extension.detected_by, None))


def required_from_options(values: Iterable[str]) -> frozenset[str]:
    """The extensions ``--store-require=NAME[,NAME]`` options name (each may list several)."""
    names = [name.strip() for value in values for name in value.split(",") if name.strip()]
    return checked_names(names, "--store-require")
