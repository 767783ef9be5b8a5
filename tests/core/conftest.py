"""Fixtures of the core tests: the stores under test, a path to their storage that bypasses the
store, forked child processes with bounded waits, and a registry restored after every test.

Helpers reach the tests as fixtures, never by ``import conftest``: the suite has several
conftest modules, and whichever was imported last owns that name.
"""

from __future__ import annotations

import contextlib
import os
import signal
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NoReturn

import pytest

from gc3store import FilesystemStore, MemoryStore, RecordStore, registry
from gc3store.filesystem import SEQUENCE_FILE
from gc3store.memory import _space

CHILD_TIMEOUT = 60.0
"""Seconds a child process may stay silent before the test calls it hung and kills it."""


@dataclass
class Backend:
    """One storage under test: opens new store instances on it, and reads and writes its
    records without going through a store (the independent path persistence is checked by)."""

    open: Callable[..., RecordStore]
    read_raw: Callable[[str], bytes | None]
    write_raw: Callable[[str, bytes], None]
    raw_ids: Callable[[], set[str]]


def memory_backend() -> Backend:
    url = f"memory://core-{uuid.uuid4().hex}"
    records = _space(url[len("memory://"):]).records
    return Backend(
        open=lambda **kwargs: MemoryStore(url, **kwargs),
        read_raw=lambda id_: records.get(id_),  # type: ignore[call-overload]
        write_raw=lambda id_, data: records.__setitem__(id_, data),  # type: ignore[index]
        raw_ids=lambda: set(records))


def file_backend(directory: Path) -> Backend:
    def read_raw(id_: str) -> bytes | None:
        path = directory / id_
        return path.read_bytes() if path.exists() else None

    return Backend(
        open=lambda **kwargs: FilesystemStore(directory, **kwargs),
        read_raw=read_raw,
        write_raw=lambda id_, data: (directory / id_).write_bytes(data) and None,
        raw_ids=lambda: {name for name in os.listdir(directory)
                         if name != SEQUENCE_FILE and not name.startswith(".tmp-")})


@pytest.fixture(params=["memory", "file"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """Each reference store in turn, on a storage of its own."""
    if request.param == "memory":
        return memory_backend()
    directory = tmp_path / "store"
    directory.mkdir()
    return file_backend(directory)


@pytest.fixture
def store(backend: Backend) -> RecordStore:
    """A store instance on `backend`'s storage."""
    return backend.open()


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    """An empty directory for a `FilesystemStore`."""
    directory = tmp_path / "store"
    directory.mkdir()
    return directory


@pytest.fixture(autouse=True)
def _registry_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts from the registry as it was, and leaves it so."""
    monkeypatch.setattr(registry, "_registered", dict(registry._registered))
    monkeypatch.setattr(registry, "_published", registry._published)


# -- child processes -----------------------------------------------------------------------------

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
