"""A `FilesystemStore` across ``os.fork()`` (clause 9): announced or not, a fork never makes
parent and child hand out the same ID, each sees what the other saved, and a fork waits for a
save in progress in another thread.

Many processes saving, replacing and removing at once, and writers killed with SIGKILL, are
the fault tests of ``tests/faults``, on every store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest

from gc3store import FilesystemStore, Persistable

CHILD_TIMEOUT = 60.0
SAVES_AFTER_FORK = 20


class Task(Persistable):
    def __init__(self, name: str = "task") -> None:
        super().__init__()
        self.name = name


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
