"""`FilesystemStore`: one file per record in a directory, written atomically."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from gc3store.errors import SaveError, StoreError
from gc3store.ids import Id, IdFactory
from gc3store.store import DEFAULT_PROTOCOL, RecordStore, checked_flag

DEFAULT_DIRECTORY = os.path.join("~", ".gc3", "jobs")
SEQUENCE_FILE = ".gc3store-sequence"
SEQUENCE_BLOCK = 64
_SEQUENCE_WIDTH = 20
_TEMP_PREFIX = ".tmp-"
_HELD_TEMP_PREFIX = ".tmp-held-"
"""The name an unnamed file gets, locked, just before it is renamed over a record; never that of a
named temporary file ``.tmp-ID-...``, as no ID holds a ``-``."""
ABANDONED_AFTER_S = 60.0
"""How long a temporary file named before it was locked must have stayed unchanged, with no
writer holding it, before `list` removes it."""
_NO_UNNAMED_FILES = frozenset({errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL})
"""What opening an unnamed file (``O_TMPFILE``) fails with where the kernel or the file system
cannot make one (EISDIR: a kernel older than 3.11)."""
_FD_LINKS = "/proc/self/fd/"
"""Where a process finds its open files by descriptor, to give an unnamed one a name."""
_LARGEST_READ = 0x7FFFF000  # the most one read() returns on Linux; a larger record takes more
_DROPPED_BY_URLSPLIT = ("\t", "\n", "\r")


class FilesystemStore(RecordStore):
    """Keep each record in a file named after its ID, in one directory.

    ``file:///path/to/dir`` (or a plain path given to `make_store`) opens one.
    Records are written to a file that has no name yet, locked (``flock``)
    by its writer, and named only once written: a reader sees either the old
    record or the new one, never a mix, and a process killed while saving
    leaves no torn record.  A new record is linked straight to its ID, never
    replacing anything, so a record is never overwritten by a save that was
    meant to create one; a replacing one is linked to a temporary name
    ``.tmp-held-...`` and renamed over the record, its writer holding the
    lock all the while.  So a ``.tmp-held-...`` file no process holds is
    the leftover of a writer that is gone, and `list` removes it at once.

    Where the kernel or the file system makes no unnamed files (``O_TMPFILE``,
    Linux 3.11 or later) or ``/proc`` is not mounted, records are written to a
    file named ``.tmp-ID-...`` from the start, and the writer locks it just
    after creating it; `list` removes such a file (and those of earlier
    versions, which did not hold the lock until the record was in place) once
    no process holds it and it has not changed for `ABANDONED_AFTER_S`.

    IDs are numbered from the counter file ``.gc3store-sequence``, which
    processes share under an ``fcntl`` lock; each store instance reserves
    numbers in blocks of 64, so IDs from concurrent processes never collide
    and the numbers of removed records are never used again.  IDs are unique
    but, across processes, not in the order the saves happened.

    With ``durable=True`` (the default) every file and every change to the
    directory is flushed to disk (``fsync``) before the call returns, so a
    returned save survives a power loss.  With ``durable=False`` nothing is
    flushed: a returned save survives a crash of the process but not
    necessarily a power loss, and after a power loss the numbers of
    records saved just before it may be handed out again (the store then
    refuses the save rather than overwrite a record).

    Re-saving an object whose record was removed gives it a new ID.  The
    gc3pie keywords `table_name` and `extra_fields` are accepted and ignored.
    """

    def __init__(self, directory: str | os.PathLike[str] = DEFAULT_DIRECTORY,
                 idfactory: IdFactory | None = None, protocol: int = DEFAULT_PROTOCOL, *,
                 durable: bool = True, create: bool = True, table_name: str | None = None,
                 extra_fields: dict[Any, Any] | None = None, url: str | None = None,
                 secret: str | bytes | None = None) -> None:
        path = os.path.abspath(os.path.expanduser(os.fspath(directory)))
        super().__init__(url or f"file://{quote(path)}", idfactory=idfactory, protocol=protocol,
                         secret=secret)
        self.directory = path
        self._record_path_prefix = os.path.join(path, "")
        self.durable = checked_flag("durable", durable)
        self.flushes_to_disk = self.durable
        self._open_directory(checked_flag("create", create))
        self._sequence_path = os.path.join(path, SEQUENCE_FILE)
        self._block_next = self._block_end = 0
        self._sync_deferred = False
        self._unnamed_files: bool | None = None if hasattr(os, "O_TMPFILE") else False
        """Whether records are written as unnamed files (None: not found out yet)."""

    @classmethod
    def from_url(cls, url: str, *args: Any, **kwargs: Any) -> FilesystemStore:
        """Open the store a ``file://`` URL names; a `directory` keyword is ignored."""
        form = "a file URL has the form 'file:///absolute/path/to/directory'"
        if any(character in url for character in _DROPPED_BY_URLSPLIT):
            # urlsplit drops them, and the store would open another directory than the one named
            raise StoreError(f"cannot open a FilesystemStore on {url!r}: a tab or a line end "
                             f"in a file URL must be %-escaped (%09, %0A, %0D)")
        try:
            parts = urlsplit(url)
            path = unquote(parts.path, errors="strict")
        except (ValueError, UnicodeDecodeError) as exc:
            raise StoreError(f"cannot open a FilesystemStore on {url!r}: {exc}; {form}") from None
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost") \
                or not path or parts.query or parts.fragment:
            raise StoreError(f"cannot open a FilesystemStore on {url!r}: {form}")
        kwargs.pop("directory", None)
        return cls(path, *args, url=url, **kwargs)

    def _open_directory(self, create: bool) -> None:
        if "\0" in self.directory:
            raise StoreError(f"a store directory cannot contain a NUL byte: {self.directory!r}")
        if create:
            try:
                os.makedirs(self.directory, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the store directory {self.directory!r}: "
                                 f"{exc.strerror}") from exc
        if not os.path.isdir(self.directory):
            raise StoreError(f"the store directory {self.directory!r} does not exist "
                             f"(create=True would create it)")

    # -- record primitives -------------------------------------------------

    def _next_seqno(self) -> int:
        if self._block_next >= self._block_end:
            self._block_next = self._reserve_block()
            self._block_end = self._block_next + SEQUENCE_BLOCK
        seqno = self._block_next
        self._block_next += 1
        return seqno

    def _read(self, id_: Id) -> bytes | None:
        path = self._path(id_)
        try:
            # O_NONBLOCK: a FIFO put in place of a record would block the open until a writer came
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
        except FileNotFoundError:
            return None
        try:
            return _read_record(fd, path)
        finally:
            os.close(fd)

    def _exists(self, id_: Id) -> bool:
        return os.path.isfile(self._path(id_))

    def _create(self, id_: Id, data: bytes, obj: Any) -> bool:
        fd, temporary = self._write_temporary(id_, data)
        try:
            if temporary is None:
                _link_unnamed(fd, self._path(id_))
            else:
                os.link(temporary, self._path(id_))
        except FileExistsError:
            return False
        finally:
            if temporary is not None:
                os.unlink(temporary)
            os.close(fd)
        try:
            self._sync_directory()
        except BaseException:
            # the save fails, so the record it linked must not stay behind
            with contextlib.suppress(OSError):
                os.unlink(self._path(id_))
            raise
        return True

    def _update(self, id_: Id, data: bytes, obj: Any) -> bool:
        with self._locked_record(id_) as found:
            if not found:
                return False
            fd, temporary = self._write_temporary(id_, data)
            try:
                if temporary is None:
                    temporary = (f"{self._record_path_prefix}{_HELD_TEMP_PREFIX}"
                                 f"{os.urandom(8).hex()}")
                    _link_unnamed(fd, temporary)
                try:
                    os.replace(temporary, self._path(id_))
                except BaseException:
                    os.unlink(temporary)
                    raise
            finally:
                os.close(fd)
        self._sync_directory()
        return True

    def _delete(self, id_: Id) -> bool:
        with self._locked_record(id_) as found:
            if not found:
                return False
            os.unlink(self._path(id_))
        self._sync_directory()
        return True

    def _ids(self, **filters: Any) -> list[Id]:
        ids = []
        with os.scandir(self.directory) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    if entry.name.startswith(_TEMP_PREFIX):
                        _remove_if_abandoned(entry)
                    continue
                if not entry.is_file():  # a FIFO or a directory named like an ID never loads
                    continue
                with contextlib.suppress(ValueError):
                    ids.append(Id.parse(entry.name))
        return ids

    @contextlib.contextmanager
    def _batch_scope(self) -> Iterator[None]:
        """Flush the disk once, when the batch ends, instead of at every write."""
        self._sync_deferred = True
        try:
            yield
        finally:
            self._sync_deferred = False
            if self.durable:
                try:
                    os.sync()
                except OSError as exc:
                    raise SaveError(f"cannot flush the batch written to {self.display_url} "
                                    f"to disk: {exc.strerror}") from exc

    def _after_fork(self) -> None:
        # the parent goes on drawing from the block it reserved
        self._block_next = self._block_end = 0

    # -- files -------------------------------------------------------------

    def _path(self, id_: Id) -> str:
        # an ID is a checked PREFIX.N, which holds no separator: no need for os.path.join
        return self._record_path_prefix + id_

    def _write_temporary(self, id_: Id, data: bytes) -> tuple[int, str | None]:
        """Write `data` to a new file beside the records, and return it open and locked, with
        its path, or None for a file that has no name.

        The caller closes it only once the file is in place or its name removed: `list`
        removes the temporary files no writer holds.
        """
        fd = self._open_unnamed() if self._unnamed_files is not False else None
        path = None
        if fd is None:
            # random, not counted: a writer killed earlier may have left a file under the name a
            # counter in this process (whose PID it may have had) would draw again
            path = os.path.join(self.directory, f"{_TEMP_PREFIX}{id_}-{os.urandom(8).hex()}")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            _write_all(fd, data)
            if self.durable and not self._sync_deferred:
                os.fsync(fd)
        except BaseException:
            if path is not None:
                os.unlink(path)
            os.close(fd)
            raise
        return fd, path

    def _open_unnamed(self) -> int | None:
        """A new unnamed file in the store directory, or None where none can be made (the
        first call finds out, for the later ones)."""
        try:
            fd = os.open(self.directory, os.O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC, 0o666)
        except OSError as exc:
            if exc.errno not in _NO_UNNAMED_FILES:
                raise
            self._unnamed_files = False
            return None
        if self._unnamed_files is None:
            # it gets its name through /proc, which a chroot or a container may lack
            self._unnamed_files = os.path.exists(f"{_FD_LINKS}{fd}")
            if not self._unnamed_files:
                os.close(fd)
                return None
        return fd

    @contextlib.contextmanager
    def _locked_record(self, id_: Id) -> Iterator[bool]:
        """Hold an exclusive lock on the record of `id_`; yield whether it exists.

        Replacing and removing take this lock, so a replace never brings
        back a record that a concurrent remove deleted.
        """
        path = self._path(id_)
        while True:
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
            except FileNotFoundError:
                yield False
                return
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                if self._still_linked(fd, path):
                    yield True
                    return
            finally:
                os.close(fd)

    @staticmethod
    def _still_linked(fd: int, path: str) -> bool:
        """Whether `path` still names the file open as `fd` (it was not replaced or removed)."""
        try:
            current = os.stat(path)
        except FileNotFoundError:
            return False
        opened = os.fstat(fd)
        return (current.st_dev, current.st_ino) == (opened.st_dev, opened.st_ino)

    def _sync_directory(self) -> None:
        if not self.durable or self._sync_deferred:
            return
        fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _reserve_block(self) -> int:
        """Take the next `SEQUENCE_BLOCK` numbers from the shared counter file."""
        try:
            # never through a link: the counter would be written wherever it points
            fd = os.open(self._sequence_path,
                         os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o666)
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
            raise StoreError(f"the ID counter {self._sequence_path!r} of {self.display_url} is a "
                             f"symbolic link; it must be a regular file in the store directory "
                             f"(remove the link, and the store numbers on from its highest "
                             f"ID)") from exc
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise StoreError(f"the ID counter {self._sequence_path!r} of {self.display_url} "
                                 f"is not a regular file")
            fcntl.flock(fd, fcntl.LOCK_EX)
            text = os.pread(fd, _SEQUENCE_WIDTH + 1, 0)
            start = self._parse_sequence(text) if text else self._highest_seqno() + 1
            # one write of a few bytes at offset 0 is never torn
            os.pwrite(fd, f"{start + SEQUENCE_BLOCK:>{_SEQUENCE_WIDTH}}\n".encode(), 0)
            if self.durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        if not text:
            self._sync_directory()
        return start

    def _parse_sequence(self, text: bytes) -> int:
        try:
            number = int(text)
        except ValueError:
            number = -1
        if number < 0:
            raise StoreError(f"the ID counter {self._sequence_path!r} is damaged "
                             f"(it holds {text[:40]!r}, not a number of 0 or more); delete it "
                             f"and numbering restarts after the highest ID in the store")
        return number

    def _highest_seqno(self) -> int:
        return max((id_.seqno for id_ in self._ids()), default=0)


def _read_record(fd: int, path: str) -> bytes:
    """The contents of the record file open as `fd`, which must be a regular file.

    A record file is never written in place (a new one is moved over it),
    so the size ``fstat`` gives is the whole record: one ``read`` of it
    saves a buffered read's look for the end of the file.  A file cut
    short meanwhile gives fewer bytes, which fail the record's checks.
    """
    status = os.fstat(fd)
    if not stat.S_ISREG(status.st_mode):
        raise OSError(errno.EINVAL, "not a regular file, as a record is", path)
    size = status.st_size
    if size < _LARGEST_READ:
        return os.read(fd, size)
    with open(fd, "rb", closefd=False) as stream:
        return stream.read()


def _write_all(fd: int, data: bytes) -> None:
    """Write all of `data` to the file open as `fd` (a write may take only part of it)."""
    with memoryview(data) as view:
        written = os.write(fd, view)
        while written < len(view):
            written += os.write(fd, view[written:])


def _link_unnamed(fd: int, path: str) -> None:
    """Give the unnamed file open as `fd` the name `path`; FileExistsError if it is taken."""
    # linkat(AT_SYMLINK_FOLLOW) through /proc needs no privilege (AT_EMPTY_PATH does); os.link
    # calls linkat, not link(), which does not follow the /proc link, only when given a directory
    # fd before Python 3.14 (CPython gh-81793); the kernel ignores it for an absolute path
    os.link(f"{_FD_LINKS}{fd}", path, src_dir_fd=fd, follow_symlinks=True)


def _remove_if_abandoned(entry: os.DirEntry[str]) -> None:
    """Remove the temporary file `entry` if the writer that made it is gone.

    A writer holds the lock of a ``.tmp-held-...`` file for as long as the
    file has that name, so it is gone when no process holds the lock.  A
    ``.tmp-ID-...`` file was named before it was locked (and earlier
    versions closed it before moving it into place), so its writer is gone
    when no process holds its lock and it has not changed for
    `ABANDONED_AFTER_S`.  A file that cannot be opened or removed (a
    read-only directory) is left.
    """
    try:
        fd = os.open(entry.path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError:
        return
    try:
        if not entry.name.startswith(_HELD_TEMP_PREFIX) \
                and time.time() - os.fstat(fd).st_mtime < ABANDONED_AFTER_S:
            return
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.unlink(entry.path)
    except OSError:
        return  # a writer holds it, another list() removed it first, or it cannot be removed
    finally:
        os.close(fd)
