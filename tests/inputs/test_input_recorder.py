"""The audit-hook recorder the hostile-input tests rely on sees what it must — files opened for
reading and writing, made, renamed and removed, directories listed, SQLite databases opened,
wherever a symbolic link leads, and hosts other than this machine reached or looked up — and
refuses, before they happen, the writes and connections outside the sandbox; only reads of the
interpreter's own files count as harmless."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def places(tmp_path: Path) -> tuple[Path, Path]:
    """A sandbox, and a directory beside it holding a file ``read``."""
    sandbox, elsewhere = tmp_path / "sandbox", tmp_path / "elsewhere"
    sandbox.mkdir()
    elsewhere.mkdir()
    (elsewhere / "read").write_bytes(b"x")
    (elsewhere / "kept").write_bytes(b"x")
    return sandbox, elsewhere


def test_reads_outside_the_sandbox_are_seen_and_reads_of_python_let_through(
        places: tuple[Path, Path], recorder: Any, touched_outside: Any) -> None:
    sandbox, elsewhere = places
    (sandbox / "link").symlink_to(elsewhere / "read")
    with recorder.recording(sandbox) as touches:
        (sandbox / "link").read_bytes()
        os.listdir(elsewhere)
        (sandbox / "inside").write_bytes(b"x")
        Path(sys.executable).resolve().read_bytes()
    seen = {(touch.event, Path(touch.path).name, touch.writes)
            for touch in touched_outside(touches, sandbox)}
    assert seen == {("open", "read", False), ("os.listdir", "elsewhere", False)}


WRITES: dict[str, Callable[[Path], object]] = {
    "open": lambda elsewhere: (elsewhere / "written").write_bytes(b"x"),
    "os.rename": lambda elsewhere: os.rename(elsewhere / "kept", elsewhere / "renamed"),
    "os.remove": lambda elsewhere: os.remove(elsewhere / "kept"),
    "os.mkdir": lambda elsewhere: os.mkdir(elsewhere / "made"),
    "shutil.rmtree": lambda elsewhere: shutil.rmtree(elsewhere),
    "sqlite3.connect": lambda elsewhere: sqlite3.connect(elsewhere / "db.sqlite"),
}


@pytest.mark.parametrize("event", sorted(WRITES))
def test_a_write_outside_the_sandbox_is_seen_and_refused_before_it_happens(
        places: tuple[Path, Path], recorder: Any, touched_outside: Any, event: str) -> None:
    sandbox, elsewhere = places
    before = sorted(os.listdir(elsewhere))
    with recorder.recording(sandbox) as touches, pytest.raises(PermissionError, match="outside"):
        WRITES[event](elsewhere)
    assert [touch.event for touch in touched_outside(touches, sandbox)][-1] == event
    assert sorted(os.listdir(elsewhere)) == before


def test_only_hosts_of_this_machine_may_be_reached(
        tmp_path: Path, recorder: Any, touched_outside: Any) -> None:
    loopback = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with recorder.recording(tmp_path / "sandbox") as touches:
        with contextlib.suppress(ConnectionRefusedError):
            loopback.connect(("127.0.0.1", 1))  # nothing listens there
        with pytest.raises(PermissionError, match="outside"):
            unix.connect(str(tmp_path / "elsewhere.sock"))
        # the events alone, as a connection or a lookup would raise them: refused, nothing sent
        with pytest.raises(PermissionError, match="outside"):
            sys.audit("socket.connect", loopback, ("192.0.2.1", 5432))
        with pytest.raises(PermissionError, match="outside"):
            sys.audit("socket.getaddrinfo", "db.example.org", 3306, 0, 0, 0)
        sys.audit("socket.getaddrinfo", "localhost", 3306, 0, 0, 0)
    loopback.close()
    unix.close()
    seen = [(touch.event, touch.path) for touch in touched_outside(touches, tmp_path / "sandbox")]
    assert seen == [("socket.connect", str(tmp_path / "elsewhere.sock")),
                    ("socket.connect", "<the network: ('192.0.2.1', 5432)>"),
                    ("socket.getaddrinfo", "<the network: 'db.example.org'>")]


def test_nothing_is_recorded_or_refused_outside_a_recording(
        tmp_path: Path, recorder: Any) -> None:
    with recorder.recording(tmp_path / "sandbox") as touches:
        pass
    (tmp_path / "after").write_bytes(b"x")
    assert touches == []
