"""Fixtures of the command's tests: run ``gc3store`` in a subprocess, and stores to run it on.

The command runs as ``python -m gc3store``, from the test's tmp_path, with this directory on
PYTHONPATH so that it can load the objects of `cli_sample_objects`.  Every wait for it is
bounded.  Database tables are made under random names and dropped afterwards; a server that
cannot be reached skips its tests, except under CI=true, where it fails them.
"""

from __future__ import annotations

import dataclasses
import os
import pty
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

CLI_TESTS = Path(__file__).parent
RUN_TIMEOUT_S = 60.0
"""The bound on every run of the command: generous, since it only matters on a hang."""



@dataclasses.dataclass(frozen=True)
class Result:
    """How a run of the command ended."""

    status: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()


def command_environment(**extra: str) -> dict[str, str]:
    """The environment of the command: ours, with the sample objects importable."""
    environment = dict(os.environ)
    paths = [str(CLI_TESTS), *filter(None, [environment.get("PYTHONPATH")])]
    environment["PYTHONPATH"] = os.pathsep.join(paths)
    environment.update(extra)
    return environment


COMMAND = [sys.executable, "-m", "gc3store"]
"""The installed command, as the tests run it."""


@pytest.fixture
def run_gc3store(tmp_path: Path) -> Callable[..., Result]:
    """Run ``gc3store ARGS...`` to its end, in tmp_path, and return its status and output."""

    def run(*args: str) -> Result:
        completed = subprocess.run([*COMMAND, *args], capture_output=True, text=True,
                                   cwd=tmp_path, env=command_environment(),
                                   timeout=RUN_TIMEOUT_S, check=False)
        return Result(completed.returncode, completed.stdout, completed.stderr)

    return run


@pytest.fixture
def file_url(tmp_path: Path) -> Callable[[str], str]:
    """The URL of a new file store in tmp_path: ``file_url("src")``."""
    return lambda name: f"file://{tmp_path / name}"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Callable[[str], str]:
    """The URL of a new SQLite store in tmp_path: ``sqlite_url("dst")``."""
    return lambda name: f"sqlite:///{tmp_path / name}.db"


@pytest.fixture
def server_table(test_server_url: Callable[[str], str],
                 test_server_engine: Callable[[str], Any]) -> Iterator[Callable[[str], str]]:
    """``server_table("postgresql")``: the store URL of a new table on that server, dropped
    when the test ends."""
    made: list[tuple[str, str]] = []

    def new(backend: str) -> str:
        url = test_server_url(backend)
        table = f"t_{secrets.token_hex(8)}"
        made.append((url, table))
        return f"{url}#table={table}"

    yield new
    for url, table in made:
        engine = test_server_engine(url)
        try:
            sa.Table(table, sa.MetaData()).drop(engine, checkfirst=True)
        finally:
            engine.dispose()


@pytest.fixture
def store_url(file_url: Callable[[str], str], sqlite_url: Callable[[str], str],
              server_table: Callable[[str], str]) -> Callable[[str, str], str]:
    """``store_url(kind, name)``: a new store of `kind` (file, sqlite, postgresql, mysql)."""

    def new(kind: str, name: str) -> str:
        if kind == "file":
            return file_url(name)
        if kind == "sqlite":
            return sqlite_url(name)
        return server_table(kind)

    return new


@pytest.fixture
def opened() -> Iterator[Callable[..., Any]]:
    """Open a store in the test's own process (closed at the end): the independent view of
    what the command did."""
    from gc3store import make_store

    stores: list[Any] = []

    def open_(url: str, **keywords: Any) -> Any:
        store = make_store(url, **keywords)
        stores.append(store)
        return store

    yield open_
    for store in stores:
        close = getattr(store, "close", None)
        if close is not None:
            close()


@pytest.fixture
def start_gc3store(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start ``gc3store ARGS...`` with pipes on stdin, stdout and stderr, for a test that talks
    to it or kills it; `environment` is added to its own.  Any still running at the end is
    killed."""
    started: list[subprocess.Popen[str]] = []

    def start(*args: str, **environment: str) -> subprocess.Popen[str]:
        process = subprocess.Popen([*COMMAND, *args], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   cwd=tmp_path, env=command_environment(**environment))
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=RUN_TIMEOUT_S)


@pytest.fixture
def run_gc3store_on_terminal(tmp_path: Path) -> Callable[..., Result]:
    """Run ``gc3store ARGS...`` with its stderr on a pseudo-terminal; `Result.stderr` is what
    the terminal received."""

    def run(*args: str) -> Result:
        controller, terminal = pty.openpty()
        try:
            completed = subprocess.run([*COMMAND, *args], stdout=subprocess.PIPE,
                                       stderr=terminal, text=True, cwd=tmp_path,
                                       env=command_environment(), timeout=RUN_TIMEOUT_S,
                                       check=False)
        finally:
            os.close(terminal)
        received = b""
        try:
            while chunk := os.read(controller, 4096):
                received += chunk
        except OSError:  # EIO: the terminal side is closed and everything was read
            pass
        finally:
            os.close(controller)
        return Result(completed.returncode, completed.stdout, received.decode())

    return run


@dataclasses.dataclass(frozen=True)
class Graph:
    """The IDs of the objects `save_graph` saved."""

    a: str
    b: str
    c: str
    loop: str
    plain: dict[str, str]
    """The records of objects that carry no attributes, by kind: dict, int, list."""

    @property
    def ids(self) -> set[str]:
        return {self.a, self.b, self.c, self.loop, *self.plain.values()}


@pytest.fixture
def save_graph(opened: Callable[..., Any]) -> Callable[[str], Graph]:
    """Save, in the store at a URL, Node objects that share references and form cycles
    (a -> b, c; b -> c; c -> a; loop -> loop), and a dict, an int and a list."""
    from cli_sample_objects import Node

    def save(url: str) -> Graph:
        store = opened(url)
        a, b, c, loop = Node("a"), Node("b"), Node("c"), Node("loop")
        a.links, b.links, c.links, loop.links = [b, c], [c], [a], [loop]
        store.save(a)
        store.save(loop)
        plain = {"dict": store.save({"answer": 42}), "int": store.save(7),
                 "list": store.save(["x", "y"])}
        return Graph(a.persistent_id, b.persistent_id, c.persistent_id, loop.persistent_id,
                     plain)

    return save
