"""The `Store` contract, and `RecordStore`, the engine every reference store is built on.

`Store` is the abstract interface of ``gc3libs.persistence`` (clause 1 of
``docs/contract.md``).  `RecordStore` implements the whole contract on top of
six record primitives (create, read, update, delete, list, next number), so
that a backend only says how bytes are kept: IDs, pickling, `Persistable`
references, the weak cache of loaded objects, fork detection and the undoing
of failed saves are the same code for every store.
"""

from __future__ import annotations

import abc
import builtins
import contextlib
import functools
import os
import pickle
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar, TypeVar

from gc3store import records
from gc3store.errors import LoadError, SaveError, StoreError
from gc3store.ids import Id, IdFactory
from gc3store.persistable import Persistable

DEFAULT_PROTOCOL = pickle.DEFAULT_PROTOCOL
_MISSING = object()
_CACHE_SWEEP_MINIMUM = 1024
"""The fewest entries at which the cache of loaded objects drops those no longer alive."""

_Result = TypeVar("_Result")

NO_GROUPING = contextlib.nullcontext()
"""The `_transaction` of a store without transactions: stateless, so one serves every call."""

_EXTENSIONS = frozenset({"batch", "integrity", "changed_flag"})
_DURABLE_EXTENSIONS = _EXTENSIONS | {"durability"}
"""The test kit's extensions every `RecordStore` offers, and those of one that flushes to disk."""

_open_stores: weakref.WeakSet[RecordStore] = weakref.WeakSet()
"""Every live `RecordStore`: a fork waits until none of them is in the middle of an operation."""


def _weakly_bound(method: Callable[[], int]) -> Callable[[], int]:
    """`method`, without keeping its object alive (a store's IdFactory must not keep the store)."""
    reference = weakref.WeakMethod(method)

    def call() -> int:
        bound = reference()
        if bound is None:
            raise StoreError("the store this IdFactory draws its numbers from was closed")
        return bound()

    return call


_locked_for_fork: list[RecordStore] = []


def _lock_all_stores() -> None:
    _locked_for_fork[:] = list(_open_stores)
    for store in _locked_for_fork:
        store._lock.acquire()


def _unlock_all_stores() -> None:
    for store in _locked_for_fork:
        store._lock.release()
    _locked_for_fork.clear()


def _renew_all_locks() -> None:
    for store in _locked_for_fork:
        store._lock = threading.RLock()
    _locked_for_fork.clear()


# a fork while another thread is saving would leave the child a store whose lock is held forever
os.register_at_fork(before=_lock_all_stores, after_in_parent=_unlock_all_stores,
                    after_in_child=_renew_all_locks)


class Store(abc.ABC):
    """Keep Python objects, each under a unique string ID.

    `save` stores any picklable object and returns its ID; `load` returns
    it; `replace` overwrites it; `remove` deletes it; `list` returns the IDs
    held.  A store keeps a cache of the objects it loaded, which
    `invalidate_cache` drops; `pre_fork` and `post_fork` bracket a call to
    ``os.fork()``.  See ``docs/contract.md`` for the clause-by-clause contract.
    """

    unsupported_capabilities: ClassVar[frozenset[str]] = frozenset()
    """Names of optional capabilities this backend does not have (see the test kit)."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"

    @abc.abstractmethod
    def save(self, obj: Any) -> str:
        """Store `obj` and return its ID; an object already saved here keeps its ID."""

    @abc.abstractmethod
    def load(self, id_: str) -> Any:
        """Return the object saved under `id_`; raise `LoadError` if there is none."""

    @abc.abstractmethod
    def replace(self, id_: str, obj: Any) -> None:
        """Store a copy of `obj` under the existing `id_`; raise `LoadError` if it is unknown."""

    @abc.abstractmethod
    def remove(self, id_: str) -> None:
        """Delete the object saved under `id_`; raise `LoadError` if there is none."""

    def list(self, **filters: Any) -> list[str]:
        """Return the IDs of all objects in the store.

        Optional: a store that cannot list raises `NotImplementedError`.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement list()")

    def invalidate_cache(self) -> None:
        """Forget the loaded objects: the next `load` of any ID reads the backing storage."""

    def pre_fork(self) -> None:
        """Prepare for ``os.fork()``: release what parent and child cannot share."""

    def post_fork(self) -> None:
        """Resume work after ``os.fork()``; call it in both the parent and the child."""


class _SaveSession:
    """What one top-level save or replace did, so that a failure can undo it."""

    __slots__ = ("_old_attributes", "created", "in_progress", "uncached")

    def __init__(self) -> None:
        self.in_progress: dict[int, Id] = {}
        self.created: list[Id] = []
        self.uncached: list[tuple[Id, Any]] = []
        self._old_attributes: list[tuple[Any, str, Any]] = []

    def set_attribute(self, obj: Any, name: str, value: Any) -> bool:
        """Set ``obj.name = value``, remembering the old value; False if `obj` refuses it."""
        try:
            old = obj.__dict__.get(name, _MISSING)
        except AttributeError:
            old = getattr(obj, name, _MISSING)
        try:
            setattr(obj, name, value)
        except (AttributeError, TypeError):
            return False
        self._old_attributes.append((obj, name, old))
        return True

    def restore_attributes(self) -> None:
        for obj, name, old in reversed(self._old_attributes):
            with contextlib.suppress(AttributeError, TypeError):
                if old is _MISSING:
                    delattr(obj, name)
                else:
                    setattr(obj, name, old)


class _Batch:
    """What a `batch` did, so that a failure can undo it."""

    def __init__(self) -> None:
        self.sessions: list[_SaveSession] = []
        self.undo: list[Callable[[], object]] = []


def _carry_id(obj: Any, id_: Id) -> None:
    """Set the ID attributes of a loaded object, where it takes attributes."""
    for name in records.ID_ATTRIBUTES:
        try:
            setattr(obj, name, id_)
        except (AttributeError, TypeError):
            continue  # an object without attributes (a dict, a tuple) carries no ID


def checked_flag(keyword: str, value: object) -> bool:
    """`value`, given for the constructor keyword `keyword`, as a bool (True, False, 1 or 0).

    A string such as ``"no"`` is refused rather than taken as true.
    """
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise TypeError(f"{keyword} is True or False, not {type(value).__name__} {value!r}")


def _secret_bytes(secret: str | bytes | None) -> bytes | None:
    if secret is None:
        return None
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if not isinstance(secret, bytes) or not secret:
        raise TypeError(f"a store's secret is a non-empty str or bytes, not {secret!r}")
    return secret


class RecordStore(Store):
    """A `Store` kept as one byte record per object.

    Subclasses implement the record primitives (the methods whose names start
    with ``_`` and are marked abstract) and, where they need them,
    `_transaction` and `_after_fork`.  The primitives are called with the
    store's lock held.
    """

    rolls_back_batches: ClassVar[bool] = False
    """Whether `_batch_scope` itself undoes every write of a batch that fails (a database
    transaction); otherwise the engine journals the old records and writes them back."""

    rolls_back_operations: ClassVar[bool] = False
    """Whether `_transaction` itself undoes every write of an operation that fails (a database
    transaction); otherwise the engine deletes the records a failed save created."""

    flushes_to_disk: bool = False
    """Whether every operation has flushed what it wrote to disk before it returns: such a store
    offers the test kit's ``durability`` extension."""

    def __init__(self, url: str | None, idfactory: IdFactory | None = None,
                 protocol: int = DEFAULT_PROTOCOL, *, display_url: str | None = None,
                 secret: str | bytes | None = None) -> None:
        super().__init__(url)
        if not isinstance(protocol, int) or not 2 <= protocol <= pickle.HIGHEST_PROTOCOL:
            raise ValueError(f"protocol must be a pickle protocol from 2 to "
                             f"{pickle.HIGHEST_PROTOCOL}, not {protocol!r}")
        self.protocol = protocol
        self.display_url = url if display_url is None else display_url
        factory = idfactory if idfactory is not None else IdFactory()
        if not callable(getattr(factory, "new", None)):
            raise TypeError(f"idfactory is an IdFactory, or any object with a new(obj) method "
                            f"returning an ID, not {type(factory).__name__} {factory!r}")
        self.idfactory = factory.bound_to(_weakly_bound(self._next_seqno)) if isinstance(
            factory, IdFactory) else factory
        self._secret = _secret_bytes(secret)
        # weak references to the objects loaded or saved, by ID; those whose object died are
        # dropped when the cache has doubled since the last sweep: a WeakValueDictionary's
        # callbacks would cost more than the rest of caching a loaded object
        self._cache: dict[str, weakref.ref[Any]] = {}
        self._cache_sweep_at = _CACHE_SWEEP_MINIMUM
        self._batch: _Batch | None = None
        self._lock = threading.RLock()
        self._pid = os.getpid()
        _open_stores.add(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.display_url!r})"

    # -- record primitives -------------------------------------------------

    @abc.abstractmethod
    def _next_seqno(self) -> int:
        """Return a number never returned before by any instance on this storage."""

    @abc.abstractmethod
    def _read(self, id_: Id) -> bytes | None:
        """Return the record of `id_`, or None if there is none."""

    @abc.abstractmethod
    def _create(self, id_: Id, data: bytes, obj: Any) -> bool:
        """Store a new record; return False, changing nothing, if `id_` is taken."""

    @abc.abstractmethod
    def _update(self, id_: Id, data: bytes, obj: Any) -> bool:
        """Overwrite the record of `id_`; return False, changing nothing, if there is none."""

    @abc.abstractmethod
    def _delete(self, id_: Id) -> bool:
        """Delete the record of `id_`; return False if there is none."""

    @abc.abstractmethod
    def _ids(self, **filters: Any) -> Iterable[Id]:
        """Return the IDs of all records (matching `filters`, already checked)."""

    def _exists(self, id_: Id) -> bool:
        """Whether there is a record of `id_` (default: read it)."""
        return self._read(id_) is not None

    def _check_filters(self, filters: dict[str, Any]) -> None:
        """Raise `TypeError` for filters `list` cannot apply (default: it takes none)."""
        if filters:
            raise TypeError(f"{type(self).__name__}.list() takes no filters, "
                            f"got {', '.join(sorted(filters))}")

    def _transaction(self) -> contextlib.AbstractContextManager[None]:
        """Group the primitives called by one top-level operation (default: no grouping)."""
        return NO_GROUPING

    def _batch_scope(self) -> contextlib.AbstractContextManager[None]:
        """Group the operations of a `batch` (default: as one operation, `_transaction`)."""
        return self._transaction()

    def _after_fork(self) -> None:
        """Drop what this process inherited from its parent and must not use (default: nothing)."""

    # -- the contract ------------------------------------------------------

    def save(self, obj: Any) -> Id:
        return self._run_save(lambda session: self._save(session, obj))

    def replace(self, id_: str, obj: Any) -> None:
        checked = self._check_id(id_)
        self._run_save(lambda session: self._replace(session, checked, obj))

    def load(self, id_: str) -> Any:
        checked = self._check_id(id_)
        with self._lock:
            self._check_fork()
            return self._load(checked)

    def remove(self, id_: str) -> None:
        checked = self._check_id(id_)
        with self._lock:
            self._check_fork()
            with self._storage_errors(StoreError, checked), self._transaction():
                found = self._erase(checked)
            if not found:
                raise self._unknown(checked)
            self._cache.pop(checked, None)

    def list(self, **filters: Any) -> list[str]:
        self._check_filters(filters)
        with self._lock:
            self._check_fork()
            with self._storage_errors(StoreError, None):
                return list(self._ids(**filters))

    @property
    def offered_extensions(self) -> frozenset[str]:
        """The test kit's extensions this store offers (see ``docs/certify.md``)."""
        return _DURABLE_EXTENSIONS if self.flushes_to_disk else _EXTENSIONS

    def damage_record(self, id_: str, where: str) -> None:
        """Invert one byte of the stored record of `id_`, at its ``start``, ``middle`` or ``end``.

        The test kit calls it to check that a damaged record fails to load
        (its ``integrity`` extension); nothing else should.
        """
        checked = self._check_id(id_)
        with self._lock:
            self._check_fork()
            with self._storage_errors(StoreError, checked), self._transaction():
                data = self._read(checked)
                if data is None:
                    raise self._unknown(checked)
                self._update(checked, records.flip_byte(data, where), None)
            self._cache.pop(checked, None)

    def invalidate_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def post_fork(self) -> None:
        with self._lock:
            self._check_fork()

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Group the saves, replaces and removes inside the block into one unit.

        The block's writes are all kept, or, when it raises, none of them:
        records are put back as they were, and the objects saved in it lose
        the IDs they were given (IDs handed out in a batch that failed are
        never handed out again).  A SQL store runs the block as one
        transaction; a file store flushes the disk once, at its end.  A
        batch inside a batch joins the outer one.  The store is locked for
        the whole block, so other threads wait for it to end.
        """
        with self._lock:
            self._check_fork()
            if self._batch is not None:
                yield
                return
            batch = self._batch = _Batch()
            try:
                with self._batch_scope():
                    yield
            except BaseException:
                self._batch = None
                self._roll_back(batch)
                raise
            finally:
                self._batch = None

    def upgrade_records(self, *, trust_unsigned: bool = False) -> builtins.list[str]:
        """Rewrite, in place, every record not in the current format; return their IDs.

        That means records GC3Pie wrote (format version 0) and, for a store
        with a secret, unsigned records.  A store with a secret refuses to
        load unsigned records, since unpickling runs code: pass
        ``trust_unsigned=True`` only for a storage nobody else could write to.
        """
        upgraded: builtins.list[str] = []
        with self._lock:
            self._check_fork()
            for id_ in self._call_storage(StoreError, None, lambda: list(self._ids())):
                data = self._call_storage(LoadError, id_, self._read, id_)
                if data is None or records.is_current(data, self._secret):
                    continue
                secret = None if trust_unsigned else self._secret
                obj = self._decode(id_, data, secret)
                self._run_save(functools.partial(self._rewrite, id_=id_, obj=obj))
                upgraded.append(id_)
        return upgraded

    # -- the engine --------------------------------------------------------

    def _run_save(self, operation: Callable[[_SaveSession], _Result]) -> _Result:
        session = _SaveSession()
        with self._lock:
            self._check_fork()
            try:
                with self._transaction():
                    result = operation(session)
            except StoreError:
                self._undo(session)
                raise
            except Exception as exc:
                # the storage failing to open or to end the transaction (connecting, say)
                self._undo(session)
                raise self._storage_error(SaveError, None, exc) from exc
            except BaseException:
                self._undo(session)
                raise
            if self._batch is not None:
                self._batch.sessions.append(session)
            return result

    def _save(self, session: _SaveSession, obj: Any) -> Id:
        id_ = self._own_id(obj)
        if id_ is None:
            id_ = self._store_new_object(session, obj)
        else:
            data = self._encode(session, id_, obj)
            if not self._call_storage(SaveError, id_, self._overwrite, id_, data, obj):
                # the record was removed meanwhile: the object gets a new ID, and is pickled
                # again so that its references to itself name the new one
                id_ = self._store_new_object(session, obj)
        self._remember(id_, obj)
        return id_

    def _store_new_object(self, session: _SaveSession, obj: Any) -> Id:
        """Store `obj` under a new ID, then give it that ID; return it."""
        id_ = self._new_id(obj)
        # pickled before it carries the ID, which its record leaves out anyway: pickling then
        # has no ID attributes to leave out (references to `obj` take the ID from the session)
        self._store_new(session, id_, self._encode(session, id_, obj), obj)
        self._stamp(session, obj, id_)
        return id_

    def _replace(self, session: _SaveSession, id_: Id, obj: Any) -> None:
        # checked before pickling, which saves the new and changed objects `obj` refers to,
        # unless the failure of the replace itself takes those saves back (not so in a batch,
        # whose other operations are kept when the block catches the error)
        if not (self.rolls_back_operations and self._batch is None) and \
                not self._call_storage(SaveError, id_, self._exists, id_):
            raise self._unknown(id_)
        self._rewrite(session, id_=id_, obj=obj)
        self._stamp(session, obj, id_)
        self._remember(id_, obj)

    def _rewrite(self, session: _SaveSession, *, id_: Id, obj: Any) -> None:
        """Store `obj` under `id_`, whose record must exist, as it is now."""
        data = self._encode(session, id_, obj)
        if not self._call_storage(SaveError, id_, self._overwrite, id_, data, obj):
            raise self._unknown(id_)

    def _store_new(self, session: _SaveSession, id_: Id, data: bytes, obj: Any) -> None:
        if not self._call_storage(SaveError, id_, self._create, id_, data, obj):
            raise self._taken(id_)
        session.created.append(id_)
        if self._journaling():
            self._journal(lambda: self._delete(id_))

    def _overwrite(self, id_: Id, data: bytes, obj: Any) -> bool:
        """`_update`, journaled in a batch."""
        old = self._read(id_) if self._journaling() else None
        if not self._update(id_, data, obj):
            return False
        if old is not None:
            self._journal(lambda: self._update(id_, old, None))
        return True

    def _erase(self, id_: Id) -> bool:
        """`_delete`, journaled in a batch."""
        old = self._read(id_) if self._journaling() else None
        if not self._delete(id_):
            return False
        if old is not None:
            self._journal(lambda: self._create(id_, old, None))
        return True

    def _journaling(self) -> bool:
        return self._batch is not None and not self.rolls_back_batches

    def _journal(self, undo: Callable[[], object]) -> None:
        """Remember how to undo a write; callers journal only while `_journaling()`."""
        assert self._batch is not None
        self._batch.undo.append(undo)

    def _roll_back(self, batch: _Batch) -> None:
        """Undo what a failed batch did (the backend rolled back its storage already, or not)."""
        for undo in reversed(batch.undo):
            with contextlib.suppress(Exception):
                undo()
        for session in reversed(batch.sessions):
            session.restore_attributes()
            for id_ in session.created:
                self._cache.pop(id_, None)
            for id_, obj in session.uncached:
                self._remember(id_, obj)

    def _encode(self, session: _SaveSession, id_: Id, obj: Any) -> bytes:
        session.in_progress[id(obj)] = id_
        if hasattr(obj, "changed"):
            session.set_attribute(obj, "changed", False)
        try:
            return records.encode(obj, self.protocol,
                                  lambda nested: self._reference(session, nested), self._secret,
                                  id_)
        except StoreError:
            raise
        except Exception as exc:
            raise SaveError(f"cannot save {id_!r} in {self.display_url}: "
                            f"{type(exc).__name__}: {exc}") from exc

    def _reference(self, session: _SaveSession, obj: Persistable) -> str:
        in_progress = session.in_progress.get(id(obj))
        if in_progress is not None:
            return str(in_progress)
        id_ = self._own_id(obj)
        if id_ is None or getattr(obj, "changed", True):
            id_ = self._save(session, obj)
        return str(id_)

    def _new_id(self, obj: Any) -> Id:
        """A new ID for `obj`, from the idfactory."""
        raw = self._call_storage(SaveError, None, self.idfactory.new, obj)
        try:
            return Id.parse(raw)
        except (TypeError, ValueError) as exc:
            raise SaveError(f"the idfactory of {self.display_url} returned {raw!r} "
                            f"for a {type(obj).__name__}: {exc}") from exc

    def _stamp(self, session: _SaveSession, obj: Any, id_: Id) -> None:
        previous = self._own_id(obj)
        if previous is not None and previous != id_ and self._cached(previous) is obj:
            # `obj` now stands for `id_`: a load of `previous` must read its own record
            del self._cache[previous]
            session.uncached.append((previous, obj))
        session.in_progress[id(obj)] = id_
        for name in records.ID_ATTRIBUTES:
            session.set_attribute(obj, name, id_)

    def _undo(self, session: _SaveSession) -> None:
        session.restore_attributes()
        for id_, obj in session.uncached:
            self._remember(id_, obj)
        for id_ in session.created:
            self._cache.pop(id_, None)
            with contextlib.suppress(Exception):
                self._delete(id_)

    def _load(self, id_: Id) -> Any:
        cached = self._cached(id_)
        if cached is not None:
            return cached
        data = self._call_storage(LoadError, id_, self._read, id_)
        if data is None:
            raise self._unknown(id_)
        return self._decode(id_, data, self._secret)

    def _decode(self, id_: Id, data: bytes, secret: bytes | None) -> Any:
        try:
            obj = records.decode(data, self._load_reference,
                                 lambda created: self._remember(id_, created), secret, id_)
        except Exception as exc:
            self._cache.pop(id_, None)
            raise LoadError(f"cannot load {id_!r} from {self.display_url}: "
                            f"{type(exc).__name__}: {exc}") from exc
        _carry_id(obj, id_)
        self._remember(id_, obj)
        return obj

    def _load_reference(self, id_: str) -> Any:
        return self._load(self._check_id(id_))

    # -- helpers -----------------------------------------------------------

    def _check_id(self, id_: object) -> Id:
        try:
            return Id.parse(id_)
        except ValueError as exc:
            raise LoadError(f"{exc} (in {self.display_url})") from None

    @staticmethod
    def _own_id(obj: Any) -> Id | None:
        """The ID `obj` carries, if it carries a well-formed one."""
        carried = getattr(obj, "persistent_id", None)
        if carried is None:
            return None
        try:
            return Id.parse(carried)
        except (TypeError, ValueError):
            return None

    def _cached(self, id_: str) -> Any:
        """The object cached for `id_`, or None if none is cached or it is no longer alive."""
        reference = self._cache.get(id_)
        return None if reference is None else reference()

    def _remember(self, id_: Id, obj: Any) -> None:
        try:
            self._cache[id_] = weakref.ref(obj)
        except TypeError:
            return  # not weakly referenceable: loaded anew each time (clause 4)
        if len(self._cache) >= self._cache_sweep_at:
            self._sweep_cache()

    def _sweep_cache(self) -> None:
        """Drop the entries of objects no longer alive (so that the cache stays within twice
        the number of live ones, when it is larger than `_CACHE_SWEEP_MINIMUM`)."""
        cache = self._cache
        for id_ in [id_ for id_, reference in cache.items() if reference() is None]:
            del cache[id_]
        self._cache_sweep_at = max(_CACHE_SWEEP_MINIMUM, 2 * len(cache))

    def _check_fork(self) -> None:
        pid = os.getpid()
        if pid != self._pid:
            self._pid = pid
            self._after_fork()

    def _unknown(self, id_: Id) -> LoadError:
        return LoadError(f"no object with ID {str(id_)!r} in {self.display_url}")

    def _taken(self, id_: Id) -> SaveError:
        return SaveError(f"ID {str(id_)!r} is already taken in {self.display_url}: "
                         f"the idfactory handed out an ID in use")

    def _call_storage(self, error: type[StoreError], id_: Id | None,
                      primitive: Callable[..., _Result], *args: Any) -> _Result:
        """``primitive(*args)``, an error of the backing storage raised again as `error`."""
        # on every save and load: a try statement costs less than a context manager
        try:
            return primitive(*args)
        except StoreError:
            raise
        except Exception as exc:
            raise self._storage_error(error, id_, exc) from exc

    @contextlib.contextmanager
    def _storage_errors(self, error: type[StoreError], id_: Id | None) -> Iterator[None]:
        """Raise an error of the backing storage again as `error`, naming the store and ID."""
        try:
            yield
        except StoreError:
            raise
        except Exception as exc:
            raise self._storage_error(error, id_, exc) from exc

    def _storage_error(self, error: type[StoreError], id_: Id | None,
                       exc: Exception) -> StoreError:
        about = f" (ID {str(id_)!r})" if id_ is not None else ""
        return error(f"{self.display_url}{about}: {type(exc).__name__}: {exc}")
