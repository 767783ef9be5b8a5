"""A backend written on `gc3store.Store` alone: the example of one that the kit certifies.

`PlainStore` is what a third-party author who read only GC3Pie's documented contract would
write: no `RecordStore`, no record format of gc3store's, one pickle file per object in a
directory.  It offers no extension (no batches, no record integrity, no changed-flag economy);
``test_plain_store.py`` certifies it with the kit.  Load it with ``-p plain_store``, which
registers the scheme ``plain``: ``plain:///absolute/path/to/directory``.
"""

from __future__ import annotations

import builtins
import contextlib
import fcntl
import io
import operator
import os
import pickle
import re
import stat
import threading
import weakref
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

from gc3store import LoadError, Persistable, SaveError, Store, StoreError, register

PROTOCOL = pickle.DEFAULT_PROTOCOL
PREFIX = r"[^\W\d]\w{0,99}"
ID_PATTERN = re.compile(rf"{PREFIX}\.[1-9][0-9]{{0,17}}")
ID_FORM = "'Prefix.N' (Prefix a Python identifier of up to 100 characters, N a number from 1)"
ID_ATTRIBUTES = ("persistent_id", "_id")
COUNTER_FILE = ".counter"
TEMPORARY_PREFIX = ".tmp-"
NUMBERS_PER_RESERVATION = 16


class _SaveSession:
    """What one save or replace pickled: written only once all of it pickled, else undone."""

    def __init__(self) -> None:
        self.ids: dict[int, str] = {}
        """The ID of each object pickled so far, by ``id(obj)`` (`saved` keeps them alive)."""
        self.saved: list[tuple[Any, str]] = []
        self.records: dict[str, tuple[bytes, bool]] = {}
        """Each record to write: its pickle, and whether it is new (else it overwrites one)."""
        self.created: list[str] = []
        self.flags: list[tuple[Any, Any]] = []
        """The `changed` flag each object had before this save cleared it."""

    def restore_flags(self) -> None:
        for obj, changed in reversed(self.flags):
            with contextlib.suppress(AttributeError, TypeError):
                obj.changed = changed


class _Pickler(pickle.Pickler):
    """Pickle the `Persistable` objects inside the object saved as references to their records."""

    def __init__(self, stream: io.BytesIO, store: PlainStore, session: _SaveSession,
                 inline: Any) -> None:
        super().__init__(stream, PROTOCOL)
        self._store, self._session, self._inline = store, session, inline

    def persistent_id(self, obj: Any) -> str | None:
        if obj is self._inline or not isinstance(obj, Persistable):
            return None
        return self._store._reference(self._session, obj)


class _Unpickler(pickle.Unpickler):
    """Load the references of a record through the store, so that shared objects load as one."""

    def __init__(self, data: bytes, store: PlainStore, loading: dict[str, Any]) -> None:
        super().__init__(io.BytesIO(data))
        self._store, self._loading = store, loading

    def persistent_load(self, pid: Any) -> Any:
        if not isinstance(pid, str) or ID_PATTERN.fullmatch(pid) is None:
            raise pickle.UnpicklingError(f"a reference to {pid!r}, which is not an ID")
        return self._store._resolve(pid, self._loading)


class PlainStore(Store):
    """Keep each object as a pickle file named after its ID, in one directory.

    IDs are ``Prefix.N``: the object's class name and a number reserved from the counter file
    under an ``fcntl`` lock (16 at a time), so that no number is handed out twice, by any
    instance or process, also after a remove; a forked child drops the numbers its parent
    holds.  A save pickles the object and every `Persistable` object it refers to, each into a
    record of its own (always written again, changed or not), and only then writes them all:
    each to a temporary file, flushed, then linked into place for a new record (which never
    overwrites one) or renamed over the old one.  A save that fails writes nothing and leaves
    no ID behind.  Loaded and saved objects are cached weakly.  A writer killed mid-save may
    leave a ``.tmp-`` file, which the store ignores and anyone may delete.
    """

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.directory = _directory_of(url)
        try:
            os.makedirs(self.directory, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the directory of {url!r}: {exc}") from exc
        self._cache: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()
        self._numbers_lock = threading.Lock()
        self._next_number = self._end_number = 0
        self._pid = os.getpid()

    # -- the contract ------------------------------------------------------

    def save(self, obj: Any) -> str:
        return self._save(obj, None)

    def replace(self, id_: str, obj: Any) -> None:
        checked = self._checked(id_)
        if not os.path.isfile(self._path(checked)):
            raise self._unknown(checked)
        self._save(obj, checked)

    def load(self, id_: str) -> Any:
        checked = self._checked(id_)
        loading: dict[str, Any] = {}
        obj = self._resolve(checked, loading)
        for loaded_id, loaded in loading.items():
            with contextlib.suppress(TypeError):  # not weakly referenceable: loaded anew
                self._cache[loaded_id] = loaded
        return obj

    def remove(self, id_: str) -> None:
        checked = self._checked(id_)
        with self._os_errors_as(StoreError, checked), self._locked_record(checked) as found:
            if not found:
                raise self._unknown(checked)
            os.unlink(self._path(checked))
            self._sync_directory()
        self._cache.pop(checked, None)

    def list(self, **filters: Any) -> builtins.list[str]:
        if filters:
            raise TypeError(f"PlainStore.list() takes no filters, got {sorted(filters)}")
        with self._os_errors_as(StoreError, None), os.scandir(self.directory) as entries:
            return [entry.name for entry in entries
                    if ID_PATTERN.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)]

    def invalidate_cache(self) -> None:
        self._cache.clear()

    def pre_fork(self) -> None:
        """Nothing to release: the store holds no open file or lock between calls."""

    def post_fork(self) -> None:
        self._notice_fork()

    # -- saving ------------------------------------------------------------

    def _save(self, obj: Any, id_: str | None) -> str:
        """Save `obj` under `id_` (a record that exists) or else the ID it carries, or a new one.

        Nothing is written until `obj` and the `Persistable` objects inside it have all pickled;
        if anything fails, the records created are deleted and the objects are left as they were.
        """
        session = _SaveSession()
        try:
            id_ = self._pickle_into(session, obj, id_)
            self._write(session)
        except BaseException as exc:
            session.restore_flags()
            for created in session.created:
                with contextlib.suppress(OSError):
                    os.unlink(self._path(created))
            if isinstance(exc, StoreError) or not isinstance(exc, Exception):
                raise
            raise SaveError(f"cannot save in {self.url}: {type(exc).__name__}: {exc}") from exc
        self._remember(session)
        return id_

    def _pickle_into(self, session: _SaveSession, obj: Any, id_: str | None) -> str:
        """Pickle `obj` into `session` under `id_` (a record that exists), or else the ID it
        carries, or a new one; return that ID."""
        existing = id_ if id_ is not None else self._carried_id(obj)
        id_ = existing if existing is not None else self._new_id(obj)
        session.ids[id(obj)] = id_
        session.saved.append((obj, id_))
        if hasattr(obj, "changed"):
            session.flags.append((obj, obj.changed))
            obj.changed = False
        head, tail = _parts(obj)
        stream = io.BytesIO()
        pickler = _Pickler(stream, self, session, obj if tail is None else None)
        try:
            pickler.dump(head)
            if tail is not None:
                pickler.dump(tail)
        except StoreError:
            raise
        except Exception as exc:
            raise SaveError(f"cannot pickle the {type(obj).__name__} to save as {id_!r} in "
                            f"{self.url}: {type(exc).__name__}: {exc}") from exc
        session.records[id_] = (stream.getvalue(), existing is None)
        return id_

    def _reference(self, session: _SaveSession, obj: Persistable) -> str:
        """The ID of a `Persistable` object met while pickling: saved again unless it already is."""
        known = session.ids.get(id(obj))
        return known if known is not None else self._pickle_into(session, obj, None)

    def _carried_id(self, obj: Any) -> str | None:
        """The ID `obj` carries, if it names a record of this store."""
        carried = getattr(obj, "persistent_id", None)
        if isinstance(carried, str) and ID_PATTERN.fullmatch(carried) \
                and os.path.isfile(self._path(carried)):
            return carried
        return None

    def _new_id(self, obj: Any) -> str:
        prefix = type(obj).__name__
        if re.fullmatch(PREFIX, prefix) is None:
            prefix = "Object"
        return f"{prefix}.{self._number()}"

    def _write(self, session: _SaveSession) -> None:
        """Write every record of `session`: each to a flushed temporary file, then into place."""
        temporaries: dict[str, str] = {}
        try:
            for id_, (data, _) in session.records.items():
                temporaries[id_] = self._write_temporary(id_, data)
            for id_, (_, new) in session.records.items():
                if new:
                    os.link(temporaries[id_], self._path(id_))  # refuses to replace a record
                    session.created.append(id_)
                else:
                    self._move_over(temporaries[id_], id_)
                    del temporaries[id_]
        finally:
            for path in temporaries.values():
                with contextlib.suppress(OSError):
                    os.unlink(path)
        self._sync_directory()

    def _write_temporary(self, id_: str, data: bytes) -> str:
        path = os.path.join(self.directory, f"{TEMPORARY_PREFIX}{id_}-{os.urandom(8).hex()}")
        with open(path, "xb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        return path

    def _move_over(self, temporary: str, id_: str) -> None:
        with self._locked_record(id_) as found:
            if not found:
                raise LoadError(f"no object with ID {id_!r} in {self.url} (it was removed "
                                f"while being saved)")
            os.replace(temporary, self._path(id_))

    def _remember(self, session: _SaveSession) -> None:
        """Give the objects of a successful save their IDs, and cache them."""
        for obj, id_ in session.saved:
            previous = getattr(obj, "persistent_id", None)
            if isinstance(previous, str) and previous != id_ and self._cache.get(previous) is obj:
                self._cache.pop(previous, None)  # `obj` now stands for `id_`, not `previous`
            _carry_id(obj, id_)
            with contextlib.suppress(TypeError):
                self._cache[id_] = obj

    # -- loading -----------------------------------------------------------

    def _resolve(self, id_: str, loading: dict[str, Any]) -> Any:
        """The object `id_` names: being loaded by this load, cached, or read from its record."""
        found = loading.get(id_)
        if found is None:
            found = self._cache.get(id_)
        return found if found is not None else self._unpickled(id_, loading)

    def _unpickled(self, id_: str, loading: dict[str, Any]) -> Any:
        data = self._read(id_)
        try:
            unpickler = _Unpickler(data, self, loading)
            match unpickler.load():
                case ("shell", make, arguments):
                    obj = loading[id_] = make(*arguments)  # before its state refers back to it
                    unpickler.load()
                case ("object", obj):
                    loading[id_] = obj
                case head:
                    raise ValueError(f"not a record of a PlainStore (it begins {head!r:.80})")
        except Exception as exc:
            loading.pop(id_, None)
            raise LoadError(f"cannot load {id_!r} from {self.url}: "
                            f"{type(exc).__name__}: {exc}") from exc
        _carry_id(obj, id_)
        return obj

    def _read(self, id_: str) -> bytes:
        try:
            # O_NONBLOCK: a FIFO named like an ID would block the open
            fd = os.open(self._path(id_), os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
        except FileNotFoundError:
            raise self._unknown(id_) from None
        with self._os_errors_as(LoadError, id_), open(fd, "rb") as stream:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise LoadError(f"{id_!r} in {self.url} is not a regular file, as records are")
            return stream.read()

    # -- IDs, numbers and files --------------------------------------------

    def _checked(self, id_: object) -> str:
        if not isinstance(id_, str):
            raise TypeError(f"an object ID is a str of the form {ID_FORM}, "
                            f"not {type(id_).__name__} {id_!r:.80}")
        if ID_PATTERN.fullmatch(id_) is None:
            raise LoadError(f"malformed object ID {id_!r:.80} for {self.url}: IDs have the "
                            f"form {ID_FORM}")
        return str(id_)

    def _number(self) -> int:
        self._notice_fork()
        with self._numbers_lock:
            if self._next_number >= self._end_number:
                self._next_number = self._reserve_numbers()
                self._end_number = self._next_number + NUMBERS_PER_RESERVATION
            self._next_number += 1
            return self._next_number - 1

    def _reserve_numbers(self) -> int:
        """Take the next numbers from the counter file, under its lock; return the first."""
        fd = os.open(os.path.join(self.directory, COUNTER_FILE),
                     os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            text = os.pread(fd, 64, 0)
            first = int(text) if text.strip() else self._highest_number() + 1
            os.pwrite(fd, b"%20d\n" % (first + NUMBERS_PER_RESERVATION), 0)
            os.fsync(fd)
        finally:
            os.close(fd)
        if not text.strip():
            self._sync_directory()
        return first

    def _highest_number(self) -> int:
        return max((int(id_.rpartition(".")[2]) for id_ in self.list()), default=0)

    def _notice_fork(self) -> None:
        if os.getpid() != self._pid:
            # the numbers reserved before the fork are the parent's, and the lock may have been
            # held by a thread the child does not have
            self._pid = os.getpid()
            self._numbers_lock = threading.Lock()
            self._next_number = self._end_number = 0

    def _path(self, id_: str) -> str:
        return os.path.join(self.directory, id_)  # a checked ID holds no separator

    @contextlib.contextmanager
    def _locked_record(self, id_: str) -> Iterator[bool]:
        """Hold an exclusive lock on the record of `id_`; yield whether there is one.

        Replacing and removing take it, so a replace never brings back a record that a
        concurrent remove deleted.
        """
        path = self._path(id_)
        while True:
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
            except FileNotFoundError:
                fd = -1
            if fd < 0:
                yield False
                return
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                if _still_linked(fd, path):
                    yield True
                    return
            finally:
                os.close(fd)

    def _sync_directory(self) -> None:
        fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def _os_errors_as(self, error: type[StoreError], id_: str | None) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            about = f" (ID {id_!r})" if id_ is not None else ""
            raise error(f"{self.url}{about}: {type(exc).__name__}: {exc}") from exc

    def _unknown(self, id_: str) -> LoadError:
        return LoadError(f"no object with ID {id_!r} in {self.url}")


def _parts(obj: Any) -> tuple[tuple[Any, ...], _StateOf | None]:
    """The parts of the record of `obj`: how to make it, then the state to give it (or None).

    A `Persistable` object is made before its state is loaded, so that the objects its state
    refers to can refer back to it (a cycle); any other object is pickled whole.
    """
    if isinstance(obj, Persistable):
        reduced = obj.__reduce_ex__(PROTOCOL)
        if isinstance(reduced, tuple) and 2 <= len(reduced) <= 6:
            return ("shell", reduced[0], reduced[1]), _StateOf(obj, reduced[2:])
    return ("object", obj), None


class _StateOf:
    """Pickles as ``[obj][0]`` with the state (and items) `rest` of ``obj.__reduce_ex__``.

    `obj` is pickled as a reference to its own ID, which the load finds among the objects it
    is loading: pickle's BUILD then gives the object made from the first part its state,
    exactly as for an unsplit pickle.
    """

    def __init__(self, obj: Any, rest: tuple[Any, ...]) -> None:
        self.obj, self.rest = obj, rest

    def __reduce__(self) -> tuple[Any, ...]:
        return (operator.getitem, ([self.obj], 0), *self.rest)


def _carry_id(obj: Any, id_: str) -> None:
    for name in ID_ATTRIBUTES:
        with contextlib.suppress(AttributeError, TypeError):  # a dict, an int: no attributes
            setattr(obj, name, id_)


def _still_linked(fd: int, path: str) -> bool:
    """Whether `path` still names the file open as `fd` (it was not replaced or removed)."""
    try:
        current = os.stat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(fd)
    return (current.st_dev, current.st_ino) == (opened.st_dev, opened.st_ino)


def _directory_of(url: str) -> str:
    parts = urlsplit(url)
    path = unquote(parts.path)
    if parts.scheme != "plain" or parts.netloc not in ("", "localhost") or parts.query \
            or parts.fragment or not os.path.isabs(path) or "\0" in path:
        raise StoreError(f"cannot open a PlainStore on {url!r}: its URL has the form "
                         f"'plain:///absolute/path/to/directory'")
    return path


def open_plain_store(uri: str) -> PlainStore:
    """The constructor of the ``plain`` scheme: the store in the directory `uri` names."""
    return PlainStore(uri)


register("plain", open_plain_store)
