"""Several processes on one SqlStore table at once.

Clauses: processes saving at the same time all succeed, with distinct IDs,
and everything they saved loads afterwards (on SQLite this rests on the busy
timeout and on BEGIN IMMEDIATE); while two processes replace one ID over and
over, every load of it returns one of the written versions, whole.

What must hold is checked in the test functions; the functions run in the
other processes only provoke the race, and report what they did.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Barrier, Event
from typing import Any

import pytest

from gc3store.sql import SqlStore

SAVERS = 4
SAVES_EACH = 200
REPLACES_EACH = 60
WAIT_S = 60.0


def version(writer: int, number: int) -> dict[str, Any]:
    """Version `number` of writer `writer`: a payload of varying size, and its digest."""
    seed = hashlib.sha256(f"{writer}/{number}".encode()).digest()
    payload = seed * (100 + (number * 977) % 3000)
    return {"writer": writer, "number": number, "payload": payload,
            "digest": hashlib.sha256(payload).hexdigest()}


def report(results: Connection, work: Callable[[], object]) -> None:
    """Send ``("ok", work())`` or ``("error", traceback)`` on `results`."""
    try:
        results.send(("ok", work()))
    except BaseException:
        results.send(("error", traceback.format_exc()))
        raise


def save_many(url: str, start: Barrier, results: Connection, worker: int) -> None:
    def work() -> list[str]:
        store = SqlStore(url)
        start.wait(WAIT_S)
        return [store.save({"worker": worker, "n": n}) for n in range(SAVES_EACH)]
    report(results, work)


def replace_many(url: str, id_: str, start: Barrier, results: Connection, writer: int) -> None:
    def work() -> int:
        store = SqlStore(url)
        start.wait(WAIT_S)
        for number in range(REPLACES_EACH):
            store.replace(id_, version(writer, number))
        return REPLACES_EACH
    report(results, work)


def load_until(url: str, id_: str, start: Barrier, stop: Event, results: Connection) -> None:
    def work() -> list[tuple[int, int, bool]]:
        store = SqlStore(url)
        start.wait(WAIT_S)
        seen = []
        while not stop.is_set() or not seen:
            store.invalidate_cache()
            loaded = store.load(id_)
            whole = loaded == version(loaded["writer"], loaded["number"])
            seen.append((loaded["writer"], loaded["number"], whole))
        return seen
    report(results, work)


def collect(processes: Any, pipes: list[Connection], what: str) -> list[Any]:
    outcomes = [processes.receive(pipe, what) for pipe in pipes]
    errors = [detail for status, detail in outcomes if status != "ok"]
    assert not errors, "\n".join(errors)
    return [detail for _, detail in outcomes]


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_processes_saving_at_once_get_distinct_ids(
        open_store: Callable[..., SqlStore], db_url: str, processes: Any, method: str) -> None:
    open_store().list()  # the table exists before the race starts
    context = multiprocessing.get_context(method)
    start = context.Barrier(SAVERS)
    pipes, started = [], []
    for worker in range(SAVERS):
        receiving, sending = context.Pipe(duplex=False)
        started.append(processes.start(method, save_many, db_url, start, sending, worker))
        pipes.append(receiving)
    per_worker = collect(processes, pipes, "list of saved IDs")
    processes.join(started)
    saved = [id_ for ids in per_worker for id_ in ids]
    assert len(saved) == SAVERS * SAVES_EACH
    assert len(set(saved)) == len(saved)
    fresh = open_store()
    assert sorted(fresh.list()) == sorted(saved)
    for worker, ids in enumerate(per_worker):
        assert [fresh.load(id_) for id_ in ids] == [
            {"worker": worker, "n": n} for n in range(SAVES_EACH)]


def test_a_load_during_replaces_returns_a_whole_written_version(
        open_store: Callable[..., SqlStore], db_url: str, processes: Any) -> None:
    id_ = open_store().save(version(-1, 0))
    context = multiprocessing.get_context("fork")
    start, stop = context.Barrier(3), context.Event()
    writer_pipes, writers = [], []
    for writer in range(2):
        receiving, sending = context.Pipe(duplex=False)
        writers.append(processes.start("fork", replace_many, db_url, id_, start, sending,
                                       writer))
        writer_pipes.append(receiving)
    reader_pipe, sending = context.Pipe(duplex=False)
    reader = processes.start("fork", load_until, db_url, id_, start, stop, sending)
    try:
        assert collect(processes, writer_pipes, "end of the replaces") == [REPLACES_EACH] * 2
    finally:
        stop.set()
    [seen] = collect(processes, [reader_pipe], "versions the reader saw")
    processes.join([*writers, reader])
    assert all(whole for _, _, whole in seen)
    assert {writer for writer, _, _ in seen} <= {-1, 0, 1}
    final = open_store().load(id_)
    assert (final["writer"], final["number"]) in {(0, REPLACES_EACH - 1), (1, REPLACES_EACH - 1)}
    assert final == version(final["writer"], final["number"])
