"""Replaying a trace's system calls over the files and directories they touch, to find what
each operation between markers left unflushed when it returned."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from gc3store_testkit import syscalls
from gc3store_testkit.markers import MARKER_PATH, MARKING_CALLS
from gc3store_testkit.traced_files import Entries, File, Opened

_IGNORED_PREFIXES = ("/dev/", "/proc/", "/sys/")
_PROC_FD = re.compile(r"/proc/(?:self|thread-self|\d+)(?:/task/\d+)?/fd/(?P<fd>\d+)")


def unsynced(trace_text: str, cwd: str) -> list[str]:
    """What each operation between markers in `trace_text` left unflushed when it returned.

    `trace_text` is the output of ``strace -f -y`` (`durability.strace_options`);
    relative paths the trace does not resolve are relative to `cwd`.  Each
    operation's system calls are replayed in the order the trace gives them
    across threads and processes; what it left unflushed is:

    - a file written (``write``, ``pwrite64``, ``writev``, ``ftruncate``,
      ``fallocate``, ``copy_file_range``...) and not flushed since (``fsync``
      or ``fdatasync`` of it, or ``sync``/``syncfs``), unless it was opened
      ``O_SYNC`` or ``O_DSYNC``, or it has no name any more (it was unlinked,
      or it is an unnamed ``O_TMPFILE`` file never linked); its unflushed data
      follows it through renames and links;
    - a directory whose entries changed (a name created, linked, renamed,
      removed) and that was not flushed since; a name created and removed
      again within the operation leaves the directory as it was.

    An ``O_CREAT`` open without ``O_EXCL`` creates a name only when the trace
    has not shown that path existing before (the warm-up shows the store's
    files).  SQLite's shared-memory index (``*-shm``), which it rebuilds after
    a crash, and files under ``/dev``, ``/proc`` and ``/sys`` are ignored.
    """
    return [problem for window in windows(trace_text, cwd) for problem in window.problems]


@dataclass(frozen=True)
class Window:
    """One operation between its markers, and what it left unflushed."""

    number: int
    operation: str
    problems: list[str]
    changed_files: bool
    """Whether it changed any file or directory the trace shows, flushed or not."""


def windows(trace_text: str, cwd: str) -> list[Window]:
    """Each operation between markers in `trace_text`, and what it left unflushed."""
    replay = _Replay(cwd)
    for call in syscalls.calls(trace_text):
        replay.apply(call)
    return replay.windows


class _Replay:
    """The files and directories a trace shows, and what is unflushed since an operation began.

    Names are tracked across the whole trace (what existed, which file a
    descriptor or a name is); what is unflushed is forgotten at each
    operation's begin marker, since what came before is not its doing.
    """

    def __init__(self, cwd: str) -> None:
        self.windows: list[Window] = []
        self._cwd = cwd
        self._named: dict[str, File] = {}
        self._unnamed: dict[str, File] = {}
        """Files by the path their descriptors show with "(deleted)": an O_TMPFILE file, or the
        last file unlinked or renamed over at that path."""
        self._opened: dict[int, Opened] = {}
        self._directories: set[str] = set()
        self._aliases: dict[str, str] = {}
        """Directory paths given to calls, by the real paths the kernel showed for them."""
        self._unflushed: dict[File, None] = {}
        self._entries: dict[str, Entries] = {}
        self._operation: tuple[int, str] | None = None
        self._saw_changes = False
        """Whether the current operation changed a file or a directory, flushed or not."""

    def apply(self, call: syscalls.Call) -> None:
        if self._is_marker(call) or call.failed:
            return
        handler = CALLS.get(call.name)
        if handler is not None:
            handler(self, call)

    def _is_marker(self, call: syscalls.Call) -> bool:
        index = MARKING_CALLS.get(call.name)
        path = None if index is None or len(call.arguments) <= index \
            else syscalls.string(call.arguments[index])
        match = None if path is None else MARKER_PATH.fullmatch(path)
        if match is None:
            return False
        number = int(match["number"])
        if match["phase"] == "begin":
            self.flush_all()
            self._operation = (number, unquote(match["operation"] or f"operation {number}"))
            self._saw_changes = False
        elif self._operation is not None and self._operation[0] == number:
            self.windows.append(Window(number, self._operation[1],
                                       self._problems(self._operation[1]), self._saw_changes))
            self._operation = None
        return True

    def _problems(self, operation: str) -> list[str]:
        problems = []
        for file in self._unflushed:
            if file.names and file.unflushed:
                name = next(reversed(file.names))
                problems.append(f"{operation} returned before fsync of {name} "
                                f"({', '.join(file.unflushed)})")
        for directory, entries in self._entries.items():
            if entries.changes:
                problems.append(f"{operation} returned before fsync of the directory "
                                f"{directory} (entries {entries.describe()})")
        return problems

    # -- paths and files

    def raw_path(self, call: syscalls.Call, dirfd: int | None, index: int) -> str | None:
        """Argument `index` of `call` as an absolute path, resolved against argument `dirfd`."""
        text = syscalls.string(call.arguments[index])
        if text is None:
            return None
        base = self._cwd if dirfd is None else syscalls.descriptor(call.arguments[dirfd]).path
        return os.path.normpath(os.path.join(base or self._cwd, text))

    def path(self, call: syscalls.Call, dirfd: int | None, index: int) -> str | None:
        """`raw_path`, its directory named as the kernel names it (through symbolic links)."""
        raw = self.raw_path(call, dirfd, index)
        if raw is None:
            return None
        directory, name = os.path.split(raw)
        missing: list[str] = []
        while directory not in self._aliases:
            directory, part = os.path.split(directory)
            if not part:
                return raw
            missing.append(part)
        return os.path.join(self._aliases[directory], *reversed(missing), name)

    def _learn(self, requested: str | None, real: str) -> None:
        """The directory `requested`, opened, is `real` to the kernel (through a symbolic link)."""
        if requested is not None and requested != real:
            self._aliases[requested] = real

    def file_of(self, argument: str) -> File | None:
        """The file of the descriptor `argument` shows, None if it is no file that matters."""
        descriptor = syscalls.descriptor(argument)
        if descriptor.path is None or _ignored(descriptor.path):
            return None
        if descriptor.deleted:
            return self._unnamed.setdefault(descriptor.path, File())
        return self._named_file(descriptor.path)

    def _named_file(self, path: str) -> File:
        file = self._named.get(path)
        if file is None:
            file = self._named[path] = File({path: None})
        return file

    def linked_file(self, call: syscalls.Call, dirfd: int | None, index: int,
                    flags: int | None) -> File | None:
        """The file a link call links: a path, ``/proc/self/fd/N`` or an AT_EMPTY_PATH fd."""
        text = syscalls.string(call.arguments[index])
        if dirfd is not None and flags is not None and text == "" \
                and "AT_EMPTY_PATH" in syscalls.flags(call.arguments[flags]):
            return self.file_of(call.arguments[dirfd])
        match = None if text is None else _PROC_FD.fullmatch(text)
        if match is not None:
            opened = self._opened.get(int(match["fd"]))
            return File() if opened is None else opened.file
        path = self.path(call, dirfd, index)
        return None if path is None or _ignored(path) else self._named_file(path)

    # -- data

    def change(self, call: syscalls.Call, fd: int, how: str) -> None:
        """`call` changed the data of the file open as its argument `fd`."""
        if how == "written" and call.result == "0":
            return
        file = self.file_of(call.arguments[fd])
        if file is None:
            return
        descriptor = syscalls.descriptor(call.arguments[fd])
        opened = None if descriptor.number is None else self._opened.get(descriptor.number)
        if opened is not None and opened.file is file and opened.flushes_every_write:
            return
        self._changed(file, how)

    def truncate(self, path: str | None) -> None:
        if path is not None and not _ignored(path):
            self._changed(self._named_file(path), "truncated")

    def _changed(self, file: File, how: str) -> None:
        file.unflushed[how] = None
        self._unflushed[file] = None
        self._saw_changes = True

    def flush(self, argument: str) -> None:
        file = self.file_of(argument)
        if file is not None:
            file.unflushed.clear()
            self._unflushed.pop(file, None)
        descriptor = syscalls.descriptor(argument)
        if descriptor.path is not None and not descriptor.deleted:
            self._entries.pop(descriptor.path, None)

    def flush_all(self) -> None:
        for file in self._unflushed:
            file.unflushed.clear()
        self._unflushed.clear()
        self._entries.clear()

    # -- names

    def open(self, raw: str | None, flags_argument: str, result: str) -> None:
        descriptor = syscalls.descriptor(result)
        path = descriptor.path or raw
        if path is None or descriptor.number is None or _ignored(path):
            return
        flags = syscalls.flags(flags_argument)
        if "O_TMPFILE" in flags:
            self._learn(raw, os.path.dirname(path))
            file = self._unnamed[path] = File()  # a new file, even where an inode is reused
        elif "O_CREAT" in flags and ("O_EXCL" in flags or path not in self._named):
            file = self._new_file(path)
        else:
            file = self._named_file(path)
            if "O_TRUNC" in flags:
                self._changed(file, "truncated")
            if "O_DIRECTORY" in flags:
                self._learn(raw, path)
                self._directories.add(path)
        self._opened[descriptor.number] = Opened(file, bool(flags & {"O_SYNC", "O_DSYNC"}))

    def create(self, path: str | None) -> None:
        """A call made a new name at `path`: a symbolic link, a device node, a directory."""
        if path is not None and not _ignored(path):
            self._new_file(path)

    def create_directory(self, path: str | None) -> None:
        self.create(path)
        if path is not None:
            self._directories.add(path)

    def _new_file(self, path: str) -> File:
        """A call created the file `path` (whatever the trace showed there before is gone)."""
        self._unname(path)
        file = self._named[path] = File({path: None})
        self._entry_added(path, "created", existed=False)
        return file

    def link(self, file: File | None, path: str | None) -> None:
        if file is None or path is None or _ignored(path):
            return
        self._named[path] = file
        file.names[path] = None
        self._entry_added(path, "linked", existed=False)

    def unlink(self, path: str | None) -> None:
        if path is None or _ignored(path):
            return
        self._unname(path)
        self._directories.discard(path)
        self._entry_removed(path, "removed")

    def rename(self, source: str | None, target: str | None, flags_argument: str = "") -> None:
        if source is None or target is None:
            return
        if "RENAME_EXCHANGE" in syscalls.flags(flags_argument):
            self._exchange(source, target)
            return
        existed = target in self._named
        self._unname(target)
        moved = self._named.pop(source, None)
        if moved is not None:
            del moved.names[source]
            self._named[target] = moved
            moved.names[target] = None
        if source in self._directories:
            self._move_tree(source, target)
        self._entry_removed(source, "renamed away")
        self._entry_added(target, "renamed", existed)

    def _exchange(self, one: str, other: str) -> None:
        first, second = self._named.pop(one, None), self._named.pop(other, None)
        for file, old, new in ((first, one, other), (second, other, one)):
            if file is not None:
                del file.names[old]
                file.names[new] = None
                self._named[new] = file
        self._entry_added(one, "exchanged", existed=True)
        self._entry_added(other, "exchanged", existed=True)

    def _unname(self, path: str) -> None:
        """`path` no longer names its file: descriptors of that file show it "(deleted)"."""
        file = self._named.pop(path, None)
        if file is not None:
            del file.names[path]
            self._unnamed[path] = file

    def _move_tree(self, source: str, target: str) -> None:
        """Rename what the directory `source` holds, and its entries' changes, into `target`."""
        prefix = source + os.sep

        def moved(path: str) -> str:
            return target + path[len(source):] if path.startswith(prefix) else path

        for path in [path for path in self._named if path.startswith(prefix)]:
            file = self._named.pop(path)
            del file.names[path]
            file.names[moved(path)] = None
            self._named[moved(path)] = file
        self._entries = {moved(path): entries for path, entries in self._entries.items()}
        self._directories = {moved(path) for path in self._directories} | {target}

    def _entry_added(self, path: str, how: str, existed: bool) -> None:
        if not _ignored(path):
            directory, name = os.path.split(path)
            self._entries.setdefault(directory, Entries()).add(name, how, existed)
            self._saw_changes = True

    def _entry_removed(self, path: str, how: str) -> None:
        if not _ignored(path):
            directory, name = os.path.split(path)
            self._entries.setdefault(directory, Entries()).remove(name, how)
            self._saw_changes = True


_Handler = Callable[[_Replay, syscalls.Call], None]


def _change(fd: int, how: str) -> _Handler:
    return lambda replay, call: replay.change(call, fd, how)


CALLS: dict[str, _Handler] = {
    # the calls that change a file's data: the argument that is the file's descriptor
    "write": _change(0, "written"),
    "pwrite64": _change(0, "written"),
    "writev": _change(0, "written"),
    "pwritev": _change(0, "written"),
    "pwritev2": _change(0, "written"),
    "sendfile": _change(0, "written"),
    "copy_file_range": _change(2, "written"),
    "ftruncate": _change(0, "truncated"),
    "fallocate": _change(0, "allocated"),
    "truncate": lambda r, c: r.truncate(r.path(c, None, 0)),
    # the calls that flush
    "fsync": lambda r, c: r.flush(c.arguments[0]),
    "fdatasync": lambda r, c: r.flush(c.arguments[0]),
    "sync": lambda r, c: r.flush_all(),
    "syncfs": lambda r, c: r.flush_all(),
    # the calls that open, and may create, a file: its path (after its directory's fd), flags
    "open": lambda r, c: r.open(r.raw_path(c, None, 0), c.arguments[1], c.result),
    "openat": lambda r, c: r.open(r.raw_path(c, 0, 1), c.arguments[2], c.result),
    "openat2": lambda r, c: r.open(r.raw_path(c, 0, 1), c.arguments[2], c.result),
    "creat": lambda r, c: r.open(r.raw_path(c, None, 0), "O_CREAT|O_WRONLY|O_TRUNC", c.result),
    # the calls that change a directory's entries
    "rename": lambda r, c: r.rename(r.path(c, None, 0), r.path(c, None, 1)),
    "renameat": lambda r, c: r.rename(r.path(c, 0, 1), r.path(c, 2, 3)),
    "renameat2": lambda r, c: r.rename(r.path(c, 0, 1), r.path(c, 2, 3), c.arguments[4]),
    "link": lambda r, c: r.link(r.linked_file(c, None, 0, None), r.path(c, None, 1)),
    "linkat": lambda r, c: r.link(r.linked_file(c, 0, 1, 4), r.path(c, 2, 3)),
    "unlink": lambda r, c: r.unlink(r.path(c, None, 0)),
    "unlinkat": lambda r, c: r.unlink(r.path(c, 0, 1)),
    "rmdir": lambda r, c: r.unlink(r.path(c, None, 0)),
    "mkdir": lambda r, c: r.create_directory(r.path(c, None, 0)),
    "mkdirat": lambda r, c: r.create_directory(r.path(c, 0, 1)),
    "symlink": lambda r, c: r.create(r.path(c, None, 1)),
    "symlinkat": lambda r, c: r.create(r.path(c, 1, 2)),
    "mknod": lambda r, c: r.create(r.path(c, None, 0)),
    "mknodat": lambda r, c: r.create(r.path(c, 0, 1)),
}
"""What each traced call does, given the positions of its arguments."""


def _ignored(path: str) -> bool:
    # SQLite rebuilds its shared-memory index after a crash; the others are not storage
    return path.endswith("-shm") or path.startswith(_IGNORED_PREFIXES)
