"""Settings and fixtures shared by the whole test suite: the database servers the tests use, forked
child processes with bounded waits, and what makes a write fail for real (a file size limit, a
process without root's privileges)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import resource
import shutil
import signal
import tempfile
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NoReturn

import pytest
import sqlalchemy as sa

from gc3store.sql import DEFAULT_DRIVERS

# the kit's own tests run pytest inside pytest; declared here, at the root of the suite, so
# that it works whatever directory pytest is pointed at
pytest_plugins = ["pytester"]


@dataclasses.dataclass(frozen=True)
class Server:
    """A database server the tests use, and how to point them at it or start it."""

    backend: str
    variable: str
    default_url: str
    start: str

    @property
    def url(self) -> str:
        return os.environ.get(self.variable) or self.default_url


SERVERS = {
    "postgresql": Server(
        "postgresql", "GC3STORE_TEST_POSTGRESQL",
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"),
    "mysql": Server(
        "mysql", "GC3STORE_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/test",
        "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd"),
}

_unreachable: dict[str, str | None] = {}
"""Per backend, why its server cannot be reached (None: it can), found once per process."""


def make_engine(url: str) -> sa.Engine:
    """An engine of the tests' own, independent of any store, with the driver SqlStore would use."""
    parsed = sa.make_url(url.partition("#")[0])
    backend = parsed.get_backend_name()
    if "+" not in parsed.drivername and backend in DEFAULT_DRIVERS:
        parsed = parsed.set(drivername=f"{backend}+{DEFAULT_DRIVERS[backend]}")
    return sa.create_engine(parsed, poolclass=sa.pool.NullPool)


def server_url(backend: str) -> str:
    """The URL of `backend`'s test server; skip (fail under CI=true) if it is unreachable."""
    server = SERVERS[backend]
    if backend not in _unreachable:
        _unreachable[backend] = _why_unreachable(server.url)
    reason = _unreachable[backend]
    if reason is not None:
        message = (f"the {backend} test server {server.url} (set {server.variable} to use "
                   f"another) is unreachable: {reason}; start it with: {server.start}")
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return server.url


def _why_unreachable(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect():
            return None
    except sa.exc.SQLAlchemyError as exc:
        return str(getattr(exc, "orig", exc)).strip()
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def test_server_url() -> Callable[[str], str]:
    """``test_server_url("postgresql")``: the server's URL; skip, or fail under CI=true, if it
    cannot be reached."""
    return server_url


@pytest.fixture(scope="session")
def test_server_engine() -> Callable[[str], sa.Engine]:
    """``test_server_engine(url)``: an engine of the test's own on the database of `url`."""
    return make_engine


# -- child processes -----------------------------------------------------------------------------

CHILD_TIMEOUT = 60.0
"""Seconds a child process may stay silent before the test calls it hung and kills it."""


class ChildHung(AssertionError):
    """A child process sent nothing within `CHILD_TIMEOUT` seconds; it was killed."""


def exit_child(status: int) -> NoReturn:
    """End a forked child at once, skipping the parent's cleanup but keeping its coverage data."""
    with contextlib.suppress(Exception):
        import coverage

        current = coverage.Coverage.current()
        if current is not None:
            current.save()
    os._exit(status)


_DONE, _FAILED = "gc3store-core-child-done", "gc3store-core-child-failed"


@dataclass
class Child:
    """A forked child running ``function(channel, *args)``; `channel` is its end of a pipe.

    What the child sends arrives through `receive`; what its function returns, through
    `result`.  Every wait is bounded by `timeout`: a silent child is killed and reported hung.
    """

    function: Callable[..., Any]
    args: tuple[Any, ...]
    timeout: float = CHILD_TIMEOUT
    pid: int = field(init=False)
    channel: Connection = field(init=False)

    def __post_init__(self) -> None:
        mine, theirs = Pipe(duplex=True)
        pid = os.fork()
        if pid == 0:
            mine.close()
            self._run_in_child(theirs)
        theirs.close()
        self.pid, self.channel = pid, mine

    def _run_in_child(self, channel: Connection) -> NoReturn:
        status = 0
        try:
            channel.send((_DONE, self.function(channel, *self.args)))
        except BaseException:
            status = 1
            with contextlib.suppress(Exception):
                channel.send((_FAILED, traceback.format_exc()))
        finally:
            exit_child(status)

    def send(self, value: Any) -> None:
        self.channel.send(value)

    def receive(self) -> Any:
        """The next value the child sent."""
        finished, value = self._next()
        if finished:
            raise AssertionError(f"child {self.pid} ended (returning {value!r}) instead of "
                                 f"sending a value")
        return value

    def result(self) -> Any:
        """What the child's function returned; values it sent before are skipped."""
        while True:
            finished, value = self._next()
            if finished:
                self.reap()
                return value

    def _next(self) -> tuple[bool, Any]:
        if not self.channel.poll(self.timeout):
            pid = self.pid
            self.kill()
            raise ChildHung(f"child {pid} sent nothing for {self.timeout:g} s; killed")
        try:
            message = self.channel.recv()
        except EOFError:
            raise AssertionError(f"child {self.pid} ended without a word, "
                                 f"wait status {self.kill()}") from None
        if isinstance(message, tuple) and len(message) == 2 and message[0] == _FAILED:
            self.reap()
            raise AssertionError(f"the child process failed:\n{message[1]}")
        if isinstance(message, tuple) and len(message) == 2 and message[0] == _DONE:
            return True, message[1]
        return False, message

    def drain(self) -> list[Any]:
        """What the child sent that nobody received yet, up to the moment it ended."""
        values = []
        with contextlib.suppress(EOFError, OSError):
            while self.channel.poll(self.timeout):
                values.append(self.channel.recv())
        return values

    def reap(self) -> int:
        """Wait for the child to exit (it closes the pipe as it does); return its wait status."""
        if self.pid == 0:
            return 0
        self.drain()
        return self.kill()

    def kill(self) -> int:
        """SIGKILL the child if it still runs, and return its wait status."""
        if self.pid == 0:
            return 0
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        self.channel.close()
        return status


@pytest.fixture
def fork_child() -> Iterator[Callable[..., Child]]:
    """Start `Child` processes; any still running when the test ends is killed."""
    children: list[Child] = []

    def start(function: Callable[..., Any], *args: Any) -> Child:
        child = Child(function, args)
        children.append(child)
        return child

    yield start
    for child in children:
        child.kill()


@pytest.fixture
def in_child(fork_child: Callable[..., Child]) -> Callable[..., Any]:
    """Run ``function(*args)`` in a forked child and return its result."""
    def run(function: Callable[..., Any], *args: Any) -> Any:
        return fork_child(lambda _channel: function(*args)).result()

    return run


# -- writes that fail for real -------------------------------------------------------------------

NOBODY = 65534


def drop_root() -> str | None:
    """In a child process: give up root's privileges, if it has them, for those of nobody.

    Returns None, or why they could not be given up (the test should then skip).
    """
    if os.geteuid() != 0:
        return None
    try:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    except OSError as exc:
        return f"cannot drop root privileges: {exc}"
    return None


@pytest.fixture
def unprivileged() -> Callable[[], str | None]:
    """`drop_root`: for a child that must be refused what file permissions refuse."""
    return drop_root


@pytest.fixture
def reachable_dir() -> Iterator[Path]:
    """A directory an unprivileged process can reach (pytest's own temporary ones it cannot)."""
    path = Path(tempfile.mkdtemp(prefix="gc3store-test-"))
    path.chmod(0o755)
    yield path
    for directory, _, _ in os.walk(path):
        os.chmod(directory, 0o755)
    shutil.rmtree(path)


@contextlib.contextmanager
def file_size_limit(size: int) -> Iterator[None]:
    """Make every write of this process past `size` bytes of a file fail with ``EFBIG``.

    Meant for a child process (``RLIMIT_FSIZE`` and ``SIGXFSZ`` are the whole
    process's); the limit is lifted again when the block ends.
    """
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, limits[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)


@pytest.fixture
def limited_file_size() -> Callable[[int], contextlib.AbstractContextManager[None]]:
    """`file_size_limit`: ``with limited_file_size(4096):`` in a child makes bigger writes fail."""
    return file_size_limit
