"""Several processes on one `FilesystemStore` directory (clauses 2, 9 and 10): concurrent saves
never share an ID, concurrent replaces never show a torn record, a replace never brings back a
removed record, a writer killed with SIGKILL at any moment tears nothing, and a fork, announced
or not, never makes parent and child hand out the same ID.

Each test states what must hold, then provokes the race: processes start together at a
barrier, talk through pipes, and every wait is bounded.
"""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import os
import random
import signal
import threading
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

import pytest

from gc3store import FilesystemStore, LoadError, Persistable

CHILD_TIMEOUT = 60.0
PROCESSES, SAVES_EACH = 4, 200
REPLACES = 150
SAVES_AFTER_FORK = 20
KILL_ROUNDS = 6


class Task(Persistable):
    def __init__(self, name: str = "task") -> None:
        super().__init__()
        self.name = name


class Version(Persistable):
    """A record whose contents can be checked whole: the payload derives from the token."""

    def __init__(self, token: str, size: int = 100_000) -> None:
        super().__init__()
        self.token = token
        self.payload = self.expected_payload(token, size)

    @staticmethod
    def expected_payload(token: str, size: int) -> bytes:
        digest = hashlib.sha256(token.encode()).digest()
        return (digest * (size // len(digest) + 1))[:size]

    def is_whole(self) -> bool:
        return self.payload == self.expected_payload(self.token, len(self.payload))


# -- what runs in the child processes (module level, so that spawn can import it) ----------------

def report_outcome(results: Connection, work: Callable[[], Any]) -> None:
    try:
        results.send(("ok", work()))
    except BaseException:
        results.send(("error", traceback.format_exc()))
    finally:
        results.close()


def save_many(directory: str, start: Any, results: Connection) -> None:
    def work() -> list[tuple[str, str]]:
        store = FilesystemStore(directory, durable=False)
        start.wait(timeout=CHILD_TIMEOUT)
        saved = []
        for number in range(SAVES_EACH):
            task = Task(f"{os.getpid()}-{number}")
            saved.append((store.save(task), task.name))
        return saved

    report_outcome(results, work)


def replace_many(directory: str, id_: str, writer: str, count: int, start: Any,
                 results: Connection) -> None:
    def work() -> list[str]:
        store = FilesystemStore(directory, durable=False)
        start.wait(timeout=CHILD_TIMEOUT)
        tokens = [f"{writer}-{number}" for number in range(count)]
        for token in tokens:
            store.replace(id_, Version(token))
        return tokens

    report_outcome(results, work)


def load_until(directory: str, id_: str, last_tokens: set[str], start: Any,
               results: Connection) -> None:
    """Load `id_` again and again until one of `last_tokens` shows up."""
    def work() -> list[str]:
        store = FilesystemStore(directory, durable=False)
        start.wait(timeout=CHILD_TIMEOUT)
        seen: list[str] = []
        while not last_tokens & set(seen[-1:]):
            if len(seen) > 1_000_000:
                raise AssertionError(f"none of {sorted(last_tokens)} ever loaded")
            store.invalidate_cache()
            loaded = store.load(id_)
            if not loaded.is_whole():
                raise AssertionError(f"{id_} loaded torn: token {loaded.token!r}")
            seen.append(loaded.token)
        return seen

    report_outcome(results, work)


Job = tuple[Callable[..., None], tuple[Any, ...]]
"""What one process runs: ``function(*args, barrier, pipe)``."""


def run_together(method: str, jobs: list[Job]) -> list[Any]:
    """Start one process per job, all released at once by a barrier; return what each
    reported, in order.  A process that fails fails the test with its traceback."""
    context = multiprocessing.get_context(method)
    barrier = context.Barrier(len(jobs))
    receivers, processes = [], []
    for function, args in jobs:
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=function, args=(*args, barrier, sender), daemon=True)
        process.start()
        sender.close()
        receivers.append(receiver)
        processes.append(process)
    try:
        return [outcome(receiver) for receiver in receivers]
    finally:
        for process in processes:
            process.join(CHILD_TIMEOUT)
            if process.is_alive():
                process.kill()
                process.join(CHILD_TIMEOUT)


def outcome(receiver: Connection) -> Any:
    if not wait([receiver], timeout=CHILD_TIMEOUT):
        raise AssertionError(f"a child process said nothing for {CHILD_TIMEOUT:g} s")
    try:
        kind, value = receiver.recv()
    except EOFError:
        raise AssertionError("a child process died without a word") from None
    assert kind == "ok", f"a child process failed:\n{value}"
    return value


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_processes_saving_at_once_never_share_an_id(store_dir: Path, method: str) -> None:
    jobs: list[Job] = [(save_many, (str(store_dir),))] * PROCESSES
    saved = [pair for pairs in run_together(method, jobs) for pair in pairs]
    ids = [id_ for id_, _ in saved]
    assert len(saved) == PROCESSES * SAVES_EACH
    assert len(set(ids)) == len(ids), "an ID was handed out twice"
    reader = FilesystemStore(store_dir)
    assert all(reader.load(id_).name == name for id_, name in saved)
    assert sorted(reader.list()) == sorted(ids)


def test_a_reader_sees_only_whole_versions_while_two_processes_replace(store_dir: Path) -> None:
    id_ = FilesystemStore(store_dir).save(Version("initial"))
    directory = str(store_dir)
    first, second, seen = run_together("fork", [
        (replace_many, (directory, id_, "a", REPLACES)),
        (replace_many, (directory, id_, "b", REPLACES)),
        (load_until, (directory, id_, {f"a-{REPLACES - 1}", f"b-{REPLACES - 1}"}))])
    written = {"initial", *first, *second}
    assert set(seen) <= written
    assert FilesystemStore(store_dir).load(id_).token in {first[-1], second[-1]}
    assert [name for name in os.listdir(store_dir) if name.startswith(".tmp-")] == []


def replace_until_removed(channel: Connection, store: FilesystemStore, id_: str) -> int:
    """In a forked child: replace `id_` until it is gone; say when the first replace is done."""
    replaced = 0
    while True:
        try:
            store.replace(id_, Version(f"replace {replaced}", size=1000))
        except LoadError:
            return replaced
        replaced += 1
        if replaced == 1:
            channel.send("replacing")
        if replaced > 100_000:
            raise AssertionError(f"{id_} is never gone")


def test_a_replace_never_brings_back_a_removed_record(store_dir: Path,
                                                      fork_child: Callable[..., Any]) -> None:
    store = FilesystemStore(store_dir, durable=False)
    for _ in range(5):
        id_ = store.save(Version("original", size=1000))
        replacer = fork_child(replace_until_removed, store, id_)
        assert replacer.receive() == "replacing"
        store.remove(id_)
        assert replacer.result() >= 1
        assert id_ not in FilesystemStore(store_dir).list()
        with pytest.raises(LoadError):
            FilesystemStore(store_dir).load(id_)


def save_and_replace_until_killed(channel: Connection, directory: Path, durable: bool,
                                  seed: int) -> None:
    """In a forked child: save and replace records of varied sizes forever, announcing each
    replace before it starts and each save once it returned."""
    store = FilesystemStore(directory, durable=durable)
    rng = random.Random(seed)
    first = Version(f"{seed}-first", size=10)
    channel.send(("saved", store.save(first), first.token))
    for number in itertools.count():
        version = Version(f"{seed}-{number}", size=rng.choice((10, 1000, 100_000)))
        if rng.random() < 0.3:
            channel.send(("replacing", first.persistent_id, version.token))
            store.replace(first.persistent_id, version)
        else:
            channel.send(("saved", store.save(version), version.token))


def test_a_writer_killed_at_any_moment_tears_nothing(store_dir: Path,
                                                     fork_child: Callable[..., Any]) -> None:
    rng = random.Random()
    allowed: dict[str, set[str]] = {}
    for round_ in range(KILL_ROUNDS):
        writer = fork_child(save_and_replace_until_killed, store_dir, round_ % 2 == 0,
                            rng.randrange(2 ** 32))
        for _ in range(rng.randrange(1, 80)):
            _, id_, token = writer.receive()
            allowed.setdefault(id_, set()).add(token)
        spin_until = time.perf_counter() + rng.uniform(0, 0.002)
        while time.perf_counter() < spin_until:
            pass
        os.kill(writer.pid, signal.SIGKILL)
        for _, id_, token in writer.drain():  # sent before the kill: reported all the same
            allowed.setdefault(id_, set()).add(token)
        writer.kill()
    reader = FilesystemStore(store_dir)
    for id_, tokens in allowed.items():
        assert reader.load(id_).token in tokens
    listed = reader.list()
    assert set(allowed) <= set(listed)
    assert all(reader.load(id_).is_whole() for id_ in listed)
    names = {name for name in os.listdir(store_dir) if not name.startswith(".")}
    assert set(listed) == names


def use_across_fork(channel: Connection, store: FilesystemStore, before: str,
                    announced: bool) -> list[str]:
    """In the forked child: save, hand the IDs to the parent, then load what it saved."""
    if announced:
        store.post_fork()
    assert store.load(before).name == "before fork"
    channel.send([store.save(Task(f"child {number}")) for number in range(SAVES_AFTER_FORK)])
    if not channel.poll(CHILD_TIMEOUT):
        raise AssertionError("the parent never sent its IDs")
    parents = channel.recv()
    store.invalidate_cache()
    return [store.load(id_).name for id_ in parents]


@pytest.mark.parametrize("announced", [True, False], ids=["pre_fork-post_fork", "unannounced"])
def test_after_fork_parent_and_child_never_share_an_id_and_see_each_other(
        store_dir: Path, fork_child: Callable[..., Any], announced: bool) -> None:
    """The parent holds a block of numbers when it forks: the child must not draw from it."""
    store = FilesystemStore(store_dir, durable=False)
    before = store.save(Task("before fork"))
    if announced:
        store.pre_fork()
    child = fork_child(use_across_fork, store, before, announced)
    if announced:
        store.post_fork()
    parents = [store.save(Task(f"parent {number}")) for number in range(SAVES_AFTER_FORK)]
    childs = child.receive()
    child.send(parents)
    assert child.result() == [f"parent {number}" for number in range(SAVES_AFTER_FORK)]
    assert not set(parents) & set(childs)
    assert before not in parents + childs
    store.invalidate_cache()
    assert [store.load(id_).name for id_ in childs] == [
        f"child {number}" for number in range(SAVES_AFTER_FORK)]


class HoldsTheStore:
    """Pickling it says so through `inside`, then waits for `release`: a save in progress."""

    def __init__(self, inside: threading.Event, release: threading.Event) -> None:
        self.inside, self.release = inside, release

    def __reduce__(self) -> Any:
        self.inside.set()
        self.release.wait(CHILD_TIMEOUT)
        return (int, (0,))


def save_once(_channel: Connection, store: FilesystemStore) -> str:
    store.post_fork()
    return store.save(Task("saved by the child"))


class AnnouncingLock:
    """The store's lock, which says through `waiting` when a thread starts waiting for it."""

    def __init__(self, lock: Any, waiting: threading.Event) -> None:
        self.lock, self.waiting = lock, waiting

    def acquire(self, *args: Any) -> bool:
        self.waiting.set()
        return bool(self.lock.acquire(*args))

    def release(self) -> None:
        self.lock.release()

    __enter__ = acquire

    def __exit__(self, *exc_info: Any) -> None:
        self.release()


def test_a_fork_waits_for_a_save_in_another_thread_and_the_child_works(
        store_dir: Path, fork_child: Callable[..., Any]) -> None:
    store = FilesystemStore(store_dir, durable=False)
    inside, release, waiting = threading.Event(), threading.Event(), threading.Event()
    saver = threading.Thread(target=store.save, args=(HoldsTheStore(inside, release),))
    saver.start()
    children: list[Any] = []
    try:
        assert inside.wait(CHILD_TIMEOUT)
        store._lock = AnnouncingLock(store._lock, waiting)  # type: ignore[assignment]
        forker = threading.Thread(target=lambda: children.append(fork_child(save_once, store)))
        forker.start()
        assert waiting.wait(CHILD_TIMEOUT), "the fork did not wait for the store's lock"
        release.set()
        forker.join(CHILD_TIMEOUT)
        saver.join(CHILD_TIMEOUT)
        assert children, "the fork did not happen once the save was done"
        assert children[0].result().startswith("Task.")
    finally:
        release.set()
        saver.join(CHILD_TIMEOUT)
