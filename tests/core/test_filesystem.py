"""What only `FilesystemStore` does: ``file://`` URLs, its directory, atomic record files with no
temporary file left behind, not even by a writer killed in the middle, the shared ID counter,
durability, read-only directories, GC3Pie job directories, and a cost per operation that does
not grow with the number of records.

A full disk and a file system that makes no unnamed files are the things provoked by mocks (an
``OSError`` from one system call); a failing write is real (``RLIMIT_FSIZE`` in a child
process), as is the read-only directory (a child that drops root privileges when it has them),
and so are the writers SIGKILLed in the middle (a child stopped in the call that puts its record
in place is stopped by replacing that call in the child alone).
"""

from __future__ import annotations

import errno
import fcntl
import itertools
import os
import pickle
import random
import shutil
import signal
import stat
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest

from gc3store import (
    FilesystemStore,
    IdFactory,
    JobIdFactory,
    LoadError,
    Persistable,
    SaveError,
    StoreError,
    filesystem,
    make_store,
)
from gc3store.filesystem import DEFAULT_DIRECTORY, SEQUENCE_BLOCK, SEQUENCE_FILE
from gc3store.records import encode

HELD_PREFIX = ".tmp-held-"
"""How a temporary file is named that its writer holds locked for as long as it has the name."""


class Task(Persistable):
    def __init__(self, name: str = "task", **attributes: Any) -> None:
        super().__init__()
        self.name = name
        self.__dict__.update(attributes)


def temporaries(directory: Path) -> list[str]:
    return [name for name in os.listdir(directory) if name.startswith(".tmp-")]


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file of the store directory but the counter, with its contents."""
    return {entry.name: entry.read_bytes() for entry in directory.iterdir()
            if entry.name != SEQUENCE_FILE}


def counter(directory: Path) -> bytes:
    return (directory / SEQUENCE_FILE).read_bytes()


class TestUrls:
    @pytest.mark.parametrize("prefix", ["file://", "file://localhost", "FILE://"])
    def test_a_file_url_opens_its_directory(self, store_dir: Path, prefix: str) -> None:
        url = f"{prefix}{store_dir}"
        store = FilesystemStore.from_url(url)
        assert (store.directory, store.url) == (str(store_dir), url)

    def test_a_quoted_url_names_the_unquoted_directory(self, tmp_path: Path) -> None:
        store = FilesystemStore.from_url(f"file://{tmp_path}/with%20space%23")
        assert store.directory == f"{tmp_path}/with space#"

    @pytest.mark.parametrize("url", ["file://example.com/tmp/x", "file://", "file:///tmp/x?y=1",
                                     "file:///tmp/x#part", "http:///tmp/x"])
    def test_a_bad_file_url_is_a_store_error_naming_it(self, url: str) -> None:
        with pytest.raises(StoreError, match="file:///absolute/path") as raised:
            FilesystemStore.from_url(url)
        assert repr(url) in str(raised.value)

    def test_a_nul_byte_in_the_directory_is_a_store_error(self, tmp_path: Path) -> None:
        with pytest.raises(StoreError, match="NUL"):
            FilesystemStore.from_url(f"file://{tmp_path}/a%00b")

    def test_from_url_ignores_a_directory_keyword(self, store_dir: Path) -> None:
        store = FilesystemStore.from_url(f"file://{store_dir}", directory="/elsewhere")
        assert store.directory == str(store_dir)

    @pytest.mark.parametrize("name", ["with space", "hash#mark", "what?", "per%41cent", "é"])
    def test_the_url_of_a_store_reopens_its_directory(self, tmp_path: Path, name: str) -> None:
        store = FilesystemStore(tmp_path / name)
        id_ = store.save(Task(name))
        reopened = make_store(store.url)
        assert reopened.directory == str(tmp_path / name)
        assert reopened.load(id_).name == name


class TestDirectory:
    def test_a_missing_directory_is_created_with_its_parents(self, tmp_path: Path) -> None:
        directory = tmp_path / "a" / "b"
        FilesystemStore(directory)
        assert directory.is_dir()

    def test_create_false_refuses_a_missing_directory(self, tmp_path: Path) -> None:
        with pytest.raises(StoreError, match="does not exist") as raised:
            FilesystemStore(tmp_path / "missing", create=False)
        assert str(tmp_path / "missing") in str(raised.value)
        assert not (tmp_path / "missing").exists()

    def test_create_false_opens_an_existing_directory(self, store_dir: Path) -> None:
        assert FilesystemStore(store_dir, create=False).list() == []

    def test_a_file_in_place_of_the_directory_is_a_store_error(self, tmp_path: Path) -> None:
        (tmp_path / "file").write_text("not a directory")
        with pytest.raises(StoreError, match="cannot create"):
            FilesystemStore(tmp_path / "file")
        with pytest.raises(StoreError, match="does not exist"):
            FilesystemStore(tmp_path / "file", create=False)

    def test_the_home_directory_is_expanded_and_gc3pie_default_used(
            self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("HOME", str(tmp_path))
        assert FilesystemStore().directory == str(tmp_path / ".gc3" / "jobs")
        assert os.path.join("~", ".gc3", "jobs") == DEFAULT_DIRECTORY
        assert FilesystemStore("~/mine").directory == str(tmp_path / "mine")

    def test_a_relative_directory_is_made_absolute(self, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(tmp_path)
        assert FilesystemStore("relative").directory == str(tmp_path / "relative")

    def test_each_record_is_a_file_named_after_its_id(self, store_dir: Path) -> None:
        store = FilesystemStore(store_dir)
        ids = {store.save(Task()) for _ in range(3)}
        assert set(os.listdir(store_dir)) == ids | {SEQUENCE_FILE}

    @pytest.mark.parametrize("largest_read", [None, 0], ids=["one read", "buffered reads"])
    def test_a_record_loads_whole_however_it_is_read(self, store_dir: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      largest_read: int | None) -> None:
        """A record larger than one read() returns is read in several (0: every record is)."""
        if largest_read is not None:
            monkeypatch.setattr(filesystem, "_LARGEST_READ", largest_read)
        payload = os.urandom(3 << 20)
        id_ = FilesystemStore(store_dir).save(Task(payload=payload))
        assert FilesystemStore(store_dir).load(id_).payload == payload

    @pytest.mark.parametrize("make", [os.mkfifo, os.mkdir], ids=["fifo", "directory"])
    def test_something_not_a_file_in_place_of_a_record_is_a_load_error_at_once(
            self, store_dir: Path, make: Callable[[Path], None]) -> None:
        store = FilesystemStore(store_dir)
        make(store_dir / "Task.77")
        assert store.list() == []  # list() and load() agree: it is no record
        outcome: list[BaseException] = []

        def load() -> None:
            try:
                store.load("Task.77")
            except BaseException as exc:
                outcome.append(exc)

        loader = threading.Thread(target=load, daemon=True)
        loader.start()
        loader.join(timeout=10)
        if loader.is_alive():  # blocked opening the FIFO: a writer lets it go
            os.close(os.open(store_dir / "Task.77", os.O_WRONLY | os.O_NONBLOCK))
            pytest.fail("load() blocked on a FIFO in place of a record")
        [error] = outcome
        assert isinstance(error, LoadError)
        assert "'Task.77'" in str(error)
        assert "not a regular file" in str(error)

    def test_list_removes_the_temporary_files_of_writers_that_are_gone(self,
                                                                        store_dir: Path) -> None:
        """Files named before they were locked (``.tmp-ID-...``: written where no unnamed file can
        be made, or by earlier versions) go once no writer holds them and they are stale."""
        store = FilesystemStore(store_dir)
        id_ = store.save(Task())
        stale = time.time() - filesystem.ABANDONED_AFTER_S - 1
        names = {kind: f".tmp-{id_}-{kind}" for kind in ("abandoned", "fresh", "held")}
        for kind, name in names.items():
            (store_dir / name).write_bytes(b"half a record")
            if kind != "fresh":
                os.utime(store_dir / name, (stale, stale))
        held = os.open(store_dir / names["held"], os.O_RDONLY)
        try:
            fcntl.flock(held, fcntl.LOCK_EX)  # as a writer still writing holds it
            assert store.list() == [id_]
            assert set(temporaries(store_dir)) == {names["fresh"], names["held"]}
        finally:
            os.close(held)
        assert store.list() == [id_]
        assert temporaries(store_dir) == [names["fresh"]]

    def test_the_gc3pie_keywords_are_accepted(self, store_dir: Path) -> None:
        store = FilesystemStore(store_dir, JobIdFactory(), 3, durable=False, create=False,
                                table_name="ignored", extra_fields={})
        assert store.save(Task()).prefix == "job"
        assert store.protocol == 3


class TestListing:
    def test_list_ignores_dotfiles_and_foreign_files(self, store_dir: Path) -> None:
        store = FilesystemStore(store_dir)
        id_ = store.save(Task())
        for name in ("Task.1.OLD", "README", "notes.txt", ".hidden.5", "Task.01",
                     f".tmp-Task.77-{os.getpid()}-0", "job.x"):
            (store_dir / name).write_bytes(b"foreign")
        assert FilesystemStore(store_dir).list() == [id_]

    def test_a_gc3pie_job_directory_opens_as_it_is(self, store_dir: Path) -> None:
        for id_ in ("job.3", "job.7"):
            task = Task(id_)
            task.persistent_id = id_
            (store_dir / id_).write_bytes(pickle.dumps(task, protocol=2))
        (store_dir / "job.7.OLD").write_bytes(b"an old copy GC3Pie kept")
        store = FilesystemStore(store_dir, idfactory=JobIdFactory())
        assert sorted(store.list()) == ["job.3", "job.7"]
        assert store.load("job.7").name == "job.7"
        assert store.save(Task()) == "job.8"


class TestCounter:
    """Clause 2 on disk: numbers come in blocks from a counter file, and are never reused."""

    def test_each_instance_reserves_a_block_of_numbers(self, store_dir: Path) -> None:
        first, second = FilesystemStore(store_dir), FilesystemStore(store_dir)
        ids = [store.save(Task()) for store in (first, second, first, second)]
        assert [id_.seqno for id_ in ids] == [1, 1 + SEQUENCE_BLOCK, 2, 2 + SEQUENCE_BLOCK]
        assert int(counter(store_dir)) == 1 + 2 * SEQUENCE_BLOCK

    @pytest.mark.parametrize("contents", [None, b""], ids=["missing", "empty"])
    def test_numbering_restarts_after_the_highest_id_without_a_counter(
            self, store_dir: Path, contents: bytes | None) -> None:
        store = FilesystemStore(store_dir)
        store.save(Task())
        (store_dir / "Other.100").write_bytes(encode({}, 4, str))
        (store_dir / SEQUENCE_FILE).unlink()
        if contents is not None:
            (store_dir / SEQUENCE_FILE).write_bytes(contents)
        assert FilesystemStore(store_dir).save(Task()) == "Task.101"

    def test_a_counter_set_back_makes_saves_fail_rather_than_overwrite(self,
                                                                        store_dir: Path) -> None:
        """What ``durable=False`` promises after a power loss took the last counter update."""
        FilesystemStore(store_dir, durable=False).save(Task("first"))
        lost_update = counter(store_dir)
        taken = FilesystemStore(store_dir, durable=False).save(Task("saved next"))
        (store_dir / SEQUENCE_FILE).write_bytes(lost_update)
        task = Task("would overwrite")
        with pytest.raises(SaveError, match="already taken"):
            FilesystemStore(store_dir, durable=False).save(task)
        assert FilesystemStore(store_dir).load(taken).name == "saved next"
        assert not hasattr(task, "persistent_id")

    @pytest.mark.parametrize("contents", [b"garbage\n", b"\0" * 21, b"12abc", b"-5\n"])
    def test_a_damaged_counter_is_a_store_error_that_says_what_to_do(
            self, store_dir: Path, contents: bytes) -> None:
        (store_dir / SEQUENCE_FILE).write_bytes(contents)
        task = Task()
        with pytest.raises(StoreError, match="damaged") as raised:
            FilesystemStore(store_dir).save(task)
        assert str(store_dir / SEQUENCE_FILE) in str(raised.value)
        assert "delete it" in str(raised.value)
        assert counter(store_dir) == contents
        assert not hasattr(task, "persistent_id")

    def test_the_longest_ascii_id_fits_in_a_file_name(self, store_dir: Path) -> None:
        store = FilesystemStore(store_dir, IdFactory("x" * 200, lambda: 10 ** 18 - 1))
        id_ = store.save(Task("long"))
        assert FilesystemStore(store_dir).load(id_).name == "long"

    def test_an_id_too_long_for_a_file_name_is_refused_cleanly(self, store_dir: Path) -> None:
        store = FilesystemStore(store_dir, IdFactory("é" * 200))
        with pytest.raises(SaveError) as raised:
            store.save(Task())
        assert raised.value.__cause__.errno == errno.ENAMETOOLONG  # type: ignore[union-attr]
        with pytest.raises(LoadError):
            store.load("é" * 200 + ".1")
        assert temporaries(store_dir) == []


class TestDurability:
    @pytest.mark.parametrize("files", ["unnamed", "named"])
    @pytest.mark.parametrize("durable", [True, False])
    def test_durable_flushes_every_file_and_directory_change_and_only_then(
            self, store_dir: Path, monkeypatch: pytest.MonkeyPatch, durable: bool,
            files: str) -> None:
        if files == "named":
            monkeypatch.delattr(os, "O_TMPFILE")  # as where no unnamed file can be made
        store = FilesystemStore(store_dir, durable=durable)
        task = Task("v1")
        id_ = store.save(task)
        synced: list[str] = []
        real_fsync = os.fsync

        def fsync(fd: int) -> None:
            synced.append("directory" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
            real_fsync(fd)

        monkeypatch.setattr(os, "fsync", fsync)
        per_operation = {}
        for name, operation in [("save", lambda: store.save(Task())),
                                ("resave", lambda: store.save(task)),
                                ("replace", lambda: store.replace(id_, Task("v2"))),
                                ("remove", lambda: store.remove(id_))]:
            synced.clear()
            operation()
            per_operation[name] = list(synced)
        expected = {"save": ["file", "directory"], "resave": ["file", "directory"],
                    "replace": ["file", "directory"], "remove": ["directory"]}
        assert per_operation == (expected if durable else {name: [] for name in expected})
        assert len(FilesystemStore(store_dir).list()) == 1

    def test_a_new_counter_is_flushed_with_its_directory(
            self, store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        synced: list[str] = []
        inodes: list[int] = []
        real_fsync = os.fsync

        def fsync(fd: int) -> None:
            synced.append(os.readlink(f"/proc/self/fd/{fd}"))
            inodes.append(os.fstat(fd).st_ino)
            real_fsync(fd)

        monkeypatch.setattr(os, "fsync", fsync)
        id_ = FilesystemStore(store_dir).save(Task())
        assert synced[:2] == [str(store_dir / SEQUENCE_FILE), str(store_dir)]
        assert inodes[2] == (store_dir / id_).stat().st_ino  # the record, before it had a name
        assert synced[3:] == [str(store_dir)]


class TestNothingLeftBehind:
    """Clause 10 on disk: no temporary file survives a save, failed or not."""

    def test_no_temporary_file_after_any_operation(self, store_dir: Path) -> None:
        store = FilesystemStore(store_dir, durable=False)
        ids = [store.save(Task(str(n))) for n in range(10)]
        for id_ in ids[:5]:
            store.replace(id_, Task("replaced"))
        for id_ in ids[5:]:
            store.remove(id_)
        with pytest.raises(SaveError):
            store.save(Task(poison=lambda: None))
        assert temporaries(store_dir) == []

    INJECTIONS = (("save", "record fsync"), ("save", "link"), ("save", "directory fsync"),
                  ("resave", "record fsync"), ("resave", "replace"),
                  ("replace", "record fsync"), ("replace", "replace"))

    @pytest.mark.parametrize(("operation", "failing"), INJECTIONS)
    def test_a_full_disk_leaves_no_trace(self, store_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                         operation: str, failing: str) -> None:
        store = FilesystemStore(store_dir, durable=True)
        task = Task("v1")
        id_ = store.save(task)
        before = snapshot(store_dir)
        task.name, task.changed = "v2", True
        victim = Task("v2") if operation != "resave" else task
        attempt = (lambda: store.replace(id_, victim)) if operation == "replace" else (
            lambda: store.save(victim))
        self.inject_enospc(monkeypatch, failing)
        with pytest.raises(SaveError) as raised:
            attempt()
        monkeypatch.undo()
        assert raised.value.__cause__.errno == errno.ENOSPC  # type: ignore[union-attr]
        assert snapshot(store_dir) == before
        assert FilesystemStore(store_dir).load(id_).name == "v1"
        if operation == "resave":
            assert (task.persistent_id, task.changed) == (id_, True)
        else:
            assert not hasattr(victim, "persistent_id")

    @staticmethod
    def inject_enospc(monkeypatch: pytest.MonkeyPatch, failing: str) -> None:
        def full(*_: Any, **__: Any) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        if failing in ("link", "replace"):
            monkeypatch.setattr(os, failing, full)
            return
        real_fsync = os.fsync
        want_directory = failing == "directory fsync"

        def fsync(fd: int) -> None:
            if stat.S_ISDIR(os.fstat(fd).st_mode) == want_directory:
                full()
            real_fsync(fd)

        monkeypatch.setattr(os, "fsync", fsync)

    def test_a_write_that_fails_for_real_leaves_no_trace(
            self, store_dir: Path, in_child: Callable[..., Any],
            limited_file_size: Callable[[int], AbstractContextManager[None]]) -> None:
        store = FilesystemStore(store_dir, durable=False)
        id_ = store.save(Task("small"))
        before = snapshot(store_dir)

        def save_beyond_the_file_size_limit() -> list[Any]:
            big = Task("big", payload=b"x" * 100_000)
            outcomes = []
            with limited_file_size(4096):
                for attempt in (lambda: store.save(big), lambda: store.replace(id_, big)):
                    try:
                        attempt()
                    except SaveError as exc:
                        outcomes.append(exc.__cause__.errno)  # type: ignore[union-attr]
            return [*outcomes, hasattr(big, "persistent_id")]

        assert in_child(save_beyond_the_file_size_limit) == [errno.EFBIG, errno.EFBIG, False]
        assert snapshot(store_dir) == before
        assert FilesystemStore(store_dir).load(id_).name == "small"


# -- writers killed in the middle ----------------------------------------------------------------

@pytest.fixture
def unnamed_files(store_dir: Path) -> None:
    """Skip unless the file system of the store directory makes unnamed files (``O_TMPFILE``)."""
    try:
        os.close(os.open(store_dir, os.O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC))
    except OSError as exc:
        pytest.skip(f"{store_dir} cannot hold unnamed files (O_TMPFILE): {exc.strerror}")


@pytest.fixture
def named_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stores opened in the test (and its children) write named temporary files, as where the
    kernel makes no unnamed files."""
    monkeypatch.delattr(os, "O_TMPFILE")


def stop_in(channel: Connection, directory: Path, call: str, id_: str | None) -> None:
    """In a child: save a new record (`id_` None) or replace `id_`, stopping in the `call` to `os`
    that puts the record in place, and saying so; the parent kills the child there."""
    def stopped(*_: Any, **__: Any) -> None:
        channel.send(f"in os.{call}")
        channel.recv()  # never answered

    setattr(os, call, stopped)  # the child's own os module: the parent's is untouched
    store = FilesystemStore(directory)
    if id_ is None:
        store.save(Task("new"))
    else:
        store.replace(id_, Task("v2"))


RECORD_SIZES = (10, 100_000)
"""The payloads the killed writers write: one of 100 kB takes long enough to be cut."""
KILLED_WRITERS = 40
MOST_REPORTS_BEFORE_A_KILL = 30


def save_and_replace_until_killed(channel: Connection, directory: Path, durable: bool,
                                  ids: list[str], seed: int) -> None:
    """In a child: save new records and replace `ids` (and the new ones) at random, reporting
    each call as ``(ID, version, returned)`` as it begins and once it returned, forever."""
    store = FilesystemStore(directory, durable=durable)
    rng = random.Random(seed)
    for number in itertools.count():
        task = Task(f"{seed}-{number}", payload=b"x" * rng.choice(RECORD_SIZES))
        if rng.random() < 0.5:
            channel.send((None, task.name, False))
            ids.append(store.save(task))
            channel.send((ids[-1], task.name, True))
        else:
            id_ = rng.choice(ids)
            channel.send((id_, task.name, False))
            store.replace(id_, task)
            channel.send((id_, task.name, True))


class TestKilledWriters:
    """A writer SIGKILLed in the middle of a save or a replace leaves no record lost or torn, and
    no temporary file that `list` does not remove at once; a live writer's it never removes.

    How it is provoked: a forked writer is killed at a random moment after a random number of
    its reports (about one kill in a hundred lands while a temporary file has a name), or
    stopped in the call that puts its record in place and killed there.
    """

    @pytest.mark.usefixtures("unnamed_files")
    @pytest.mark.parametrize("operation", ["save", "replace"])
    def test_list_keeps_a_live_writers_temporary_file_and_removes_it_once_the_writer_is_killed(
            self, store_dir: Path, fork_child: Callable[..., Any], operation: str) -> None:
        id_ = FilesystemStore(store_dir).save(Task("v1"))
        call = "link" if operation == "save" else "replace"
        writer = fork_child(stop_in, store_dir, call, id_ if operation == "replace" else None)
        assert writer.receive() == f"in os.{call}"
        held = temporaries(store_dir)
        # a new record has no name until it has its own; a replacing one, a name its writer holds
        assert [name.startswith(HELD_PREFIX) for name in held] == (
            [] if operation == "save" else [True])
        assert FilesystemStore(store_dir).list() == [id_]
        assert temporaries(store_dir) == held
        writer.kill()
        assert FilesystemStore(store_dir).list() == [id_]
        assert temporaries(store_dir) == []
        assert FilesystemStore(store_dir).load(id_).name == "v1"

    @pytest.mark.usefixtures("unnamed_files")
    def test_a_writer_killed_at_random_moments_loses_nothing_and_list_removes_its_leftovers(
            self, store_dir: Path, fork_child: Callable[..., Any]) -> None:
        rng = random.Random()
        first = FilesystemStore(store_dir)
        # each live ID, with the version it was last acknowledged with
        acknowledged = {str(first.save(Task("v0"))): "v0" for _ in range(4)}
        for round_ in range(KILLED_WRITERS):
            writer = fork_child(save_and_replace_until_killed, store_dir, round_ % 2 == 0,
                                list(acknowledged), rng.randrange(2 ** 32))
            reports = [writer.receive() for _ in range(rng.randint(1, MOST_REPORTS_BEFORE_A_KILL))]
            os.kill(writer.pid, signal.SIGKILL)
            reports += writer.drain()
            writer.kill()
            cut = None
            for id_, version, returned in reports:
                cut = None if returned else (id_, version)
                if returned:
                    acknowledged[id_] = version
            store = FilesystemStore(store_dir)
            listed = set(store.list())
            where = f"after kill {round_ + 1}, which cut short {cut}"
            assert temporaries(store_dir) == [], where
            if cut is not None:
                self.settle(store, cut, listed, acknowledged)
            assert listed == set(acknowledged), where
            for id_ in {id_ for id_, _, _ in reports if id_ is not None}:
                assert store.load(id_).name == acknowledged[id_], where
        store = FilesystemStore(store_dir)
        assert {id_: store.load(id_).name for id_ in store.list()} == acknowledged
        assert set(os.listdir(store_dir)) == set(acknowledged) | {SEQUENCE_FILE}

    @staticmethod
    def settle(store: FilesystemStore, cut: tuple[str | None, str], listed: set[str],
               acknowledged: dict[str, str]) -> None:
        """Take into `acknowledged` what became of the call the kill cut short."""
        id_, version = cut
        if id_ is None:  # a save: its record is there whole, or not at all
            new = listed - set(acknowledged)
            assert len(new) <= 1, f"one save was cut short, yet {sorted(new)} are new"
            for new_id in new:
                assert store.load(new_id).name == version
                acknowledged[new_id] = version
            return
        found = store.load(id_).name
        assert found in (acknowledged[id_], version), (
            f"{id_} loads {found!r} after a kill in the middle of replacing it, neither "
            f"{acknowledged[id_]!r}, acknowledged, nor {version!r}, being written")
        acknowledged[id_] = found


class TestNamedTemporaryFiles:
    """Where no unnamed file can be made, records are written to named temporary files: the store
    works as well, asks the file system only once, and `list` removes such a file only once no
    writer holds it and it is stale (`filesystem.ABANDONED_AFTER_S`)."""

    @pytest.fixture(params=["no O_TMPFILE", "refused by the file system", "no /proc"])
    def unnamed_attempts(self, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
                         tmp_path: Path) -> list[int]:
        """Make unnamed files unavailable one way; return the list that counts the attempts."""
        attempts: list[int] = []
        if request.param == "no O_TMPFILE":
            monkeypatch.delattr(os, "O_TMPFILE")
            return attempts
        unnamed, real_open = os.O_TMPFILE, os.open

        def counted_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            if flags & unnamed == unnamed:
                attempts.append(flags)
                if request.param == "refused by the file system":
                    raise OSError(errno.EOPNOTSUPP, os.strerror(errno.EOPNOTSUPP), path)
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", counted_open)
        if request.param == "no /proc":
            monkeypatch.setattr(filesystem, "_FD_LINKS", f"{tmp_path / 'no-proc'}/")
        return attempts

    def test_records_are_written_to_named_files_and_unnamed_ones_tried_once(
            self, store_dir: Path, monkeypatch: pytest.MonkeyPatch,
            unnamed_attempts: list[int]) -> None:
        written: list[str] = []
        real_fsync = os.fsync

        def fsync(fd: int) -> None:
            written.append(os.path.basename(os.readlink(f"/proc/self/fd/{fd}")))
            real_fsync(fd)

        monkeypatch.setattr(os, "fsync", fsync)
        store = FilesystemStore(store_dir)
        ids = [store.save(Task(str(n))) for n in range(3)]
        store.replace(ids[0], Task("replaced"))
        store.remove(ids[1])
        named_after = [name.removeprefix(".tmp-").rsplit("-", 1)[0] for name in written
                       if name.startswith(".tmp-")]
        assert named_after == [*ids, ids[0]]  # each record, written to a file named after its ID
        assert len(unnamed_attempts) <= 1
        assert temporaries(store_dir) == []
        fresh = FilesystemStore(store_dir)
        assert {id_: fresh.load(id_).name for id_ in fresh.list()} == {ids[0]: "replaced",
                                                                        ids[2]: "2"}

    @pytest.mark.usefixtures("named_files")
    @pytest.mark.parametrize("operation", ["save", "replace"])
    def test_list_removes_a_killed_writers_named_file_only_once_it_is_stale(
            self, store_dir: Path, fork_child: Callable[..., Any], operation: str) -> None:
        id_ = FilesystemStore(store_dir).save(Task("v1"))
        call = "link" if operation == "save" else "replace"
        writer = fork_child(stop_in, store_dir, call, id_ if operation == "replace" else None)
        assert writer.receive() == f"in os.{call}"
        [left] = temporaries(store_dir)
        assert not left.startswith(HELD_PREFIX)
        assert FilesystemStore(store_dir).list() == [id_]
        assert temporaries(store_dir) == [left]
        writer.kill()
        assert FilesystemStore(store_dir).list() == [id_]
        assert temporaries(store_dir) == [left]  # no writer holds it, but it is fresh
        stale = time.time() - filesystem.ABANDONED_AFTER_S - 1
        os.utime(store_dir / left, (stale, stale))
        assert FilesystemStore(store_dir).list() == [id_]
        assert temporaries(store_dir) == []
        assert FilesystemStore(store_dir).load(id_).name == "v1"


def use_read_only_store(drop_root: Callable[[], str | None], directory: Path, id_: str) -> Any:
    """In a child: without write permission (dropping root's if need be), load, save, replace
    and remove, reporting how each went."""
    refused = drop_root()
    if refused is not None:
        return refused
    if os.access(directory, os.W_OK):
        return "the directory is still writable"
    store = FilesystemStore(directory)
    outcomes: dict[str, Any] = {"load": store.load(id_).name, "list": store.list()}
    for name, operation in [("save", lambda: store.save(Task())),
                            ("replace", lambda: store.replace(id_, Task("replaced"))),
                            ("remove", lambda: store.remove(id_))]:
        try:
            operation()
            outcomes[name] = "done"
        except StoreError as exc:
            outcomes[name] = (type(exc).__name__, getattr(exc.__cause__, "errno", None))
    return outcomes


@pytest.mark.parametrize("counter_writable", [False, True])
def test_a_read_only_directory_loads_but_refuses_changes(
        reachable_dir: Path, in_child: Callable[..., Any], unprivileged: Callable[[], str | None],
        counter_writable: bool) -> None:
    directory = reachable_dir / "store"
    id_ = FilesystemStore(directory).save(Task("readable"))
    abandoned = directory / f".tmp-{id_}-abandoned"  # list() would remove it, if it could
    abandoned.write_bytes(b"half a record")
    stale = time.time() - filesystem.ABANDONED_AFTER_S - 1
    os.utime(abandoned, (stale, stale))
    before = snapshot(directory)
    (directory / SEQUENCE_FILE).chmod(0o666 if counter_writable else 0o644)
    directory.chmod(0o555)
    outcomes = in_child(use_read_only_store, unprivileged, directory, id_)
    if isinstance(outcomes, str):
        pytest.skip(outcomes)
    assert outcomes == {"load": "readable", "list": [id_], "save": ("SaveError", errno.EACCES),
                        "replace": ("SaveError", errno.EACCES),
                        "remove": ("StoreError", errno.EACCES)}
    assert snapshot(directory) == before


class TestRecordLocks:
    """Replace and remove lock the record, and notice when it changed while they waited."""

    @pytest.mark.parametrize("meanwhile", ["replaced", "removed"])
    @pytest.mark.parametrize("operation", ["replace", "remove"])
    def test_a_record_changed_while_waiting_for_its_lock(
            self, store_dir: Path, monkeypatch: pytest.MonkeyPatch, operation: str,
            meanwhile: str) -> None:
        store, other = FilesystemStore(store_dir), FilesystemStore(store_dir)
        id_ = store.save(Task("v1"))
        real_flock = fcntl.flock
        provoked: list[bool] = []

        def flock_after_another_writer(fd: int, how: int) -> None:
            if not provoked:
                provoked.append(True)
                if meanwhile == "replaced":
                    other.replace(id_, Task("by the other writer"))
                else:
                    other.remove(id_)
            real_flock(fd, how)

        monkeypatch.setattr(fcntl, "flock", flock_after_another_writer)
        if meanwhile == "removed":
            with pytest.raises(LoadError, match=rf"'{id_}'"):
                getattr(store, operation)(id_, *([Task("v2")] if operation == "replace" else []))
            assert FilesystemStore(store_dir).list() == []
        elif operation == "replace":
            store.replace(id_, Task("v2"))
            assert FilesystemStore(store_dir).load(id_).name == "v2"
        else:
            store.remove(id_)
            assert FilesystemStore(store_dir).list() == []
        assert provoked
        assert temporaries(store_dir) == []


FILLER_RECORD = encode({"filler": True}, 4, str)
BATCH, ROUNDS = 200, 9
"""Each cost is the best of ROUNDS rounds: the other tests running beside this one on a 2-core
machine slow some rounds, never the best."""
GROWTH_BOUND = 4.0


def fill(directory: Path, first: int, last: int) -> None:
    """Put records Filler.first .. Filler.last-1 straight into the directory (setup only): hard
    links to a few files, quick to make and free of disk space."""
    links_per_file = 50_000  # well below the file systems' limit on links to one file
    for start in range(first, last, links_per_file):
        source = directory / f".filler-{start}"
        source.write_bytes(FILLER_RECORD)
        for seqno in range(start, min(start + links_per_file, last)):
            os.link(source, directory / f"Filler.{seqno}")
        source.unlink()


def best_time(operation: Callable[[], Any], rounds: int = ROUNDS) -> float:
    # the processor time of this process: what the other processes of a loaded machine take
    # from it does not count
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        operation()
        best = min(best, time.process_time() - start)
    return best


def costs(store: FilesystemStore, load_ids: list[str], records: int) -> dict[str, float]:
    """Seconds per save, per load and per listed record, best of a few rounds."""
    def loads() -> None:
        store.invalidate_cache()
        for id_ in load_ids:
            store.load(id_)

    return {"save": best_time(lambda: [store.save(Task()) for _ in range(BATCH)]) / BATCH,
            "load": best_time(loads) / len(load_ids),
            "list": best_time(store.list, 2) / records}


def test_costs_do_not_grow_with_the_number_of_records(
        store_dir: Path, record_property: Callable[[str, Any], None]) -> None:
    """100,000 records: save, load and list cost per record as much as with 1,000 (a ratio
    measured in this one test, never a wall-clock bound)."""
    store = FilesystemStore(store_dir, durable=False)
    first_ids = [store.save(Task()) for _ in range(BATCH)]
    fill(store_dir, 10 ** 9, 10 ** 9 + 1000 - BATCH)
    try:
        small = costs(store, first_ids, len(os.listdir(store_dir)))
        fill(store_dir, 10 ** 9 + 1000, 10 ** 9 + 100_000)
        records = len(os.listdir(store_dir))
        large = costs(store, first_ids, records)
        start = time.perf_counter()
        listed = store.list()
        record_property("list_seconds_at_100k", time.perf_counter() - start)
        assert len(listed) == len(os.listdir(store_dir)) - 1 > 100_000
        ratios = {name: large[name] / small[name] for name in small}
        record_property("cost_ratios_100k_to_1k", ratios)
        assert all(ratio < GROWTH_BOUND for ratio in ratios.values()), ratios
    finally:
        shutil.rmtree(store_dir)
