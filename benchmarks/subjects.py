"""What a benchmark measures: handles on storage sites, and the comparisons they take part in.

A *site* is storage that outlives the handles opened on it (a directory, a database file, a
table, a name in memory), filled once per store size and shared by the subjects that use it,
so that a durable and a non-durable handle can work on the same records.  A *subject* is one
thing measured: a site opened with a durability.  A *comparison* puts subjects next to the
baseline they are measured against.
"""

from __future__ import annotations

import abc
import dataclasses
import enum
from collections.abc import Hashable, Iterable, Sized
from typing import Any, Protocol


class Handle(Protocol):
    """The operations measured, as every subject offers them (a `gc3store.Store` is one).

    Keys are whatever the subject hands out: a store's IDs, a raw table's row numbers.
    """

    def save(self, obj: Any, /) -> Any: ...

    def load(self, key: Any, /) -> Any: ...

    def replace(self, key: Any, obj: Any, /) -> None: ...

    def remove(self, key: Any, /) -> None: ...

    def list(self) -> Sized: ...

    def invalidate_cache(self) -> None: ...


class Site(abc.ABC):
    """Storage that handles are opened on; it is filled fast, outside any measurement."""

    name: str
    """A short name for messages: ``"sqlite store"``."""

    @abc.abstractmethod
    def fill(self, objects: Iterable[object]) -> list[Hashable]:
        """Add `objects` as fast as the storage allows and return their keys, in order."""

    @abc.abstractmethod
    def open(self, durable: bool) -> Handle:
        """A new handle on this storage, with nothing cached."""

    def release(self, handle: Handle) -> None:  # noqa: B027 - most handles hold nothing
        """Give back what `handle` holds (a connection, a file)."""

    def destroy(self) -> None:  # noqa: B027 - storage in memory ends with the process
        """Delete the storage: its files, its table."""


class Role(enum.Enum):
    STORE = "store"
    BASELINE = "baseline"
    PEER = "peer"


@dataclasses.dataclass(frozen=True)
class Subject:
    """One thing measured: `site` opened with `durable`, shown as `label`."""

    label: str
    role: Role
    site: Site
    durable: bool


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Subjects measured in the same rounds as `baseline`, each figure a ratio to it."""

    name: str
    """What the comparison is about: ``"sqlite, durable=True"``."""
    baseline: Subject
    contenders: tuple[Subject, ...]

    @property
    def subjects(self) -> tuple[Subject, ...]:
        return (self.baseline, *self.contenders)
