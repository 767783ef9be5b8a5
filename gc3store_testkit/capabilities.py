"""The optional capabilities a backend may declare it lacks, and how the kit reads the declaration.

A backend declares what it does not support as data on its store class::

    class MyStore(Store):
        unsupported_capabilities = frozenset({"list"})

A backend that declares nothing is held to every clause.  A name outside
this vocabulary is an error, so a typo never silently exempts a backend.
"""

from __future__ import annotations

from typing import Any

DECLARATION_ATTRIBUTE = "unsupported_capabilities"
"""The class attribute in which a store declares the capabilities it lacks."""

CAPABILITIES: dict[str, str] = {
    "list": "The store can list the IDs it holds: Store.list() does not raise "
            "NotImplementedError.",
    "reopen": "Objects saved through one store instance load through a new instance opened "
              "on the same storage.",
    "shared_between_processes": "Several processes, started by fork or spawn, use the same "
                                "storage at once and see each other's saves.",
}
"""The capabilities a backend may declare unsupported, each with the sentence that defines it."""

FORMER_CAPABILITIES: dict[str, str] = {
    "batch": "batches are the 'batch' extension since contract version 3: a store without "
             "batch() does not offer it, and declaring 'batch' unsupported withdraws the offer",
}
"""Names that were capabilities in earlier contract versions: still accepted in a declaration."""

CONCURRENT_CAPABILITY = "shared_between_processes"
"""The capability whose tests run several processes on the storage at once: a backend that
declares it unsupported may have its storage damaged by them, so they run after all others."""


class DeclarationError(Exception):
    """A store class declares capabilities the kit does not know."""


def declared_unsupported(store: Any) -> frozenset[str]:
    """The capabilities `store`'s class declares it lacks; `DeclarationError` on unknown names."""
    cls = type(store)
    declared: Any = getattr(cls, DECLARATION_ATTRIBUTE, frozenset())
    if isinstance(declared, str) or not all(isinstance(name, str) for name in declared):
        raise DeclarationError(
            f"{cls.__qualname__}.{DECLARATION_ATTRIBUTE} must be a set of capability names, "
            f"not {declared!r}")
    unknown = sorted(set(declared) - CAPABILITIES.keys() - FORMER_CAPABILITIES.keys())
    if unknown:
        raise DeclarationError(
            f"{cls.__qualname__}.{DECLARATION_ATTRIBUTE} names unknown capabilities "
            f"{unknown}; the known ones are {sorted(CAPABILITIES)}")
    return frozenset(declared)
