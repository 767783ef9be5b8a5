"""A process killed with SIGKILL in the middle of saving into a SqlStore.

Clause: every save that returned before the kill survives it whole, and the
table goes on working.  The child reports each ID as its save returns; the
parent kills it at an arbitrary point of its loop of saves.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import Any

from gc3store.sql import SqlStore

REPORTED_BEFORE_KILL = 40


def record(number: int) -> dict[str, Any]:
    return {"number": number, "payload": bytes([number % 256]) * (4096 + number)}


def test_every_returned_save_survives_a_sigkill(
        open_store: Callable[..., SqlStore], db_url: str, processes: Any) -> None:
    open_store().list()
    reports, to_parent = multiprocessing.Pipe(duplex=False)

    def save_forever() -> None:
        store = SqlStore(db_url)
        number = 0
        while True:
            to_parent.send((store.save(record(number)), number))
            number += 1

    child = processes.fork(save_forever)
    to_parent.close()
    reported = [processes.receive(reports, "ID from the saving child")
                for _ in range(REPORTED_BEFORE_KILL)]
    child.kill()
    while reports.poll(0):  # what the child sent before it died
        try:
            reported.append(reports.recv())
        except EOFError:
            break
    fresh = open_store()
    for id_, number in reported:
        assert fresh.load(id_) == record(number), id_
    assert fresh.load(fresh.save(record(-1))) == record(-1)
