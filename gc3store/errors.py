"""The exceptions gc3store raises; every one of them is a `StoreError`."""

from __future__ import annotations


class StoreError(Exception):
    """Base class of every error a store raises on purpose."""


class LoadError(StoreError, LookupError):
    """An object cannot be loaded: the ID is unknown, malformed, or its record is damaged."""


class SaveError(StoreError):
    """An object could not be saved; nothing was changed in the store.

    The exception that caused the failure (a pickling error, an `OSError`,
    a database error) is chained as ``__cause__``.
    """


class StoreUnavailable(StoreError):
    """The backing storage (a directory, a database server) cannot be reached."""
