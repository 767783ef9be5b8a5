"""The durability check (clause 16): its reading of traces, and real stores traced by strace.

The rules of `unsynced` are checked on small traces written by hand, in the
format ``strace -f -y`` prints (copied from real traces); the whole check on
real stores in a real traced child process: gc3store's file and SQLite
stores, durable and not, and stores of `durability_stores` that skip the
directory's flush, fail or hang.  Without a working strace (not installed,
ptrace refused) those are skipped, except under CI=true (which runs as
root, where strace can trace), where they fail.
"""

from __future__ import annotations

import errno
import functools
import os
import subprocess
import sys
import textwrap
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import durability_stores
import pytest

from gc3store import FilesystemStore, SqlStore
from gc3store_testkit import children
from gc3store_testkit.durability import (
    TRACE_FILE,
    TracingUnavailable,
    check_durability,
    strace_options,
    working_strace,
)
from gc3store_testkit.markers import marker_paths
from gc3store_testkit.replay import unsynced
from gc3store_testkit.targets import UriFactory

if TYPE_CHECKING:
    from conftest import KitRun

TESTKIT_DIRECTORY = Path(__file__).parent
TIMEOUT = 60.0
HANG_TIMEOUT = 8.0
"""Long enough for a loaded machine to start the traced child and reach the hanging remove."""
CWD = "/work"
OPERATION = "save(obj)"


def marked(*lines: str, number: int = 1, operation: str = OPERATION) -> str:
    """A trace of one operation: `lines` between its markers, as ``strace -f -y`` prints them."""
    begin, end = marker_paths(number, operation)
    return "\n".join([
        f'7 openat(AT_FDCWD<{CWD}>, "{begin}", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file '
        f'or directory)', *lines,
        f'7 openat(AT_FDCWD<{CWD}>, "{end}", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or '
        f'directory)', ""])


def before(*lines: str) -> str:
    """Lines of a trace before the first operation (the warm-up)."""
    return "\n".join([*lines, ""])


def opened(path: str, fd: int = 3, flags: str = "O_RDWR|O_CLOEXEC") -> str:
    return f'7 openat(AT_FDCWD<{CWD}>, "{path}", {flags}, 0666) = {fd}<{path}>'


def created(path: str, fd: int = 3) -> str:
    return opened(path, fd, "O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC")


def written(path: str, fd: int = 3) -> str:
    return f'7 write({fd}<{path}>, ""..., 107) = 107'


def fsynced(path: str, fd: int = 3) -> str:
    return f"7 fsync({fd}<{path}>) = 0"


def directory_fsynced(path: str, fd: int = 4) -> str:
    return "\n".join([opened(path, fd, "O_RDONLY|O_CLOEXEC|O_DIRECTORY"), fsynced(path, fd)])


def unflushed_file(path: str | Path, how: str = "written", operation: str = OPERATION) -> str:
    return f"{operation} returned before fsync of {path} ({how})"


def unflushed_directory(path: str, entries: str, operation: str = OPERATION) -> str:
    return f"{operation} returned before fsync of the directory {path} (entries {entries})"


# -- files ---------------------------------------------------------------------------------------

def test_a_file_written_and_not_flushed_is_reported() -> None:
    trace = before(opened("/d/f")) + marked(written("/d/f"))
    assert unsynced(trace, CWD) == [unflushed_file("/d/f")]


@pytest.mark.parametrize("flush", ["fsync", "fdatasync"])
def test_a_flush_of_the_file_clears_its_writes(flush: str) -> None:
    trace = before(opened("/d/f")) + marked(written("/d/f"), f"7 {flush}(3</d/f>) = 0")
    assert unsynced(trace, CWD) == []


def test_a_flush_of_another_file_leaves_the_write_unflushed() -> None:
    trace = before(opened("/d/f"), opened("/d/g", 4)) + marked(written("/d/f"),
                                                               fsynced("/d/g", 4))
    assert unsynced(trace, CWD) == [unflushed_file("/d/f")]


@pytest.mark.parametrize("flush", ["sync()", "syncfs(5</d>)"])
def test_sync_and_syncfs_flush_every_file_and_directory(flush: str) -> None:
    trace = before(opened("/d/f")) + marked(written("/d/f"), created("/d/g", 4),
                                            f"7 {flush} = 0")
    assert unsynced(trace, CWD) == []


@pytest.mark.parametrize(("call", "how"), [
    ('pwrite64(3</d/f>, ""..., 21, 0) = 21', "written"),
    ('writev(3</d/f>, [{iov_base=""..., iov_len=5}, {iov_base=""..., iov_len=7}], 2) = 12',
     "written"),
    ("pwritev2(3</d/f>, [{iov_base=\"\"..., iov_len=5}], 1, 0, RWF_APPEND) = 5", "written"),
    ("copy_file_range(5</d/source>, NULL, 3</d/f>, NULL, 4096, 0) = 4096", "written"),
    ("sendfile(3</d/f>, 5</d/source>, NULL, 4096) = 4096", "written"),
    ("ftruncate(3</d/f>, 0) = 0", "truncated"),
    ('truncate("/d/f", 0) = 0', "truncated"),
    ("fallocate(3</d/f>, 0, 0, 4096) = 0", "allocated"),
])
def test_every_call_that_changes_data_makes_the_file_unflushed(call: str, how: str) -> None:
    trace = before(opened("/d/f")) + marked(f"7 {call}")
    assert unsynced(trace, CWD) == [unflushed_file("/d/f", how)]


@pytest.mark.parametrize("flag", ["O_SYNC", "O_DSYNC"])
def test_writes_to_a_file_opened_o_sync_or_o_dsync_are_flushed(flag: str) -> None:
    trace = before(opened("/d/f", flags=f"O_WRONLY|{flag}|O_CLOEXEC")) + marked(written("/d/f"))
    assert unsynced(trace, CWD) == []


def test_the_o_sync_of_one_descriptor_does_not_flush_writes_through_another() -> None:
    trace = before(opened("/d/f", 3, "O_WRONLY|O_SYNC"), opened("/d/f", 4)) + marked(
        written("/d/f", 4))
    assert unsynced(trace, CWD) == [unflushed_file("/d/f")]


def test_unflushed_data_follows_its_file_through_a_rename() -> None:
    trace = before(opened("/d/.tmp-1"), opened("/d/rec", 5)) + marked(
        written("/d/.tmp-1"), 'rename("/d/.tmp-1", "/d/rec") = 0', directory_fsynced("/d"))
    assert unsynced(trace, CWD) == [unflushed_file("/d/rec")]


def test_renaming_a_flushed_file_over_an_unflushed_one_leaves_nothing_unflushed() -> None:
    trace = before(opened("/d/.tmp-1"), opened("/d/rec", 5)) + marked(
        written("/d/rec", 5), written("/d/.tmp-1"), fsynced("/d/.tmp-1"),
        'rename("/d/.tmp-1", "/d/rec") = 0', directory_fsynced("/d"))
    assert unsynced(trace, CWD) == []


def test_a_file_unlinked_in_the_call_needs_no_flush_of_its_data() -> None:
    trace = before(opened("/d/f")) + marked(written("/d/f"), 'unlink("/d/f") = 0',
                                            directory_fsynced("/d"))
    assert unsynced(trace, CWD) == []


def test_a_hard_link_shares_its_file_s_flushes() -> None:
    trace = before(opened("/d/a")) + marked(written("/d/a"), 'link("/d/a", "/d/b") = 0',
                                            'unlink("/d/a") = 0', directory_fsynced("/d"),
                                            "7 fsync(3</d/a>(deleted)) = 0")
    assert unsynced(trace, CWD) == []


# -- directories ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("calls", "expected"), [
    (['7 rename("/a/x", "/b/y") = 0'],
     [("/a", "renamed away: x"), ("/b", "renamed: y")]),
    (['7 renameat2(AT_FDCWD</a>, "x", AT_FDCWD</a>, "y", RENAME_NOREPLACE) = 0'],
     [("/a", "renamed away: x, renamed: y")]),
    (['7 renameat2(AT_FDCWD</a>, "x", AT_FDCWD</b>, "y", RENAME_EXCHANGE) = 0'],
     [("/a", "exchanged: x"), ("/b", "exchanged: y")]),
    (['7 link("/a/x", "/a/y") = 0'], [("/a", "linked: y")]),
    (['7 linkat(AT_FDCWD</a>, "x", 5</b>, "y", 0) = 0'], [("/b", "linked: y")]),
    (['7 unlink("/a/x") = 0'], [("/a", "removed: x")]),
    (['7 unlinkat(5</a>, "x", 0) = 0'], [("/a", "removed: x")]),
    (['7 mkdir("/a/sub", 0777) = 0'], [("/a", "created: sub")]),
    (['7 mkdirat(5</a>, "sub", 0700) = 0', '7 unlinkat(5</a>, "sub", AT_REMOVEDIR) = 0'], []),
    (['7 symlinkat("x", 5</b>, "l") = 0'], [("/b", "created: l")]),
    (['7 mknodat(AT_FDCWD</a>, "fifo", S_IFIFO|0600) = 0'], [("/a", "created: fifo")]),
    ([created("/a/new")], [("/a", "created: new")]),
])
def test_a_directory_whose_entries_changed_and_that_was_not_flushed_is_reported(
        calls: list[str], expected: list[tuple[str, str]]) -> None:
    trace = before(opened("/a/x")) + marked(*calls)
    assert unsynced(trace, CWD) == [unflushed_directory(path, entries)
                                    for path, entries in expected]


def test_a_flush_of_the_directory_clears_its_changed_entries() -> None:
    trace = before(opened("/a/x")) + marked('rename("/a/x", "/b/y") = 0', directory_fsynced("/a"),
                                            "7 fdatasync(6</b>) = 0")
    assert unsynced(trace, CWD) == []


def test_a_change_after_the_directory_s_flush_is_reported() -> None:
    trace = before(opened("/a/x")) + marked(directory_fsynced("/a"), 'unlink("/a/x") = 0')
    assert unsynced(trace, CWD) == [unflushed_directory("/a", "removed: x")]


def test_a_name_created_and_removed_within_the_call_leaves_its_directory_unchanged() -> None:
    trace = marked(created("/d/.tmp-Task.3-ab"), written("/d/.tmp-Task.3-ab"),
                   'unlink("/d/.tmp-Task.3-ab") = 0')
    assert unsynced(trace, CWD) == []


def test_a_name_removed_after_the_directory_was_flushed_changes_it_again() -> None:
    trace = marked(created("/d/.tmp-1"), directory_fsynced("/d"), 'unlink("/d/.tmp-1") = 0')
    assert unsynced(trace, CWD) == [unflushed_directory("/d", "removed: .tmp-1")]


def test_the_named_temporary_file_scheme_reports_only_what_it_left_unflushed() -> None:
    # FilesystemStore(durable=False) where it makes no unnamed files: as strace showed it
    temporary = "/s/.tmp-Task.3-ce10d1f7e1a5fa2d"
    trace = marked(created(temporary, 5), written(temporary, 5),
                   f'5775  link("{temporary}", "/s/Task.3") = 0',
                   f'5775  unlink("{temporary}") = 0')
    assert unsynced(trace, CWD) == [unflushed_file("/s/Task.3"),
                                    unflushed_directory("/s", "linked: Task.3")]


@pytest.mark.parametrize("reopened", [
    '7 openat(AT_FDCWD</work>, "/d/seq", O_RDWR|O_CREAT|O_NOFOLLOW|O_CLOEXEC, 0666) = 4</d/seq>',
    '7 openat2(AT_FDCWD</work>, "/d/seq", {flags=O_RDWR|O_CREAT|O_CLOEXEC, mode=0644, '
    'resolve=0}, 24) = 4</d/seq>'])
def test_o_creat_without_o_excl_creates_only_a_path_not_seen_before(reopened: str) -> None:
    assert unsynced(before(opened("/d/seq")) + marked(reopened), CWD) == []
    assert unsynced(marked(reopened), CWD) == [unflushed_directory("/d", "created: seq")]
    assert unsynced(before(opened("/d/seq"), 'unlink("/d/seq") = 0') + marked(reopened),
                    CWD) == [unflushed_directory("/d", "created: seq")]


def test_o_creat_with_o_excl_is_always_a_creation() -> None:
    trace = before(opened("/d/f")) + marked(created("/d/f"))
    assert unsynced(trace, CWD) == [unflushed_directory("/d", "created: f")]


def test_creat_and_open_without_a_directory_descriptor_create_in_the_working_directory() -> None:
    trace = marked('7 creat("new", 0644) = 3</work/new>', '7 open("/d/g", O_WRONLY|O_CREAT|'
                   'O_EXCL, 0600) = 4</d/g>')
    assert unsynced(trace, CWD) == [unflushed_directory("/work", "created: new"),
                                    unflushed_directory("/d", "created: g")]


def test_relative_paths_resolve_against_their_directory_descriptor_or_the_working_one() -> None:
    trace = before(opened("/d/a"), opened("/work/b", 5)) + marked(
        written("/d/a"), '7 renameat(6</d>, "a", 6</d>, "sub/../c") = 0',
        '7 unlink("b") = 0', "7 fsync(6</d>) = 0")
    assert unsynced(trace, CWD) == [unflushed_file("/d/c"),
                                    unflushed_directory("/work", "removed: b")]


def test_paths_through_a_symbolic_link_name_the_directory_they_lead_to() -> None:
    trace = before(opened("/link/d", 4, "O_RDONLY|O_DIRECTORY").replace("= 4</link/d>",
                                                                         "= 4</real/d>")) + \
        marked('7 rename("/link/d/.tmp-1", "/link/d/rec") = 0', fsynced("/real/d", 4))
    assert unsynced(trace, CWD) == []


# -- unnamed files (O_TMPFILE) ------------------------------------------------------------------

TMPFILE_OPEN = ('19339 openat(AT_FDCWD</work>, "/s", O_WRONLY|O_CLOEXEC|O_TMPFILE, 0666) = '
                '3</s/#2171656>(deleted)')
TMPFILE_WRITE = '19339 write(3</s/#2171656>(deleted), ""..., 107) = 107'
TMPFILE_FSYNC = "19339 fsync(3</s/#2171656>(deleted)) = 0"
TMPFILE_LINK = ('19339 linkat(3</s/#2171656>(deleted), "/proc/self/fd/3", AT_FDCWD</work>, '
                '"/s/Task.5", AT_SYMLINK_FOLLOW) = 0')


@pytest.mark.parametrize(("lines", "expected"), [
    ([TMPFILE_OPEN, TMPFILE_WRITE, TMPFILE_FSYNC, TMPFILE_LINK], ["linked: Task.5"]),
    ([TMPFILE_OPEN, TMPFILE_WRITE, TMPFILE_LINK, TMPFILE_FSYNC], ["linked: Task.5"]),
    ([TMPFILE_OPEN, TMPFILE_WRITE, TMPFILE_LINK], ["written", "linked: Task.5"]),
    ([TMPFILE_OPEN, TMPFILE_LINK, TMPFILE_WRITE], ["written", "linked: Task.5"]),
    ([TMPFILE_OPEN, TMPFILE_WRITE], []),
    ([line.replace(">(deleted)", " (deleted)>") for line in (TMPFILE_OPEN, TMPFILE_WRITE,
                                                            TMPFILE_LINK)],
     ["written", "linked: Task.5"]),
    ([TMPFILE_OPEN, TMPFILE_WRITE, '7 linkat(3</s/#2171656>(deleted), "", AT_FDCWD</work>, '
      '"/s/Task.5", AT_EMPTY_PATH) = 0'], ["written", "linked: Task.5"]),
])
def test_an_unnamed_file_needs_a_flush_once_it_is_linked(lines: list[str],
                                                          expected: list[str]) -> None:
    problems = [unflushed_file("/s/Task.5") if what == "written" else
                unflushed_directory("/s", what) for what in expected]
    assert unsynced(marked(*lines), CWD) == problems


def test_an_unnamed_file_linked_and_renamed_over_a_record_carries_its_data() -> None:
    # FilesystemStore's replace, where it makes unnamed files
    trace = before(opened("/s/Task.2", 5)) + marked(
        TMPFILE_OPEN, TMPFILE_WRITE, TMPFILE_LINK.replace("Task.5", ".tmp-held-b2"),
        '19339 rename("/s/.tmp-held-b2", "/s/Task.2") = 0', directory_fsynced("/s"))
    assert unsynced(trace, CWD) == [unflushed_file("/s/Task.2")]


def test_an_inode_number_reused_by_a_new_unnamed_file_is_a_new_file() -> None:
    trace = before(TMPFILE_OPEN, TMPFILE_WRITE, TMPFILE_LINK) + marked(
        TMPFILE_OPEN, TMPFILE_WRITE)
    assert unsynced(trace, CWD) == []


# -- what the trace holds besides --------------------------------------------------------------

def test_sqlite_shared_memory_index_is_ignored() -> None:
    trace = marked(created("/d/x.db-shm"), written("/d/x.db-shm"),
                   "7 ftruncate(3</d/x.db-shm>, 32768) = 0")
    assert unsynced(trace, CWD) == []


def test_pipes_sockets_and_devices_are_ignored() -> None:
    trace = marked('7 write(1<pipe:[1234]>, ""..., 5) = 5', '7 write(5<socket:[99]>, ""..., 5) '
                   '= 5', '7 write(6</dev/null>, ""..., 5) = 5', '7 write(2, ""..., 5) = 5')
    assert unsynced(trace, CWD) == []


def test_failed_calls_change_nothing() -> None:
    trace = before(opened("/d/f")) + marked(
        '7 write(3</d/f>, ""..., 107) = -1 ENOSPC (No space left on device)',
        '7 rename("/d/f", "/d/g") = -1 EXDEV (Invalid cross-device link)',
        '7 openat(AT_FDCWD</work>, "/d/new", O_WRONLY|O_CREAT|O_EXCL, 0666) = -1 EEXIST (File '
        'exists)', '7 unlink("/d/gone") = -1 ENOENT (No such file or directory)')
    assert unsynced(trace, CWD) == []


def test_a_failed_flush_flushes_nothing() -> None:
    trace = before(opened("/d/f")) + marked(written("/d/f"),
                                            "7 fsync(3</d/f>) = -1 EIO (Input/output error)")
    assert unsynced(trace, CWD) == [unflushed_file("/d/f")]


def test_an_unfinished_call_takes_effect_when_it_resumes() -> None:
    trace = before(opened("/d/f"), opened("/d/g", 4)) + marked(
        written("/d/f"), "7 fsync(3</d/f> <unfinished ...>",
        '8 write(4</d/g>, ""..., 5) = 5', "7 <... fsync resumed>) = 0",
        '8 fsync(4</d/g> <unfinished ...>') + '8 <... fsync resumed>) = 0\n'
    assert unsynced(trace, CWD) == [unflushed_file("/d/g")]


def test_an_unfinished_open_takes_effect_with_its_resumed_arguments() -> None:
    trace = marked('7 openat(AT_FDCWD</work>, "/d/new", O_WRONLY|O_CREAT <unfinished ...>',
                   "8 sync() = 0", '7 <... openat resumed>|O_EXCL, 0666) = 3</d/new>')
    assert unsynced(trace, CWD) == [unflushed_directory("/d", "created: new")]


def test_what_came_before_the_operation_is_not_its_doing() -> None:
    trace = before(created("/d/f"), written("/d/f")) + marked()
    assert unsynced(trace, CWD) == []


def test_each_operation_is_reported_under_its_own_name() -> None:
    trace = before(opened("/d/f")) + marked(written("/d/f"), operation="save(obj)") + marked(
        fsynced("/d/f"), number=2, operation="replace('Task.1', obj)") + marked(
        'unlink("/d/f") = 0', number=3, operation="remove('Task.1')")
    assert unsynced(trace, CWD) == [
        unflushed_file("/d/f", operation="save(obj)"),
        unflushed_directory("/d", "removed: f", operation="remove('Task.1')")]


def test_an_operation_without_its_end_marker_is_not_judged() -> None:
    trace = marked(written("/d/f")).rsplit("\n", 2)[0]
    assert unsynced(trace, CWD) == []


def test_paths_are_read_as_strace_escapes_them() -> None:
    trace = before('7 openat(AT_FDCWD</work>, "we,ird>d \\"q\\"/f\\n1", O_WRONLY|O_CREAT|'
                   'O_CLOEXEC, 0600) = 3</work/we,ird\\76d \\"q\\"/f\\n1>') + marked(
        '7 write(3</work/we,ird\\76d \\"q\\"/f\\n1>, ""..., 1) = 1',
        '7 rename("/work/we,ird>d \\"q\\"/f\\n1", "/work/we,ird>d \\"q\\"/\\303\\251") = 0')
    assert unsynced(trace, CWD) == [
        unflushed_file('/work/we,ird>d "q"/é'),
        unflushed_directory('/work/we,ird>d "q"', "renamed away: f\n1, renamed: é")]


# -- real traces ---------------------------------------------------------------------------------

@pytest.fixture
def strace() -> str:
    """The path of a strace that can trace here; skip (fail under CI=true) without one."""
    try:
        return working_strace()
    except TracingUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI runs as root, where strace must trace: {exc}", pytrace=False)
        pytest.skip(str(exc))


@pytest.fixture
def test_stores(strace: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Traced children can import `durability_stores`, and apply the setup they are given."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        filter(None, [str(TESTKIT_DIRECTORY), os.environ.get("PYTHONPATH")])))
    setup = children.current_setup()
    yield
    children.configure(setup)


def checked(factory: Any, workdir: Path, timeout: float = TIMEOUT) -> list[str]:
    workdir.mkdir()
    return check_durability(factory, timeout=timeout, workdir=workdir)


def record_files(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir() if not path.name.startswith("."))


@pytest.mark.usefixtures("test_stores")
def test_a_durable_filesystem_store_flushes_every_write(tmp_path: Path) -> None:
    storage = tmp_path / "storage"
    problems = checked(UriFactory(f"file://{storage}"), tmp_path / "work")
    assert problems == []
    assert record_files(storage) == [], "the check leaves no record behind"


@pytest.mark.usefixtures("test_stores")
def test_a_volatile_filesystem_store_leaves_records_and_its_directory_unflushed(
        tmp_path: Path) -> None:
    storage = tmp_path / "storage"
    problems = checked(functools.partial(FilesystemStore, storage, durable=False),
                       tmp_path / "work")
    # the warm-up saved Task.1; the new object is Task.2, and the one it holds, Task.3, is
    # written first
    new, changed = "save(obj) of a new Task holding a new Task", "save(obj) of 'Task.2', changed"
    assert problems == [
        unflushed_file(storage / "Task.3", operation=new),
        unflushed_file(storage / "Task.2", operation=new),
        unflushed_directory(str(storage), "linked: Task.3, Task.2", new),
        unflushed_file(storage / "Task.2", operation=changed),
        unflushed_directory(str(storage), "renamed: Task.2", changed),
        unflushed_file(storage / "Task.1", operation="replace('Task.1', obj)"),
        unflushed_directory(str(storage), "renamed: Task.1", "replace('Task.1', obj)"),
        unflushed_directory(str(storage), "removed: Task.1", "remove('Task.1')")]
    assert record_files(storage) == []


@pytest.mark.usefixtures("test_stores")
def test_a_durable_sqlite_store_syncs_its_wal_at_each_commit(tmp_path: Path) -> None:
    database = tmp_path / "records.db"
    assert checked(functools.partial(SqlStore, f"sqlite:///{database}", durable=True),
                   tmp_path / "work") == []
    assert SqlStore(f"sqlite:///{database}").list() == []


@pytest.mark.usefixtures("test_stores")
def test_a_volatile_sqlite_store_leaves_its_wal_unflushed(tmp_path: Path) -> None:
    database = tmp_path / "records.db"
    problems = checked(functools.partial(SqlStore, f"sqlite:///{database}", durable=False),
                       tmp_path / "work")
    assert len(problems) == 4, problems
    assert all(problem.endswith(f"returned before fsync of {database}-wal (written)")
               for problem in problems), problems


@pytest.mark.usefixtures("test_stores")
def test_a_store_that_never_flushes_its_directory_is_reported(tmp_path: Path) -> None:
    storage = tmp_path / "storage"
    children.configure(children.ChildSetup(modules=("durability_stores",)))
    problems = checked(UriFactory(f"{durability_stores.NO_DIR_SYNC_SCHEME}://{storage}"),
                       tmp_path / "work")
    assert len(problems) == 4, problems
    assert all(f"returned before fsync of the directory {storage} (entries " in problem
               for problem in problems), problems


@pytest.mark.usefixtures("test_stores")
def test_the_child_imports_the_modules_its_setup_names(tmp_path: Path) -> None:
    factory = UriFactory(f"{durability_stores.NO_DIR_SYNC_SCHEME}://{tmp_path / 'storage'}")
    with pytest.raises(children.ChildError, match=durability_stores.NO_DIR_SYNC_SCHEME):
        checked(factory, tmp_path / "work")  # without durability_stores, no such scheme


@pytest.mark.usefixtures("test_stores")
def test_a_store_that_raises_fails_the_child_with_its_traceback(tmp_path: Path) -> None:
    storage = tmp_path / "storage"
    factory = functools.partial(durability_stores.ReplaceRaisesStore, storage)
    with pytest.raises(children.ChildError, match=r"(?s)Traceback.*ReplaceRaisesStore refuses"):
        checked(factory, tmp_path / "work")
    assert record_files(storage) == [], "the child removes what it saved, even when it fails"


@pytest.mark.usefixtures("test_stores")
def test_a_store_that_hangs_is_reported_with_the_child_s_stack(tmp_path: Path) -> None:
    factory = functools.partial(durability_stores.RemoveHangsStore, tmp_path / "storage")
    with pytest.raises(children.ChildHung) as hung:
        checked(factory, tmp_path / "work", timeout=HANG_TIMEOUT)
    message = str(hung.value)
    assert "did not finish within" in message
    assert 'in remove' in message, message
    assert "it may have left the records" in message, message


def test_a_factory_that_cannot_be_pickled_cannot_be_checked(tmp_path: Path,
                                                            strace: str) -> None:
    with pytest.raises(TracingUnavailable, match="cannot be pickled"):
        check_durability(lambda: None, timeout=TIMEOUT, workdir=tmp_path)


class _Elsewhere:
    """A factory whose module exists only in this process."""

    def __call__(self) -> Any:
        raise AssertionError("never called: the child cannot load it")


def test_a_factory_the_child_cannot_unpickle_cannot_be_checked(
        tmp_path: Path, strace: str, monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("durability_only_in_the_parent")
    module.Elsewhere = type("Elsewhere", (_Elsewhere,), {"__module__": module.__name__})
    monkeypatch.setitem(sys.modules, module.__name__, module)
    with pytest.raises(TracingUnavailable, match="cannot be unpickled in a child"):
        check_durability(module.Elsewhere(), timeout=TIMEOUT, workdir=tmp_path)


@pytest.mark.usefixtures("test_stores")
def test_a_store_whose_writes_the_trace_cannot_see_cannot_be_checked(tmp_path: Path) -> None:
    with pytest.raises(TracingUnavailable, match="changed no file that the trace"):
        checked(UriFactory("memory://durability"), tmp_path / "work")


def test_no_strace_on_the_path_means_the_check_cannot_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(TracingUnavailable, match="strace is not installed"):
        check_durability(UriFactory(f"file://{tmp_path}"), timeout=TIMEOUT, workdir=tmp_path)


UNNAMED_FILES = textwrap.dedent("""
    import os, sys
    from gc3store_testkit.markers import marked
    directory, flush = sys.argv[1], sys.argv[2] == "flush"

    def write_unnamed(name):
        fd = os.open(directory, os.O_TMPFILE | os.O_WRONLY, 0o666)
        os.write(fd, b"record")
        if flush:
            os.fsync(fd)
        os.link(f"/proc/self/fd/{fd}", os.path.join(directory, name), src_dir_fd=fd,
                follow_symlinks=True)
        os.close(fd)

    def sync_directory():
        if flush:
            fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
            os.fsync(fd)
            os.close(fd)

    with marked(1, "create"):
        write_unnamed("Task.1")
        sync_directory()
    with marked(2, "replace"):
        write_unnamed(".tmp-held-1")
        os.rename(os.path.join(directory, ".tmp-held-1"), os.path.join(directory, "Task.1"))
        sync_directory()
""")


def traced_unnamed_files(tmp_path: Path, strace: str, flush: str) -> list[str]:
    """What `unsynced` finds in the real trace of `UNNAMED_FILES` writing to tmp_path/storage."""
    directory = tmp_path / "storage"
    directory.mkdir()
    try:
        os.close(os.open(directory, os.O_TMPFILE | os.O_WRONLY))
    except OSError as exc:
        if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
            raise
        pytest.skip(f"{directory} can hold no unnamed files: {exc}")
    trace = tmp_path / TRACE_FILE
    subprocess.run([strace, *strace_options(str(trace)), sys.executable, "-c", UNNAMED_FILES,
                    str(directory), flush], check=True, timeout=TIMEOUT)
    return unsynced(trace.read_text(), str(tmp_path))


def test_a_real_trace_of_unnamed_files_flushed_before_and_after_linking(tmp_path: Path,
                                                                         strace: str) -> None:
    assert traced_unnamed_files(tmp_path, strace, "flush") == []


def test_a_real_trace_of_unnamed_files_linked_unflushed(tmp_path: Path, strace: str) -> None:
    storage = tmp_path / "storage"
    assert traced_unnamed_files(tmp_path, strace, "no-flush") == [
        unflushed_file(storage / "Task.1", operation="create"),
        unflushed_directory(str(storage), "linked: Task.1", operation="create"),
        unflushed_file(storage / "Task.1", operation="replace"),
        unflushed_directory(str(storage), "renamed: Task.1", operation="replace")]


# -- the kit -----------------------------------------------------------------------------------

KIT_DURABILITY_TEST = "test_writes_are_flushed_before_they_return"


def durability_of(run: KitRun, label: str) -> dict[str, Any]:
    """The kit's report on the durability extension of the store labelled `label`."""
    [extension] = [extension for extension in run.store(label)["extensions"]
                   if extension["name"] == "durability"]
    return dict(extension)


def test_the_kit_passes_a_durable_store_and_fails_one_that_skips_a_flush(
        run_kit: Callable[..., KitRun], storage: Path, strace: str) -> None:
    storage.mkdir()
    broken = f"{durability_stores.NO_DIR_SYNC_SCHEME}://{storage / 'broken'}"
    durable = f"sqlite:///{storage / 'durable.db'}"
    run = run_kit("-p", "durability_stores", f"--store-uri={broken}", f"--store-uri={durable}",
                  "-k", KIT_DURABILITY_TEST)
    assert durability_of(run, durable)["status"] == "passed", run.describe()
    assert durability_of(run, broken)["status"] == "failed", run.describe()
    assert f"before fsync of the directory {storage / 'broken'} (entries" in run.output, \
        run.describe()


def test_the_kit_reports_durability_not_run_where_strace_is_missing(
        run_kit: Callable[..., KitRun], storage: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    storage.mkdir()
    monkeypatch.setenv("PATH", str(storage))
    durable = f"sqlite:///{storage / 'durable.db'}"
    run = run_kit(f"--store-uri={durable}", "-k", KIT_DURABILITY_TEST)
    result = durability_of(run, durable)
    assert result["status"] == "not run", run.describe()
    assert "strace is not installed" in result["reason"], run.describe()
