"""A zoo of deliberately broken stores: each breaks one clause of the contract, in one small way.

Each is a subclass of a correct reference store (`FilesystemStore`, which
has every capability, or `MemoryStore`) that changes as little as it can
(one wraps a `FilesystemStore` instead), and is registered under its own
URL scheme when this module is imported.
Load it as a plugin (``-p broken_stores``) so that the child processes the
kit starts import it too; then ``--store-uri=SCHEME:///some/directory``
(``SCHEME://name`` for the memory ones) certifies one of them.

Each class says in `clause` which clause it breaks and in `also_breaks`
which other clauses the same flaw necessarily breaks too; its docstring
says how.  ``test_zoo.py`` runs the kit against each one and checks that
the kit fails exactly those clauses.  The ``zoo-file`` and ``zoo-memory``
schemes open the unbroken parents through the same plumbing, as controls.
"""

from __future__ import annotations

import collections
import contextlib
import os
import pickle
import sys
import threading
import weakref
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from gc3store import (
    FilesystemStore,
    Id,
    LoadError,
    MemoryStore,
    Persistable,
    SaveError,
    Store,
    records,
    register,
)
from gc3store.filesystem import SEQUENCE_BLOCK

ZOO: dict[str, type[Any]] = {}
"""Every broken store, by its URL scheme."""

CONTROLS: dict[str, type[Any]] = {}
"""The correct parent stores, opened through the same plumbing as the broken ones."""


class Broken:
    """What test_zoo.py needs to know about a broken store."""

    scheme: ClassVar[str]
    clause: ClassVar[int]
    also_breaks: ClassVar[frozenset[int]] = frozenset()
    hangs: ClassVar[bool] = False
    """Whether the flaw makes a child process hang, so that the kit reports the clause hung."""


def _open_in_directory(cls: type[Any]) -> Callable[..., Any]:
    def open_store(url: str, *args: Any, **kwargs: Any) -> Any:
        # no fsync: the kit kills processes, it does not cut the power, and the zoo runs faster
        kwargs.setdefault("durable", getattr(cls, "durable_in_the_zoo", False))
        return cls(urlsplit(url).path, *args, url=url, **kwargs)
    return open_store


def _open_in_memory(cls: type[Any]) -> Callable[..., Any]:
    def open_store(url: str, *args: Any, **kwargs: Any) -> Any:
        store = cls(f"memory://{cls.__name__}/{url.partition('://')[2]}", *args, **kwargs)
        store.url = url
        return store
    return open_store


def zoo(scheme: str, clause: int, *also_breaks: int) -> Callable[[type[Any]], type[Any]]:
    """Register a broken store under `scheme`, breaking `clause` (and `also_breaks`)."""
    def enter(cls: type[Any]) -> type[Any]:
        cls.scheme, cls.clause, cls.also_breaks = scheme, clause, frozenset(also_breaks)
        opener = _open_in_memory if issubclass(cls, MemoryStore) else _open_in_directory
        register(scheme, opener(cls))
        ZOO[scheme] = cls
        return cls
    return enter


class ZooFilesystemStore(FilesystemStore):
    """The correct `FilesystemStore`, under the scheme ``zoo-file``."""


class ZooMemoryStore(MemoryStore):
    """The correct `MemoryStore`, under the scheme ``zoo-memory``."""


register("zoo-file", _open_in_directory(ZooFilesystemStore))
register("zoo-memory", _open_in_memory(ZooMemoryStore))
CONTROLS.update({"zoo-file": ZooFilesystemStore, "zoo-memory": ZooMemoryStore})


# -- clause 1: the Store interface -------------------------------------------------------------

@zoo("pre-fork-returns-self", 1)
class PreForkReturnsSelfStore(FilesystemStore, Broken):
    """Clause 1: pre_fork() returns the store (for chaining) instead of None."""

    def pre_fork(self) -> Any:  # type: ignore[override]
        super().pre_fork()
        return self


@zoo("duck-typed", 1)
class DuckTypedStore(Broken):
    """Clause 1: every method works, but the store is no instance of `gc3store.Store`.

    It forwards everything to a `FilesystemStore` it holds.
    """

    def __init__(self, directory: str, **kwargs: Any) -> None:
        self._inner = FilesystemStore(directory, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __repr__(self) -> str:
        return f"DuckTypedStore({self._inner.url!r})"


@zoo("misspelt-capability", 1)
class MisspeltCapabilityStore(FilesystemStore, Broken):
    """Clause 1: declares the unknown capability 'listing' (meaning 'list') unsupported.

    The store itself works; a typo in a declaration must be an error, never
    a silent exemption.
    """

    unsupported_capabilities = frozenset({"listing"})


@zoo("invalidate-not-implemented", 1)
class InvalidateNotImplementedStore(FilesystemStore, Broken):
    """Clause 1: invalidate_cache() raises NotImplementedError instead of doing its job."""

    def invalidate_cache(self) -> None:
        raise NotImplementedError("this store has no cache to invalidate")


# -- clause 2: unique IDs ----------------------------------------------------------------------

@zoo("reuses-removed-ids", 2, 13)
class ReusesRemovedIdsStore(FilesystemStore, Broken):
    """Clause 2: the instance that removed records hands their numbers out again.

    A batch that raises removes the records it created, so their numbers come back too
    (clause 13).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._freed: list[int] = []

    def _delete(self, id_: Id) -> bool:
        found = super()._delete(id_)
        if found:
            self._freed.append(id_.seqno)
        return found

    def _next_seqno(self) -> int:
        return self._freed.pop() if self._freed else super()._next_seqno()


class _LookalikeId(collections.UserString):
    """Compares and hashes like the ID it holds, but is not a `str`."""


@zoo("save-returns-number", 2)
class SaveReturnsNumberStore(FilesystemStore, Broken):
    """Clause 2: save() returns the ID's number, an int, instead of the ID."""

    def save(self, obj: Any) -> Any:
        return super().save(obj).seqno


@zoo("lookalike-ids", 2)
class LookalikeIdsStore(FilesystemStore, Broken):
    """Clause 2: save() returns a `UserString` holding the ID, not a `str`.

    It compares equal to the ID and load() accepts it, so only the type is wrong.
    """

    def save(self, obj: Any) -> Any:
        return _LookalikeId(super().save(obj))

    def _check_id(self, id_: object) -> Id:
        return super()._check_id(str(id_) if isinstance(id_, _LookalikeId) else id_)


class _OddHashId(str):
    """Equal to the ID it holds, but hashing otherwise, as GC3Pie 2.6's `Id` does."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(("id", str(self)))

    __eq__ = str.__eq__


@zoo("odd-hash-ids", 2)
class OddHashIdsStore(FilesystemStore, Broken):
    """Clause 2: save() returns IDs equal to the plain strings of their text but hashing otherwise.

    So an ID and the same text that list() returns are two keys of one set.
    """

    def save(self, obj: Any) -> Any:
        id_ = _OddHashId(super().save(obj))
        with contextlib.suppress(AttributeError, TypeError):
            obj.persistent_id = obj._id = id_
        return id_


@zoo("counter-in-home", 2)
class CounterInHomeStore(FilesystemStore, Broken):
    """Clause 2: the ID counter lives in the home directory, not in the store, as GC3Pie's does.

    A process with another home numbers from 1 again and overwrites the records it finds.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        digest = zlib.crc32(self.directory.encode())
        self._sequence_path = os.path.join(os.path.expanduser("~"), f".zoo-counter-{digest}")

    def _highest_seqno(self) -> int:
        return 0

    def _create(self, id_: Id, data: bytes, obj: Any) -> bool:
        return self._update(id_, data, obj) or super()._create(id_, data, obj)


@zoo("per-instance-counter", 2, 9)
class PerInstanceCounterStore(FilesystemStore, Broken):
    """Clause 2: each instance numbers IDs on its own, from the highest number it finds on disk.

    Two instances on one directory, or two processes, hand out the same
    numbers.  Also clause 9: after a fork, parent and child count on from
    the same number.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._next: int | None = None

    def _next_seqno(self) -> int:
        if self._next is None:
            self._next = self._highest_seqno() + 1
        seqno, self._next = self._next, self._next + 1
        return seqno


# -- clause 3: saving --------------------------------------------------------------------------

@zoo("no-underscore-id", 3)
class NoUnderscoreIdStore(FilesystemStore, Broken):
    """Clause 3: save() sets obj.persistent_id but not obj._id (what GC3Pie does)."""

    def _store_new_object(self, session: Any, obj: Any) -> Id:
        id_ = super()._store_new_object(session, obj)
        with contextlib.suppress(AttributeError, TypeError):
            del obj._id
        return id_


@zoo("unstamped-plain-objects", 3)
class UnstampedPlainObjectsStore(FilesystemStore, Broken):
    """Clause 3: only `Persistable` objects get persistent_id and _id; a plain object gets neither.

    A plain object is then saved under a new ID each time it is saved.
    """

    def _store_new_object(self, session: Any, obj: Any) -> Id:
        id_ = super()._store_new_object(session, obj)
        if not isinstance(obj, Persistable):
            for name in ("persistent_id", "_id"):
                with contextlib.suppress(AttributeError, TypeError):
                    delattr(obj, name)
        return id_


@zoo("resave-new-id", 3)
class ResaveNewIdStore(FilesystemStore, Broken):
    """Clause 3: save() ignores the ID an object carries and stores it under a new ID each time."""

    def save(self, obj: Any) -> Id:
        carried = vars(obj).pop("persistent_id", None) if hasattr(obj, "__dict__") else None
        try:
            return super().save(obj)
        except BaseException:
            if carried is not None:
                obj.persistent_id = carried
            raise


@zoo("resave-not-written", 3, 10)
class ResaveNotWrittenStore(FilesystemStore, Broken):
    """Clause 3: re-saving an object pickles it (so failures still raise) but never writes it.

    A re-save past a file size limit then returns without having written (clause 10).
    """

    def _save(self, session: Any, obj: Any) -> Id:
        id_ = self._own_id(obj)
        if id_ is None or session.in_progress:
            return super()._save(session, obj)
        self._encode(session, id_, obj)
        self._remember(id_, obj)
        return id_


@zoo("deduplicated-values", 3)
class DeduplicatedValuesStore(FilesystemStore, Broken):
    """Clause 3: an object that cannot carry an ID, saved again with an equal value, keeps its ID.

    (A cache of values to IDs, meant to save space.)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ids_of_values: dict[bytes, Id] = {}

    def save(self, obj: Any) -> Id:
        if hasattr(obj, "__dict__"):
            return super().save(obj)
        value = pickle.dumps(obj)
        if value not in self._ids_of_values:
            self._ids_of_values[value] = super().save(obj)
        return self._ids_of_values[value]


_live_objects: dict[tuple[str, Id], Any] = {}


@zoo("pickles-late-memory", 3)
class PicklesLateMemoryStore(MemoryStore, Broken):
    """Clause 3: a new plain object is kept by reference and pickled when loaded, not when saved.

    A change made to the object after save() shows in what is loaded.
    (Re-saves, replaces and `Persistable` objects are pickled at once.)
    """

    def _create(self, id_: Id, data: bytes, obj: Any) -> bool:
        created = super()._create(id_, data, obj)
        if created and hasattr(obj, "__dict__") and not isinstance(obj, Persistable):
            _live_objects[self.name, id_] = obj
        return created

    def _read(self, id_: Id) -> bytes | None:
        live = _live_objects.get((self.name, id_))
        if live is None:
            return super()._read(id_)
        return records.encode(live, self.protocol, lambda nested: str(nested.persistent_id))

    def _update(self, id_: Id, data: bytes, obj: Any) -> bool:
        _live_objects.pop((self.name, id_), None)
        return super()._update(id_, data, obj)

    def _delete(self, id_: Id) -> bool:
        _live_objects.pop((self.name, id_), None)
        return super()._delete(id_)


# -- clause 4: loading and the cache -----------------------------------------------------------

@zoo("load-without-id", 4, 3, 5)
class LoadWithoutIdStore(FilesystemStore, Broken):
    """Clause 4: an object load() reads from the storage carries no persistent_id.

    Also clause 3: such an object, saved again, gets a new ID; and clause 5: replaced under
    another ID, it is not known to have stood for its own, which keeps it cached.
    """

    def _load(self, id_: Id) -> Any:
        cached = self._cached(id_)
        obj = super()._load(id_)
        if cached is None:
            with contextlib.suppress(AttributeError, TypeError):
                del obj.persistent_id
        return obj


@zoo("invalidate-cache-does-nothing", 4, 6)
class InvalidateCacheDoesNothingStore(FilesystemStore, Broken):
    """Clause 4: invalidate_cache() does nothing, so load() keeps returning the stale object.

    Also after another instance removed it (clause 6).
    """

    def invalidate_cache(self) -> None:
        pass


@zoo("no-identity-cache", 4, 8)
class NoIdentityCacheStore(FilesystemStore, Broken):
    """Clause 4: load() forgets the object it returns, so loading an ID twice gives two objects.

    (References met while loading one object are still resolved through the
    cache, so shared references and cycles within one load survive.)
    """

    def load(self, id_: str) -> Any:
        try:
            return super().load(id_)
        finally:
            with contextlib.suppress(TypeError, KeyError):
                self._cache.pop(id_, None)


@zoo("unknown-id-key-error", 4, 6)
class UnknownIdKeyErrorStore(FilesystemStore, Broken):
    """Clause 4: load() of a well-formed ID the store does not hold raises KeyError, not LoadError.

    Also clause 6, which checks that a removed ID loads as LoadError.
    """

    def load(self, id_: str) -> Any:
        try:
            return super().load(id_)
        except LoadError:
            with contextlib.suppress(TypeError, ValueError):
                if self._read(Id.parse(id_)) is None:
                    raise KeyError(id_) from None
            raise


@zoo("caches-raw-records", 4)
class CachesRawRecordsStore(FilesystemStore, Broken):
    """Clause 4: each instance keeps the bytes it read, and invalidate_cache() does not drop them.

    Its own writes refresh them, so only what other instances wrote is missed.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._bytes_read: dict[Id, bytes | None] = {}

    def _read(self, id_: Id) -> bytes | None:
        if id_ not in self._bytes_read:
            self._bytes_read[id_] = super()._read(id_)
        return self._bytes_read[id_]

    def _update(self, id_: Id, data: bytes, obj: Any) -> bool:
        self._bytes_read.pop(id_, None)
        return super()._update(id_, data, obj)

    def _delete(self, id_: Id) -> bool:
        self._bytes_read.pop(id_, None)
        return super()._delete(id_)


@zoo("cache-shared-by-class", 4, 5)
class CacheSharedByClassStore(FilesystemStore, Broken):
    """Clause 4: loaded objects are kept in one cache of the class, whatever their storage.

    Each instance drops an entry when it replaces or removes its ID, and all of them when
    its cache is invalidated, so instances on one storage agree; a store on another storage
    loads the first one's objects for the same IDs, and an object replaced under another ID
    stays cached under its first (clause 5).
    """

    loaded: ClassVar[dict[str, Any]] = {}

    def load(self, id_: str) -> Any:
        reference = self.loaded.get(id_)
        found = reference() if reference is not None else None
        if found is not None:
            return found
        found = super().load(id_)
        with contextlib.suppress(TypeError):
            self.loaded[id_] = weakref.ref(found)
        return found

    def replace(self, id_: str, obj: Any) -> None:
        super().replace(id_, obj)
        self.loaded.pop(id_, None)

    def remove(self, id_: str) -> None:
        super().remove(id_)
        self.loaded.pop(id_, None)

    def invalidate_cache(self) -> None:
        super().invalidate_cache()
        self.loaded.clear()


# -- clause 5: replacing -----------------------------------------------------------------------

@zoo("replace-creates", 5)
class ReplaceCreatesStore(FilesystemStore, Broken):
    """Clause 5: replace() of an ID the store does not hold creates it (as GC3Pie does)."""

    def _replace(self, session: Any, id_: Id, obj: Any) -> None:
        if self._read(id_) is not None:
            super()._replace(session, id_, obj)
            return
        self._stamp(session, obj, id_)
        self._store_new(session, id_, self._encode(session, id_, obj), obj)
        self._remember(id_, obj)


@zoo("replace-keeps-cache", 5)
class ReplaceKeepsCacheStore(FilesystemStore, Broken):
    """Clause 5: replace() leaves the cache alone: load() returns the old object while it lives."""

    def _replace(self, session: Any, id_: Id, obj: Any) -> None:
        old = self._cached(id_)
        super()._replace(session, id_, obj)
        if old is not None:
            self._remember(id_, old)


@zoo("replace-returns-id", 5)
class ReplaceReturnsIdStore(FilesystemStore, Broken):
    """Clause 5: replace() returns the ID instead of None."""

    def replace(self, id_: str, obj: Any) -> Any:  # type: ignore[override]
        super().replace(id_, obj)
        return id_


@zoo("replace-without-id", 5)
class ReplaceWithoutIdStore(FilesystemStore, Broken):
    """Clause 5: replace(id, obj) stores obj under id but does not set obj.persistent_id and _id."""

    def _replace(self, session: Any, id_: Id, obj: Any) -> None:
        session.in_progress[id(obj)] = id_
        data = self._encode(session, id_, obj)
        if not self._call_storage(SaveError, id_, self._overwrite, id_, data, obj):
            raise self._unknown(id_)
        self._remember(id_, obj)


@zoo("replace-checks-late", 5)
class ReplaceChecksLateStore(FilesystemStore, Broken):
    """Clause 5: replace() of an unknown ID finds out only after pickling, which has stored the
    changes of the objects it refers to by then (the engine skips the check for a store whose
    failed operations its storage rolls back; a directory of files rolls nothing back)."""

    rolls_back_operations = True


@zoo("moved-object-stays-cached", 5)
class MovedObjectStaysCachedStore(FilesystemStore, Broken):
    """Clause 5: replace(id, obj) of an object loaded from another ID leaves it cached under that
    ID, so loading that ID returns the object that now stands for the other."""

    def _stamp(self, session: Any, obj: Any, id_: Id) -> None:
        session.in_progress[id(obj)] = id_
        for name in records.ID_ATTRIBUTES:
            session.set_attribute(obj, name, id_)


# -- clause 6: removing ------------------------------------------------------------------------

@zoo("remove-keeps-cache", 6)
class RemoveKeepsCacheStore(FilesystemStore, Broken):
    """Clause 6: remove() deletes the record but leaves the object in the cache.

    While a loaded object is alive, the store goes on loading it.
    """

    def remove(self, id_: str) -> None:
        alive = self._cached(id_) if isinstance(id_, str) else None
        super().remove(id_)
        if alive is not None:
            self._remember(self._check_id(id_), alive)


@zoo("remove-unknown-quietly", 6)
class RemoveUnknownQuietlyStore(FilesystemStore, Broken):
    """Clause 6: remove() of a well-formed ID the store does not hold does nothing, quietly."""

    def remove(self, id_: str) -> None:
        self._check_id(id_)
        with contextlib.suppress(LoadError):
            super().remove(id_)


@zoo("remove-only-forgets", 6, 7)
class RemoveOnlyForgetsStore(FilesystemStore, Broken):
    """Clause 6: remove() drops the object from the cache but leaves its record in the storage.

    So the kit cannot remove the records it damaged, and list() then shows IDs that do not
    load (clause 7).
    """

    def remove(self, id_: str) -> None:
        checked = self._check_id(id_)
        if self._read(checked) is None:
            raise self._unknown(checked)
        self._cache.pop(checked, None)


@zoo("remove-trusts-the-cache", 6)
class RemoveTrustsTheCacheStore(FilesystemStore, Broken):
    """Clause 6: remove() of an ID whose object is in its cache succeeds, stored or not.

    So removing what another instance removed already raises nothing.
    """

    def _delete(self, id_: Id) -> bool:
        return super()._delete(id_) or id_ in self._cache


# -- clause 7: listing -------------------------------------------------------------------------

@zoo("list-misses-newest", 7)
class ListMissesNewestStore(FilesystemStore, Broken):
    """Clause 7: list() leaves out the record with the highest number (an off-by-one)."""

    def list(self, **filters: Any) -> list[str]:
        ids = sorted(super().list(**filters), key=lambda id_: Id.parse(id_).seqno)
        return ids[:-1]


_TOMBSTONE = ".removed-"


@zoo("lists-removed", 7, 10)
class ListsRemovedStore(FilesystemStore, Broken):
    """Clause 7: remove() keeps the record as a hidden tombstone, which list() lists.

    A failed save removes the records it created, so their tombstones are listed too: a
    listed record of the failed save that does not load (clause 10).
    """

    def _delete(self, id_: Id) -> bool:
        with self._locked_record(id_) as found:
            if found:
                os.replace(self._path(id_), os.path.join(self.directory, _TOMBSTONE + id_))
        return found

    def _ids(self, **filters: Any) -> list[Id]:
        removed = [Id.parse(name[len(_TOMBSTONE):]) for name in os.listdir(self.directory)
                   if name.startswith(_TOMBSTONE)]
        return super()._ids(**filters) + removed


@zoo("lists-paths", 7)
class ListsPathsStore(FilesystemStore, Broken):
    """Clause 7: list() returns the paths of the record files (`pathlib.Path`), not str IDs."""

    def list(self, **filters: Any) -> list[Any]:  # type: ignore[override]
        return [Path(self.directory, id_) for id_ in super().list(**filters)]


@zoo("cannot-list-undeclared-memory", 7)
class CannotListUndeclaredMemoryStore(MemoryStore, Broken):
    """Clause 7: list() raises NotImplementedError, but the class declares nothing unsupported."""

    list = Store.list


@zoo("lists-bookkeeping", 7)
class ListsBookkeepingStore(FilesystemStore, Broken):
    """Clause 7: list() also returns 'Sequence.0', the name of its counter, which no object has."""

    def _ids(self, **filters: Any) -> list[Id]:
        return [*super()._ids(**filters), Id.parse("Sequence.0")]


@zoo("list-cached-per-instance", 7)
class ListCachedPerInstanceStore(FilesystemStore, Broken):
    """Clause 7: list() reads the directory once; later it adds and drops only this instance's
    own saves and removes, so it misses what other instances did."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._listed: set[str] | None = None

    def list(self, **filters: Any) -> list[str]:
        if self._listed is None:
            self._listed = set(super().list(**filters))
        return sorted(self._listed)

    def save(self, obj: Any) -> Id:
        id_ = super().save(obj)
        if self._listed is not None:
            self._listed.add(id_)
        return id_

    def remove(self, id_: str) -> None:
        super().remove(id_)
        if self._listed is not None:
            self._listed.discard(id_)


# -- clause 8: Persistable references ----------------------------------------------------------

@zoo("persistable-inline", 8, 15)
class PersistableInlineStore(FilesystemStore, Broken):
    """Clause 8: referenced `Persistable` objects are pickled inside the referring record.

    The changed-flag economy has nothing left to keep (clause 15).
    """

    def _reference(self, session: Any, obj: Persistable) -> Any:
        return None


@zoo("replace-inlines-references", 8)
class ReplaceInlinesReferencesStore(FilesystemStore, Broken):
    """Clause 8: replace() pickles the new `Persistable` objects inside the replacement inline."""

    _replacing = False

    def replace(self, id_: str, obj: Any) -> None:
        self._replacing = True
        try:
            super().replace(id_, obj)
        finally:
            self._replacing = False

    def _reference(self, session: Any, obj: Persistable) -> Any:
        if self._replacing and self._own_id(obj) is None:
            return None
        return super()._reference(session, obj)


@zoo("always-resaves-references", 15)
class AlwaysResavesReferencesStore(FilesystemStore, Broken):
    """Clause 15: a referenced `Persistable` is saved again with its parent even when not changed.

    Its class offers the changed-flag economy (every `RecordStore` does), and does not keep it.
    """

    def _reference(self, session: Any, obj: Persistable) -> str:
        in_progress = session.in_progress.get(id(obj))
        return str(in_progress if in_progress is not None else self._save(session, obj))


@zoo("never-resaves-references", 8, 15)
class NeverResavesReferencesStore(FilesystemStore, Broken):
    """Clause 8: a referenced `Persistable` that has an ID is never saved again, changed or not.

    The economy saves one whose changed flag is set, so clause 15 fails too.
    """

    def _reference(self, session: Any, obj: Persistable) -> str:
        in_progress = session.in_progress.get(id(obj))
        if in_progress is not None:
            return str(in_progress)
        own = self._own_id(obj)
        return str(own if own is not None else self._save(session, obj))


@zoo("copies-cycles", 8)
class CopiesCyclesStore(FilesystemStore, Broken):
    """Clause 8: a reference back to an object being saved is pickled as a copy: cycles break."""

    def _reference(self, session: Any, obj: Persistable) -> Any:
        if id(obj) in session.in_progress:
            return None
        return super()._reference(session, obj)


@zoo("keeps-changed-flag", 15)
class KeepsChangedFlagStore(FilesystemStore, Broken):
    """Clause 15: save() leaves the changed flag of the object it saved set."""

    def save(self, obj: Any) -> Id:
        id_ = super().save(obj)
        if isinstance(obj, Persistable):
            obj.changed = True
        return id_


# -- clause 9: fork ----------------------------------------------------------------------------

@zoo("fork-shares-id-block", 9)
class ForkSharesIdBlockStore(FilesystemStore, Broken):
    """Clause 9: after a fork the child goes on drawing IDs from the block the parent reserved."""

    def _after_fork(self) -> None:
        pass


@zoo("fork-deadlock", 9)
class ForkDeadlockStore(FilesystemStore, Broken):
    """Clause 9: post_fork() in the child waits for a lock that pre_fork() took in the parent.

    The parent releases it; the child's copy stays locked forever, so the
    child hangs: the kit must report a hang (verdict INCOMPLETE), not wait.
    """

    hangs = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fork_lock = threading.Lock()
        self._forking_pid = 0

    def pre_fork(self) -> None:
        self._fork_lock.acquire()
        self._forking_pid = os.getpid()

    def post_fork(self) -> None:
        if os.getpid() == self._forking_pid:
            self._fork_lock.release()
        else:
            with self._fork_lock:
                pass
        super().post_fork()


# -- clause 10: failed saves and crashes -------------------------------------------------------

@zoo("failed-save-keeps-records", 10)
class FailedSaveKeepsRecordsStore(FilesystemStore, Broken):
    """Clause 10: a failed save leaves the records it created for new referenced objects."""

    def _undo(self, session: Any) -> None:
        session.created.clear()
        super()._undo(session)


@zoo("failed-save-keeps-ids", 10)
class FailedSaveKeepsIdsStore(FilesystemStore, Broken):
    """Clause 10: a failed save leaves the IDs it assigned on the objects."""

    def _undo(self, session: Any) -> None:
        session._old_attributes.clear()
        super()._undo(session)


@zoo("failed-save-clears-changed", 10)
class FailedSaveClearsChangedStore(FilesystemStore, Broken):
    """Clause 10: a failed save restores the objects' IDs but leaves their changed flags cleared."""

    def _undo(self, session: Any) -> None:
        session._old_attributes[:] = [entry for entry in session._old_attributes
                                      if entry[1] != "changed"]
        super()._undo(session)


@zoo("truncates-before-pickling", 10, 13)
class TruncatesBeforePicklingStore(FilesystemStore, Broken):
    """Clause 10: a re-save or replace empties the record before pickling the object.

    (As ``open(path, "wb")`` followed by ``pickle.dump`` does.)  When
    pickling fails, the earlier version is lost; so is the version a batch
    that raises should have put back (clause 13).
    """

    def _encode(self, session: Any, id_: Id, obj: Any) -> bytes:
        if self._read(id_) is not None:
            Path(self._path(id_)).write_bytes(b"")
        return super()._encode(session, id_, obj)


@zoo("writes-in-place", 10)
class WritesInPlaceStore(FilesystemStore, Broken):
    """Clause 10: records are written in place, in two halves with an fsync between them.

    A process killed between the two halves leaves a torn record.
    """

    def _create(self, id_: Id, data: bytes, obj: Any) -> bool:
        try:
            fd = os.open(self._path(id_), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            return False
        self._write_in_two_halves(fd, data)
        return True

    def _update(self, id_: Id, data: bytes, obj: Any) -> bool:
        with self._locked_record(id_) as found:
            if found:
                self._write_in_two_halves(os.open(self._path(id_), os.O_WRONLY | os.O_TRUNC),
                                          data)
        return found

    @staticmethod
    def _write_in_two_halves(fd: int, data: bytes) -> None:
        try:
            half = len(data) // 2
            os.write(fd, data[:half])
            os.fsync(fd)
            os.write(fd, data[half:])
        finally:
            os.close(fd)


@zoo("failed-replace-keeps-id", 10, 5)
class FailedReplaceKeepsIdStore(FilesystemStore, Broken):
    """Clause 10: a failed replace(id, obj) leaves id on obj as its persistent_id and _id.

    Set before the replace, the ID also hides that obj stood for another ID, which stays cached
    with obj (clause 5).
    """

    def _replace(self, session: Any, id_: Id, obj: Any) -> None:
        for name in ("persistent_id", "_id"):
            with contextlib.suppress(AttributeError, TypeError):
                setattr(obj, name, id_)
        super()._replace(session, id_, obj)


@zoo("failed-save-leaves-empty-record", 10, 7)
class FailedSaveLeavesEmptyRecordStore(FilesystemStore, Broken):
    """Clause 10: a failed first save leaves an empty record under a new ID, as GC3Pie's does
    (it opens the record file before pickling); list() shows it, and it never loads (so
    clause 7's test that every listed ID loads fails too, once it is there)."""

    def save(self, obj: Any) -> Id:
        try:
            return super().save(obj)
        except SaveError:
            if getattr(obj, "persistent_id", None) is None:
                with open(self._path(self.idfactory.new(obj)), "wb"):
                    pass
            raise


@zoo("interrupted-save-keeps-ids", 10)
class InterruptedSaveKeepsIdsStore(FilesystemStore, Broken):
    """Clause 10: a save interrupted by a BaseException that is no Exception (a Ctrl-C) is not
    undone: the objects keep the IDs it gave them."""

    def _undo(self, session: Any) -> None:
        if isinstance(sys.exc_info()[1], Exception):
            super()._undo(session)


@zoo("refused-write-keeps-ids", 10)
class RefusedWriteKeepsIdsStore(FilesystemStore, Broken):
    """Clause 10: a save the disk refuses (the OS error of a full disk) is not undone: the
    objects keep their new IDs and flags, and the records written before it stay."""

    def _undo(self, session: Any) -> None:
        if not isinstance(getattr(sys.exc_info()[1], "__cause__", None), OSError):
            super()._undo(session)


# -- clause 11: hostile IDs, and clause 14: damaged records ------------------------------------

@zoo("path-traversal", 11)
class PathTraversalStore(FilesystemStore, Broken):
    """Clause 11: any string is an ID, and so a file name: '../x' and '/a/b' escape the store."""

    def _check_id(self, id_: object) -> Any:
        if isinstance(id_, str):
            return id_
        return super()._check_id(id_)


@zoo("malformed-id-value-error", 11)
class MalformedIdValueErrorStore(FilesystemStore, Broken):
    """Clause 11: a malformed ID raises ValueError (from parsing it) instead of LoadError."""

    def _check_id(self, id_: object) -> Id:
        return Id.parse(id_)


@zoo("ignores-checksums", 14)
class IgnoresChecksumsStore(FilesystemStore, Broken):
    """Clause 14: the record's checksum is never checked, so a damaged record may load silently.

    (It recomputes the CRC of what it read before decoding.)
    """

    def _read(self, id_: Id) -> bytes | None:
        data = super()._read(id_)
        if data is None or not data.startswith(records.MAGIC) or len(data) < records.HEADER.size:
            return data
        magic, version, flags, protocol, _ = records.HEADER.unpack_from(data)
        payload = data[records.HEADER.size:]
        crc = zlib.crc32(payload, zlib.crc32(bytes((version, flags, protocol))))
        return records.HEADER.pack(magic, version, flags, protocol, crc) + payload


@zoo("damage-unnamed", 14)
class DamageUnnamedStore(FilesystemStore, Broken):
    """Clause 14: a damaged record raises LoadError, but the message does not name the ID."""

    def _load(self, id_: Id) -> Any:
        try:
            return super()._load(id_)
        except LoadError as exc:
            if isinstance(exc.__cause__, records.CorruptRecord):
                raise LoadError(f"damaged record: {exc.__cause__}") from None
            raise


@zoo("lenient-ids", 11)
class LenientIdsStore(FilesystemStore, Broken):
    """Clause 11: IDs are tidied: bytes decoded, blanks and NULs stripped, paths normalised.

    So ' Task.5', b'Task.5', 'Task.5\\0' and './Task.5' all name Task.5.
    """

    def _check_id(self, id_: object) -> Id:
        if isinstance(id_, bytes):
            id_ = id_.decode()
        if isinstance(id_, str):
            id_ = os.path.normpath(id_.strip().strip("\0"))
        return super()._check_id(id_)


# -- clause 13: batches ------------------------------------------------------------------------

@zoo("batch-keeps-partial", 13)
class BatchKeepsPartialStore(FilesystemStore, Broken):
    """Clause 13: a batch that raises keeps the writes made before the exception."""

    def _journaling(self) -> bool:
        return False


@zoo("batch-reuses-ids", 13)
class BatchReusesIdsStore(FilesystemStore, Broken):
    """Clause 13: a batch that raises takes its ID numbers back, and hands them out again."""

    @contextlib.contextmanager
    def batch(self) -> Any:
        start = self._block_next
        try:
            with super().batch():
                yield
        except BaseException:
            self._block_next = max(start, self._block_end - SEQUENCE_BLOCK)
            raise


# -- clause 15: the changed-flag economy: see clause 8 -----------------------------------------

# -- clause 16: durability ---------------------------------------------------------------------

@zoo("acknowledges-before-the-directory-sync", 16)
class AcknowledgesBeforeTheDirectorySyncStore(FilesystemStore, Broken):
    """Clause 16: durable, it flushes each record file but never the directory that names it.

    A returned save can then be lost with the power: the file exists, its name does not.
    """

    durable_in_the_zoo = True

    def _sync_directory(self) -> None:
        return None
