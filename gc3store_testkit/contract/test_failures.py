"""Clause 10: a failed save changes nothing, and a killed writer tears nothing.

The failure is provoked with an object whose pickling raises; the crash
with SIGKILL sent to a child process at a random moment of a loop of saves
and replaces.  What must hold: the failed call raises, no ID is left behind
(not for the object, not for a new `Persistable` inside it), the earlier
version stays, and after a crash every ID the writer reported loads whole.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

from gc3store_testkit.children import streaming_child
from gc3store_testkit.contract.base import ContractTests, clause
from gc3store_testkit.harness import StoreHarness, expect, raises_one_of, short
from gc3store_testkit.samples import API, Record, Task, Unpicklable

KILLS = 4


def tokens_of_new_ids(kit: StoreHarness, before: set[str]) -> dict[str, str]:
    """Token of every object listed now but not in `before` (objects others remove are skipped)."""
    reader = kit.fresh()
    tokens = {}
    for id_ in set(reader.list()) - before:
        try:
            tokens[id_] = getattr(reader.load(id_), "token", None)
        except API.LoadError:
            continue
    return tokens


def list_if_supported(kit: StoreHarness) -> set[str] | None:
    return None if "list" in kit.unsupported else set(kit.fresh().list())


def save_until_killed(factory: Callable[[], Any]) -> Iterator[tuple[str, str, str]]:
    """In a child: save and replace records of varied sizes forever, reporting each one."""
    store = factory()
    rng = random.Random()
    first = Record(payload=b"")
    yield "saved", store.save(first), first.token
    while True:
        record = Record(payload=rng.randbytes(rng.choice((10, 1000, 100_000))))
        if rng.random() < 0.3:
            store.replace(first.persistent_id, record)
            yield "replaced", first.persistent_id, record.token
        else:
            yield "saved", store.save(record), record.token


class TestFailures(ContractTests):
    @clause(10)
    def test_failed_save_raises_and_leaves_no_id(self, kit: StoreHarness) -> None:
        before = list_if_supported(kit)
        child = Task("new child of a failing parent")
        doomed = Record(child=child, poison=Unpicklable())
        with raises_one_of("save() of an object that cannot be pickled", Exception):
            kit.store.save(doomed)
        for obj in (doomed, child):
            expect(not hasattr(obj, "persistent_id"), "a failed save leaves no ID on the "
                   "object, nor on a new object inside it", "no persistent_id attribute",
                   short(getattr(obj, "persistent_id", None)))
        if before is not None:
            left = {id_: token for id_, token in tokens_of_new_ids(kit, before).items()
                    if token in (doomed.token, child.token)}
            expect(not left, "a failed save leaves no record behind", "no new record of the "
                   "failed objects", f"left behind: {left}")

    @clause(10)
    def test_failed_resave_keeps_the_earlier_version(self, kit: StoreHarness) -> None:
        task = Task("version 1")
        id_ = kit.store.save(task)
        task.name, task.poison = "version 2", Unpicklable()
        with raises_one_of("save() of an object that can no longer be pickled", Exception):
            kit.store.save(task)
        seen = kit.fresh().load(id_).name
        expect(seen == "version 1", "a failed save keeps the earlier version", "'version 1'",
               repr(seen))
        expect(getattr(task, "persistent_id", None) == id_, "a failed re-save leaves the "
               "object's ID as it was", repr(id_), short(getattr(task, "persistent_id", None)))

    @clause(10)
    def test_failed_replace_keeps_the_earlier_version(self, kit: StoreHarness) -> None:
        id_ = kit.store.save(Task("version 1"))
        with raises_one_of("replace() with an object that cannot be pickled", Exception):
            kit.store.replace(id_, Record(poison=Unpicklable()))
        seen = kit.fresh().load(id_).name
        expect(seen == "version 1", "a failed replace keeps the earlier version", "'version 1'",
               repr(seen))

    @clause(10, requires="shared_between_processes")
    def test_killed_writer_leaves_no_torn_record(self, kit: StoreHarness) -> None:
        before = list_if_supported(kit)
        reported: dict[str, set[str]] = {}
        rng = random.Random()
        for _ in range(KILLS):
            with streaming_child(save_until_killed, (kit.factory,), method="fork",
                                 timeout=kit.options.timeout) as writer:
                for _ in range(rng.randrange(1, 40)):
                    _, id_, token = writer.receive()
                    reported.setdefault(id_, set()).add(token)
                writer.kill()
        kit.saved.update(reported)
        reader = kit.fresh()
        for id_, tokens in reported.items():
            loaded = reader.load(id_)
            expect(loaded.token in tokens, f"{id_!r}, saved by a writer later killed, loads a "
                   f"version the writer wrote", sorted(tokens), loaded.token)
        if before is not None:
            torn = []
            for id_ in set(reader.list()) - before:
                try:
                    reader.load(id_)
                except Exception as exc:
                    if id_ in reader.list():
                        torn.append(f"{id_}: {type(exc).__name__}: {exc}")
            expect(not torn, "every listed ID loads after writers were killed", "no torn record",
                   torn[:5])
