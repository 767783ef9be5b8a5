"""Fixtures of the hostile-input tests: a sandbox per generated case, a record of every path the
code under test touches (through ``sys.addaudithook``), the hostile values the tests draw, the
check that `make_store` raises only what it documents, a storage of each reference store, a
user without write permission, a disk that fills up, and the hypothesis settings the tests share.

An audit hook cannot be removed, so one is installed per process, the first time it is asked
for, and does nothing unless a recording is running; a recording also refuses writes outside
its sandbox before they happen.  SQLite's own files (``-wal``, ``-shm``) are made by C code that
raises no audit event; opening the database does (``sqlite3.connect``).  Modules the stores
import lazily (SQLAlchemy's dialects, the database drivers) are imported here, before any
recording, so that what a recording sees is the store's own doing.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import errno
import os
import secrets
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
import sqlalchemy as sa

# imported now: their first import inside a recording would read (and compile) their sources
import sqlalchemy.dialects.mysql.pymysql
import sqlalchemy.dialects.postgresql.psycopg
import sqlalchemy.dialects.sqlite.pysqlite
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

import gc3store
from gc3store import Store, StoreError, make_store

settings.register_profile(
    "gc3store-inputs", max_examples=40, deadline=None, database=None, derandomize=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
"""Few examples each: the whole directory runs in well under a minute under coverage."""

_PATH_ARGUMENTS: dict[str, tuple[int, ...]] = {
    "open": (0,), "os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.rename": (0, 1),
    "os.link": (0, 1), "os.symlink": (1,), "os.truncate": (0,), "os.chmod": (0,),
    "os.chown": (0,), "os.utime": (0,), "os.listdir": (0,), "os.scandir": (0,),
    "os.chdir": (0,), "os.mkfifo": (0,), "os.mknod": (0,), "os.setxattr": (0,),
    "os.removexattr": (0,), "shutil.rmtree": (0,), "shutil.copyfile": (0, 1),
    "shutil.copytree": (0, 1), "shutil.move": (0, 1), "sqlite3.connect": (0,),
    "glob.glob": (0,),
}
"""Audit events that name a file, and where its path is among their arguments."""

_DIR_FD_ARGUMENT = {"os.remove": 1, "os.rmdir": 1, "os.mkdir": 2, "os.rename": 2, "os.link": 2,
                    "os.symlink": 2, "os.chmod": 2, "os.chown": 4, "os.utime": 3}
"""Where the ``dir_fd`` a path is relative to is, for the events that take one."""

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_INTERPRETER_ROOTS = tuple(sorted({os.path.realpath(path) for path in (
    sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(gc3store.__file__), *sys.path)
    if path and os.path.isdir(path)}))
"""Where Python's own modules, the installed packages and the code under test live: reading
there is the interpreter's business (an import, a traceback's source lines)."""


@dataclasses.dataclass(frozen=True)
class Touch:
    """One file the code under test used (or a host it reached): the audit event, the path as
    resolved, and whether the event could change the file."""

    event: str
    path: str
    writes: bool


class OutsideTheSandbox(PermissionError):
    """A write, or a host reached, outside the sandbox: refused before it happens."""


class Recorder:
    """Record every `Touch` while `recording` runs, and refuse those that would write outside
    the sandbox or reach another host: the check that nothing outside was touched comes after
    the call, and must not come after the damage."""

    def __init__(self) -> None:
        self._touches: list[Touch] | None = None
        self._thread: int | None = None
        self._root = "/nonexistent"

    def hook(self, event: str, args: tuple[Any, ...]) -> None:
        touches = self._touches
        if touches is None or threading.get_ident() != self._thread:
            return
        self._touches = None  # what the hook itself does is not recorded
        seen: list[Touch] = []
        try:
            if event in ("socket.connect", "socket.getaddrinfo"):
                seen = network_touches(event, args)
            elif event in _PATH_ARGUMENTS:
                seen = list(self._touches_of(event, args))
        except Exception as exc:
            # a touch that cannot be placed is a finding, and refused like one outside
            seen = [Touch(event, f"<cannot tell where {args!r} is: {exc!r}>", True)]
        finally:
            touches.extend(seen)
            self._touches = touches
        refused = [touch for touch in outside_of(seen, self._root) if touch.writes]
        if refused:
            raise OutsideTheSandbox(f"{refused[0]} is outside the sandbox {self._root}")

    @contextlib.contextmanager
    def recording(self, root: str | Path) -> Iterator[list[Touch]]:
        """Record what this thread touches inside the block into the list yielded; writes and
        connections outside `root` raise `OutsideTheSandbox` instead of happening."""
        touches: list[Touch] = []
        self._root = os.path.realpath(root)
        self._thread = threading.get_ident()
        self._touches = touches
        try:
            yield touches
        finally:
            self._touches = None

    @staticmethod
    def _touches_of(event: str, args: tuple[Any, ...]) -> Iterator[Touch]:
        writes = event not in ("os.listdir", "os.scandir", "os.chdir", "glob.glob")
        if event == "open":
            mode, flags = args[1], args[2]
            writes = bool(flags & _WRITE_FLAGS) if mode is None else any(
                letter in mode for letter in "wax+")
        dir_fd = args[_DIR_FD_ARGUMENT[event]] if event in _DIR_FD_ARGUMENT else None
        for index in _PATH_ARGUMENTS[event]:
            path = _resolved(args[index], dir_fd, event)
            if path is not None:
                yield Touch(event, path, writes)


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def network_touches(event: str, args: tuple[Any, ...]) -> list[Touch]:
    """A socket connected to, or a host name looked up: nothing unless it leaves this machine
    (a loopback address), or a `Touch` of a Unix socket's path, which must be in the sandbox."""
    address = args[1] if event == "socket.connect" else args[0]
    if isinstance(address, (str, bytes)) and event == "socket.connect":
        return [Touch(event, os.path.realpath(os.fsdecode(address)), True)]  # a Unix socket
    host = address[0] if isinstance(address, tuple) else address
    host = os.fsdecode(host) if isinstance(host, bytes) else host
    if host is None or host in LOOPBACK_HOSTS:
        return []
    return [Touch(event, f"<the network: {address!r}>", True)]


def _resolved(value: Any, dir_fd: Any, event: str) -> str | None:
    """The absolute path, symbolic links resolved, that an audit event's argument names."""
    if isinstance(value, int):
        if event == "open" or value < 0:
            return None  # wrapping a descriptor already open, or no descriptor at all
        return os.path.realpath(f"/proc/self/fd/{value}")
    if value is None:
        return None
    path = os.fsdecode(value)
    if event == "sqlite3.connect":
        if path == ":memory:" or not path:
            return None
        path = path.removeprefix("file:").partition("?")[0]
    if isinstance(dir_fd, int) and dir_fd >= 0 and not os.path.isabs(path):
        path = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), path)
    if "\0" in path:
        return os.path.abspath(path)  # no system call takes it, so no link is followed
    return os.path.realpath(path)


def inside(path: str, root: str) -> bool:
    """Whether `path` is `root` or lies under it."""
    return path == root or path.startswith(root.rstrip("/") + "/")


def outside_of(touches: list[Touch], root: str | Path) -> list[Touch]:
    """The touches that left `root`, but for reads of the interpreter's own files."""
    real_root = os.path.realpath(root)
    return [touch for touch in touches if not inside(touch.path, real_root) and not (
        not touch.writes and any(inside(touch.path, interpreter)
                                 for interpreter in _INTERPRETER_ROOTS))]


_recorder: Recorder | None = None


@pytest.fixture(scope="session")
def recorder() -> Recorder:
    """The process's one audit hook; ``with recorder.recording(root) as touches:`` records."""
    global _recorder
    if _recorder is None:
        _recorder = Recorder()
        sys.addaudithook(_recorder.hook)
    return _recorder


@dataclasses.dataclass(frozen=True)
class Sandbox:
    """A fresh directory standing for everything a case may touch: it is HOME, and the working
    directory is three levels down in it, so that up to three ``..`` stay inside."""

    root: Path
    cwd: Path


@contextlib.contextmanager
def sandboxed() -> Iterator[Sandbox]:
    """A new `Sandbox`, the working directory and HOME inside it for the block; removed after."""
    root = Path(os.path.realpath(tempfile.mkdtemp(prefix="gc3store-inputs-")))
    cwd = root / "a" / "b" / "c"
    cwd.mkdir(parents=True)
    old_cwd, old_home = os.getcwd(), os.environ.get("HOME")
    os.chdir(cwd)
    os.environ["HOME"] = str(root)
    try:
        yield Sandbox(root, cwd)
    finally:
        os.chdir(old_cwd)
        if old_home is None:
            del os.environ["HOME"]
        else:
            os.environ["HOME"] = old_home
        for directory, _, _ in os.walk(root):
            with contextlib.suppress(OSError):
                os.chmod(directory, 0o755)
        shutil.rmtree(root)


@pytest.fixture(scope="session")
def sandbox() -> Callable[[], contextlib.AbstractContextManager[Sandbox]]:
    """``with sandbox() as box:``: a fresh `Sandbox` for one generated case."""
    return sandboxed


@pytest.fixture(scope="session")
def touched_outside() -> Callable[[list[Touch], str | Path], list[Touch]]:
    """``touched_outside(touches, root)``: what a recording touched outside `root`."""
    return outside_of


@pytest.fixture(scope="session")
def server_tables(test_server_engine: Callable[[str], sa.Engine]) -> Callable[[str, str], None]:
    """``drop_tables(url, prefix)``: drop every table of `url`'s database whose name starts
    with `prefix` (the generated tables of one case, whatever the rest of their names)."""
    def drop_tables(url: str, prefix: str) -> None:
        engine = test_server_engine(url)
        try:
            with engine.begin() as connection:
                for name in sa.inspect(connection).get_table_names():
                    if name.startswith(prefix):
                        sa.Table(name, sa.MetaData()).drop(connection)
        finally:
            engine.dispose()

    return drop_tables


# -- a storage of each reference store -----------------------------------------------------------

@dataclasses.dataclass
class Storage:
    """One storage of the backend under test, the objects saved in it before any hostile call,
    and the directory nothing outside of may be touched (the storage's own, or an empty one)."""

    url: str
    root: Path
    saved: dict[str, str] = dataclasses.field(default_factory=dict)
    """ID -> name of every object saved (a dict ``{"name": name}``: the classes of a conftest
    module cannot be relied on to unpickle, since several conftest modules share its name)."""

    def open(self) -> Store:
        return make_store(self.url)


@pytest.fixture(params=("memory", "file", "sqlite", "postgresql", "mysql"))
def storage(request: pytest.FixtureRequest, tmp_path: Path,
            test_server_url: Callable[[str], str],
            test_server_engine: Callable[[str], sa.Engine]) -> Iterator[Storage]:
    """A new storage of each reference store, holding three saved objects."""
    backend = request.param
    table = f"t_ids_{secrets.token_hex(6)}"
    url = {"memory": f"memory://inputs-ids-{secrets.token_hex(6)}",
           "file": f"file://{tmp_path}/store",
           "sqlite": f"sqlite:///{tmp_path}/store.db"}.get(backend)
    if url is None:
        url = f"{test_server_url(backend)}#table={table}"
    storage = Storage(url, tmp_path)
    store = storage.open()
    for name in ("first", "second", "third"):
        storage.saved[store.save({"name": name})] = name
    try:
        yield storage
    finally:
        if backend in ("postgresql", "mysql"):
            store.close()  # type: ignore[attr-defined]
            engine = test_server_engine(url)
            try:
                sa.Table(table, sa.MetaData()).drop(engine, checkfirst=True)
            finally:
                engine.dispose()


# -- hostile values ------------------------------------------------------------------------------

def quoted(text: str) -> str:
    """`text` %-quoted for a URL, undecodable bytes (lone surrogates) as the bytes they are."""
    return quote(text, safe="/", errors="surrogateescape")


def stays_in_the_sandbox(path: str) -> bool:
    """Whether `path`, taken from the sandbox's working directory, stays inside the sandbox,
    also once %-escapes are decoded (SQLAlchemy decodes them in a SQLite URL's path)."""
    return unquote(path).count("..") <= 3 and not unquote(path).startswith("/")


class Hostile:
    """The strategies of hostile values the tests share."""

    text = st.one_of(
        st.sampled_from([
            "..", ".", "", "~", "%2e%2e", "%2F", "%00", "\0", "a b", "é", "#", "?", "%", "%zz",
            "%ff", "\udcff", "'", '"', "`", ";", "--", "\\", "x" * 300, "\n", "\t", "CON", "%s",
            "{}", "\u202e", "; DROP TABLE store; --", "Robert'); DROP TABLE t; --"]),
        st.text(max_size=12), st.text(st.characters(codec="utf-8"), min_size=1, max_size=30))
    """Names: path and URL syntax, escapes, NUL, undecodable bytes, SQL, long and unicode text."""

    relative_paths = st.lists(text, min_size=1, max_size=4).map(
        lambda segments: "/".join(segments).lstrip("/") or ".").filter(stays_in_the_sandbox)
    """Relative paths made of `text`, that stay in the sandbox from its working directory."""

    wrong_values = st.one_of(
        st.none(), st.booleans(), st.integers(-10, 10), st.integers(), st.floats(allow_nan=False),
        st.text(max_size=5), st.binary(max_size=5), st.just(object()), st.just([]), st.just({}),
        st.just({"state": len}), st.just({sa.Column("state", sa.String): len}),
        st.just({sa.Column("x", sa.String, nullable=False): len}), st.just({sa.Column("x"): 5}))
    """Values of the wrong type or value for one constructor keyword or another."""

    keywords = ("protocol", "durable", "create", "table_name", "extra_fields", "directory",
                "secret")
    """The constructor keywords every store takes, but `idfactory`."""

    unknown_keywords = st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True).filter(
        lambda name: name not in (*Hostile.keywords, "idfactory"))

    @classmethod
    def keyword_arguments(cls) -> st.SearchStrategy[dict[str, Any]]:
        """A few keywords, known (but `idfactory`) or not, with wrong values."""
        names = st.one_of(st.sampled_from(cls.keywords), cls.unknown_keywords)
        return st.dictionaries(names, cls.wrong_values, min_size=1, max_size=3)

    quoted = staticmethod(quoted)


@pytest.fixture(scope="session")
def hostile() -> type[Hostile]:
    """The strategies of hostile values (`Hostile`)."""
    return Hostile


# -- what make_store may raise -------------------------------------------------------------------

DOCUMENTED = (StoreError, TypeError, ValueError)
"""What `make_store` documents: StoreError (StoreUnavailable among them) for a URI naming no
usable storage, TypeError for an argument of the wrong type or name, ValueError for a wrong
value of the right type."""

_URL_IGNORES = str.maketrans("", "", "\t\r\n")


def spellings(value: Any) -> set[str]:
    """How a message may name `value`: as given, as repr shows it, unquoted, made absolute, the
    scheme, path or database URL inside it, or, for extra fields, the name of a column."""
    if isinstance(value, dict):
        return {repr(value), *(getattr(key, "name", repr(key)) for key in value)}
    if not isinstance(value, str):
        return {repr(value)}
    if not value:
        return {"empty"}
    forms = {value, unquote(value), value.partition("#")[0], value.partition("?")[0]}
    if "://" not in value and "\0" not in value:
        forms.add(os.path.abspath(value))  # a directory path, as make_store resolves it
    if "://" in value:
        # as urlsplit reads it: without tabs and line ends
        scheme, _, rest = value.translate(_URL_IGNORES).partition("://")
        path = "/" + rest.partition("/")[2].partition("?")[0].partition("#")[0]
        forms |= {scheme.lower(), path, unquote(path), os.path.normpath(unquote(path))}
    return {form for form in forms | {repr(form)[1:-1] for form in forms} if form}


def names_one_of(message: str, values: list[Any]) -> bool:
    """Whether `message` names one of `values`."""
    return any(form in message for value in values for form in spellings(value))


def first_use(store: Any) -> str:
    """Save, load and list through `store`, then close it; what happened, or the StoreError."""
    try:
        id_ = store.save({"name": "first use"})
        assert store.load(id_) == {"name": "first use"}
        assert id_ in store.list()
        return "worked"
    except StoreError as exc:
        return f"refused: {exc}"
    finally:
        with contextlib.suppress(StoreError, AttributeError):
            store.close()


def make_and_use(uri: Any, **kwargs: Any) -> str:
    """``make_store(uri, **kwargs)``, then a `first_use`: an exception other than the documented
    ones comes out, and a documented one must name what it refused."""
    try:
        store = make_store(uri, **kwargs)
    except DOCUMENTED as exc:
        refused = exc
    else:
        return first_use(store)
    assert names_one_of(str(refused), [uri, *kwargs.values(), *kwargs]), (
        f"{type(refused).__name__} does not name what it refused: {refused}")
    return type(refused).__name__


@pytest.fixture(scope="session")
def attempt_inside(recorder: Recorder) -> Callable[..., list[Touch]]:
    """``attempt_inside(root, uri, **kwargs)``: `make_and_use`, recorded; what it touched
    outside `root`."""
    def attempt(root: str | Path, uri: Any, **kwargs: Any) -> list[Touch]:
        with recorder.recording(root) as touches:
            make_and_use(uri, **kwargs)
        return outside_of(touches, root)

    return attempt


# -- a user who may not write --------------------------------------------------------------------

def use_without_write_permission(drop_root: Callable[[], str | None], url: str,
                                 id_: str) -> dict[str, Any] | str:
    """In a child: as a user without write permission, load the record ``{"name": ...}`` of
    `id_`, list, save, replace and remove; what each returned, or the type and message of the
    `StoreError` it raised.  A string instead if root's privileges cannot be given up."""
    refused = drop_root()
    if refused is not None:
        return refused
    store = make_store(url)
    outcomes: dict[str, Any] = {}
    operations: list[tuple[str, Callable[[], object]]] = [
        ("load", lambda: store.load(id_)["name"]), ("list", store.list),
        ("save", lambda: store.save({"name": "new"})),
        ("replace", lambda: store.replace(id_, {"name": "replaced"})),
        ("remove", lambda: store.remove(id_))]
    for name, operation in operations:
        try:
            outcomes[name] = operation()
        except StoreError as exc:
            outcomes[name] = (type(exc).__name__, str(exc))
    return outcomes


@pytest.fixture(scope="session")
def without_write_permission() -> Callable[..., dict[str, Any] | str]:
    """`use_without_write_permission`, to run in a child with the `unprivileged` fixture."""
    return use_without_write_permission


# -- a disk that fills up --------------------------------------------------------------------------

_CLONE_NEWNS = 0x00020000
_MS_REC, _MS_PRIVATE = 0x4000, 0x40000


class SmallDisk:
    """A 1 MiB tmpfs at `path`, for a child process to mount in a mount namespace of its own
    (nobody else sees it, and it goes with the child), and to fill up."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._filler = path / "filler"

    @contextlib.contextmanager
    def mounted(self) -> Iterator[str | None]:
        """In a child: mount the disk for the block; yields None, or why it cannot be mounted
        (the test should then skip)."""
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(_CLONE_NEWNS) != 0 or \
                libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None) != 0 or \
                libc.mount(b"tmpfs", os.fsencode(self.path), b"tmpfs", 0, b"size=1m") != 0:
            yield f"cannot mount a small disk of its own: {os.strerror(ctypes.get_errno())}"
            return
        try:
            yield None
        finally:
            libc.umount2(os.fsencode(self.path), 0)

    def fill(self) -> None:
        """Write to the disk until no byte is left."""
        fd = os.open(self._filler, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
        finally:
            os.close(fd)

    def free(self) -> None:
        """Give back the space `fill` took."""
        os.unlink(self._filler)


@pytest.fixture
def small_disk(tmp_path: Path) -> SmallDisk:
    """A `SmallDisk` to be mounted in a child process (a real full disk, not a mock)."""
    path = tmp_path / "disk"
    path.mkdir()
    return SmallDisk(path)
