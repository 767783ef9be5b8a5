"""The harness of the fault tests: the storages under test and an independent look at them, the
records the children write, and the child processes, started by fork or spawn, that call a
store and report every call through a pipe.

A child runs a generator and sends each value it yields the moment it yields it, so a call
reported as begun (`Call.ended` is None) may have been cut short by a SIGKILL, and a call
reported as ended had returned. Every wait for a child is bounded by `CHILD_TIMEOUT`.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import multiprocessing
import os
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa

from gc3store import LoadError, Persistable, RecordStore, make_store
from gc3store.sql import SqlStore

CHILD_TIMEOUT = 60.0
"""Seconds a child may stay silent before it is called hung and killed; only a hang waits it out."""

STORAGES = ("file", "sqlite", "postgresql", "mysql")
TEMPORARY_PREFIX = ".tmp-"
"""How the file store names the files it writes before moving them into place."""


@dataclass(frozen=True)
class Storage:
    """One storage under test: its kind, the URL that opens it, and its raw contents."""

    kind: str
    url: str
    directory: Path | None = None
    """The file store's directory (None for the SQL stores)."""
    engine: sa.Engine | None = None
    """An engine of the test's own on the SQL store's database (None for the file store)."""
    table: str = ""

    def __str__(self) -> str:
        return f"the {self.kind} store {self.url}"

    def open(self, **keywords: object) -> RecordStore:
        """A new store on this storage."""
        store = make_store(self.url, **keywords)
        assert isinstance(store, RecordStore)
        return store

    @contextlib.contextmanager
    def fresh(self) -> Iterator[RecordStore]:
        """A new store on this storage, never one a child used; a SQL store is closed after."""
        store = self.open()
        try:
            yield store
        finally:
            if isinstance(store, SqlStore):
                store.close()

    def raw_ids(self) -> set[str]:
        """The names of every record the storage holds, read without a store: file names, or
        ``prefix.id`` of every row (``None.N`` for a row that holds no record)."""
        if self.directory is not None:
            return {name for name in os.listdir(self.directory) if not name.startswith(".")}
        assert self.engine is not None
        prefix, number = sa.column("prefix", sa.String), sa.column("id", sa.Integer)
        query = sa.select(prefix, number).select_from(sa.table(self.table))
        with self.engine.connect() as connection:
            return {f"{row.prefix}.{row.id}" for row in connection.execute(query)}

    def temporaries(self) -> set[str]:
        """The temporary files writers left in the file store's directory (none elsewhere)."""
        if self.directory is None:
            return set()
        return {name for name in os.listdir(self.directory)
                if name.startswith(TEMPORARY_PREFIX)}


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


class Call(NamedTuple):
    """One store call a child made: sent as it begins (`ended` None) or once it returned."""

    op: str
    """``save``, ``replace``, ``remove``, ``load`` or ``list``."""
    id_: str | None
    """The ID saved, replaced, removed or loaded (None for a save that has not returned)."""
    token: str | None
    """The version written or loaded; None for a remove, a list, a load that found nothing."""
    started: int
    """`time.monotonic_ns()` just before the call: one clock for every process of the machine."""
    ended: int | None = None
    """`time.monotonic_ns()` just after the call returned."""
    listed: tuple[str, ...] = ()
    """What a list returned."""
    whole: bool = True
    """Whether the version a load returned was whole."""
    error: str = ""
    """What a load that found nothing raised."""

    def __str__(self) -> str:
        what = " ".join(str(part) for part in (self.op, self.id_, self.token) if part is not None)
        return what if self.ended is not None else f"{what} (begun, not returned)"


def now() -> int:
    return time.monotonic_ns()


def load_token(store: RecordStore, id_: str) -> str | LoadError:
    """The token of what a fresh read of `id_` loads, or the `LoadError` it raised; a record
    that loads torn fails the test (clause 10)."""
    store.invalidate_cache()
    try:
        loaded = store.load(id_)
    except LoadError as exc:
        return exc
    assert isinstance(loaded, Version), f"{id_} in {store.display_url} loads {loaded!r}"
    assert loaded.is_whole(), (f"{id_} in {store.display_url} loads torn: the payload of "
                               f"{len(loaded.payload)} bytes is not that of {loaded.token!r}")
    return str(loaded.token)


class ChildFailed(AssertionError):
    """A child process raised, died, or went silent for `CHILD_TIMEOUT` seconds."""


@dataclass(frozen=True)
class _Failed:
    traceback: str


@dataclass(frozen=True)
class _Finished:
    pass


def _send_each(task: Callable[..., Iterator[Any]], args: tuple[Any, ...],
               channel: Connection) -> None:
    try:
        for value in task(*args):
            channel.send(value)
        channel.send(_Finished())
    except BaseException:
        with contextlib.suppress(Exception):
            channel.send(_Failed(traceback.format_exc()))
    finally:
        channel.close()


class Reporter:
    """A child process running the generator ``task(*args)``; what it yields piles up in
    `reports` as the parent receives it."""

    def __init__(self, task: Callable[..., Iterator[Any]], args: tuple[Any, ...], *,
                 method: str = "fork") -> None:
        context: Any = multiprocessing.get_context(method)
        self.method = method
        self.connection, sender = context.Pipe(duplex=False)
        self.process = context.Process(target=_send_each, args=(task, args, sender),
                                       daemon=True)
        self.process.start()
        sender.close()
        self.reports: list[Any] = []
        self.finished = False

    def __str__(self) -> str:
        last = f"last reported {self.reports[-1]}" if self.reports else "reported nothing"
        return (f"child {self.process.pid} ({self.method}, "
                f"{'finished' if self.finished else 'not finished'}) {last} "
                f"after {len(self.reports)} reports")

    def receive(self) -> None:
        """Wait for the child's next message and take it in."""
        if not self.connection.poll(CHILD_TIMEOUT):
            raise ChildFailed(f"{self} and then nothing for {CHILD_TIMEOUT:g} s")
        self.take()

    def take(self) -> None:
        """Take in the message the child sent, which must be there already."""
        try:
            message = self.connection.recv()
        except EOFError:
            raise ChildFailed(f"{self} and then died, exit code {self.kill()}") from None
        self._accept(message)

    def kill(self) -> int | None:
        """SIGKILL the child if it still runs; wait for it to be gone and return its exit code."""
        self.process.kill()
        self.process.join(CHILD_TIMEOUT)
        exit_code: int | None = self.process.exitcode
        return exit_code

    def drain(self) -> None:
        """Take in what a killed child sent before it died."""
        while self.connection.poll(0):
            try:
                message = self.connection.recv()
            except EOFError:
                return
            self._accept(message)

    def _accept(self, message: Any) -> None:
        if isinstance(message, _Failed):
            raise ChildFailed(f"{self} and then failed:\n{message.traceback}")
        if isinstance(message, _Finished):
            self.finished = True
        else:
            self.reports.append(message)


def race(where: str, task: Callable[..., Iterator[Call]], args_per_child: Sequence[tuple[Any, ...]],
         methods: Sequence[str]) -> list[list[Call]]:
    """Run ``task(*args, barrier)`` in one child per entry of `args_per_child`, started by
    `methods` in turn and released together by the barrier; return what each reported.

    A child that fails, dies, or leaves every child silent for `CHILD_TIMEOUT` seconds (a
    deadlock) gets all of them killed, and the test fails naming `where` and what each child
    reported last.
    """
    # a barrier of the spawn context, since spawned children open its semaphores by name
    barrier = multiprocessing.get_context("spawn").Barrier(len(args_per_child))
    children = [Reporter(task, (*args, barrier), method=method)
                for args, method in zip(args_per_child, itertools.cycle(methods))]
    try:
        _collect(children)
    except ChildFailed as exc:
        everyone = "\n".join(f"  {child}" for child in children)
        raise ChildFailed(f"{where}: {exc}\nall the children:\n{everyone}") from None
    finally:
        for child in children:
            child.kill()
    return [child.reports for child in children]


def _collect(children: list[Reporter]) -> None:
    by_connection = {child.connection: child for child in children}
    while running := [child.connection for child in children if not child.finished]:
        ready = wait(running, timeout=CHILD_TIMEOUT)
        if not ready:
            raise ChildFailed(f"{len(running)} of {len(children)} children reported nothing "
                              f"for {CHILD_TIMEOUT:g} s: a deadlock, or a hang")
        for connection in ready:
            by_connection[connection].take()
