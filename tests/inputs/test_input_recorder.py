"""The audit-hook recorder the hostile-input tests rely on sees what it must: files opened for
reading and writing, made, renamed and removed, directories listed, SQLite databases opened,
wherever a symbolic link leads, and hosts other than this machine reached or looked up; and it
counts only reads of the interpreter's own files as harmless."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sqlite3
import sys
from pathlib import Path
from typing import Any


def test_every_kind_of_touch_outside_the_sandbox_is_seen(
        tmp_path: Path, recorder: Any, touched_outside: Any) -> None:
    sandbox, elsewhere = tmp_path / "sandbox", tmp_path / "elsewhere"
    sandbox.mkdir()
    elsewhere.mkdir()
    (elsewhere / "read").write_bytes(b"x")
    (sandbox / "link").symlink_to(elsewhere / "read")
    with recorder.recording() as touches:
        (sandbox / "link").read_bytes()
        (elsewhere / "written").write_bytes(b"x")
        os.rename(elsewhere / "written", elsewhere / "renamed")
        os.remove(elsewhere / "renamed")
        os.mkdir(elsewhere / "made")
        os.listdir(elsewhere)
        shutil.rmtree(elsewhere / "made")
        sqlite3.connect(elsewhere / "db.sqlite").close()
        (sandbox / "inside").write_bytes(b"x")
        Path(sys.executable).resolve().read_bytes()
    seen = {(touch.event, Path(touch.path).name, touch.writes)
            for touch in touched_outside(touches, sandbox)}
    assert seen == {("open", "read", False), ("open", "written", True),
                    ("os.rename", "written", True), ("os.rename", "renamed", True),
                    ("os.remove", "renamed", True), ("os.mkdir", "made", True),
                    ("os.listdir", "elsewhere", False), ("shutil.rmtree", "made", True),
                    ("open", "made", False), ("os.scandir", "made", False),  # rmtree's own
                    ("os.rmdir", "made", True), ("sqlite3.connect", "db.sqlite", True)}


def test_nothing_is_recorded_outside_a_recording(tmp_path: Path, recorder: Any) -> None:
    with recorder.recording() as touches:
        pass
    (tmp_path / "after").write_bytes(b"x")
    assert touches == []


def test_only_hosts_of_this_machine_may_be_reached(
        tmp_path: Path, recorder: Any, touched_outside: Any) -> None:
    loopback = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with recorder.recording() as touches:
        with contextlib.suppress(OSError):
            loopback.connect(("127.0.0.1", 1))  # nothing listens there
        with contextlib.suppress(OSError):
            unix.connect(str(tmp_path / "elsewhere.sock"))
        # the events alone, as a connection or a lookup would raise them: nothing is sent
        sys.audit("socket.connect", loopback, ("192.0.2.1", 5432))
        sys.audit("socket.getaddrinfo", "db.example.org", 3306, 0, 0, 0)
        sys.audit("socket.getaddrinfo", "localhost", 3306, 0, 0, 0)
    loopback.close()
    unix.close()
    seen = [(touch.event, touch.path) for touch in touched_outside(touches, tmp_path / "sandbox")]
    assert seen == [("socket.connect", str(tmp_path / "elsewhere.sock")),
                    ("socket.connect", "<the network: ('192.0.2.1', 5432)>"),
                    ("socket.getaddrinfo", "<the network: 'db.example.org'>")]
