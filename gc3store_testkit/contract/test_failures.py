"""Clause 10: a failed save changes nothing, and a killed writer tears nothing.

What must hold: the failed call raises, no ID is left behind (not for the
object, not for a new `Persistable` inside it), the `changed` flags stay as
they were, the earlier version stays, and after a crash every ID the writer
reported loads whole, as does every listed ID.

How it is provoked: the failure with an object whose pickling raises; the
crash with SIGKILL, in a child process running a loop of saves and
replaces.  Half of the children are killed by the parent as soon as they
announce their n-th write (n random); the other half kill themselves at a
random moment from a timer signal's handler, which can land between any
two bytecodes of a write, where the parent's kill usually lands late.
"""

from __future__ import annotations

import os
import random
import signal
from collections.abc import Callable, Iterator
from typing import Any

from gc3store_testkit.children import StreamingChild, streaming_child
from gc3store_testkit.contract.base import ContractTests, clause
from gc3store_testkit.contract.checks import (
    expect_replace_works,
    list_if_supported,
    listed_but_not_loading,
    listed_ids,
    tokens_of_new_ids,
)
from gc3store_testkit.harness import Checks, StoreHarness, expect, raises_one_of, short
from gc3store_testkit.samples import Record, Task, Unpicklable

KILLS = 12
SAVING, SAVED, REPLACING = "saving", "saved", "replacing"


def save_until_killed(factory: Callable[[], Any],
                      kill_after: float | None) -> Iterator[tuple[str, str, str]]:
    """In a child: save and replace records of varied sizes forever, announcing each write.

    Each write is announced before it starts, and a save reported again
    with its ID once it returned: every version a record may hold when the
    child dies has been announced.  Given `kill_after`, the child SIGKILLs
    itself that many seconds after its first save.
    """
    store = factory()
    rng = random.Random()
    first = Record(payload=b"")
    first_id = store.save(first)
    expect(isinstance(first_id, str), "save() returns a str ID", "a str", short(first_id),
           clause=2)
    yield SAVED, first_id, first.token
    if kill_after is not None:
        kill_myself_after(kill_after)
    while True:
        record = Record(payload=rng.randbytes(rng.choice((10, 1000, 100_000))))
        if rng.random() < 0.3:
            yield REPLACING, first_id, record.token
            store.replace(first_id, record)
        else:
            yield SAVING, "", record.token
            yield SAVED, store.save(record), record.token


def kill_myself_after(seconds: float) -> None:
    """SIGKILL this process after `seconds`, from a timer signal's handler.

    The handler runs between two bytecodes, wherever the process is: a
    write made of several calls can be cut between any two of them.  A
    kill sent by the parent lands only after the pipe woke it up, usually
    when the write that was announced is over.
    """
    signal.signal(signal.SIGALRM, lambda *_: os.kill(os.getpid(), signal.SIGKILL))
    signal.setitimer(signal.ITIMER_REAL, seconds)


def kill_during_a_write(writer: StreamingChild, writes: int) -> list[tuple[str, str, str]]:
    """Kill `writer` as soon as it announces its `writes`-th write; return all it reported.

    The SIGKILL then lands while that write is under way, or soon after.
    """
    reports = []
    while writes:
        reports.append(writer.receive())
        writes -= reports[-1][0] in (SAVING, REPLACING)
    writer.kill()
    return reports + writer.drain()


class TestFailures(ContractTests):
    @clause(10)
    def test_failed_save_raises_and_leaves_no_id(self, kit: StoreHarness) -> None:
        before = list_if_supported(kit)
        child = Task("new child of a failing parent")
        doomed = Record(child=child, poison=Unpicklable())
        with raises_one_of("save() of an object that cannot be pickled", Exception):
            kit.store.save(doomed)
        checks = Checks()
        for obj in (doomed, child):
            checks.expect(not hasattr(obj, "persistent_id"), "a failed save leaves no ID on the "
                          "object, nor on a new object inside it", "no persistent_id attribute",
                          f"{type(obj).__name__}.persistent_id = "
                          f"{short(getattr(obj, 'persistent_id', None))}")
        checks.expect(child.changed is True, "a failed save leaves the changed flag of a new "
                      "object inside it as it was", True, short(child.changed))
        if before is not None:
            left = {id_: token for id_, token in tokens_of_new_ids(kit, before).items()
                    if token in (doomed.token, child.token)}
            checks.expect(not left, "a failed save leaves no record behind", "no new record of "
                          "the failed objects", f"left behind: {left}")
            reader = kit.fresh()
            broken = listed_but_not_loading(reader, listed_ids(reader) - before)
            checks.expect(not broken, "a failed save leaves no record behind, not even an empty "
                          "or partial one that list() shows", "every new listed ID loads",
                          "; ".join(broken[:5]))
        checks.report()

    @clause(10)
    def test_failed_resave_keeps_the_earlier_version(self, kit: StoreHarness) -> None:
        task = Task("version 1")
        id_ = kit.store.save(task)
        task.name, task.poison, task.changed = "version 2", Unpicklable(), True
        with raises_one_of("save() of an object that can no longer be pickled", Exception):
            kit.store.save(task)
        expect(task.changed is True, "a failed re-save leaves the object's changed flag as it "
               "was", True, short(task.changed))
        seen = kit.fresh().load(id_).name
        expect(seen == "version 1", "a failed save keeps the earlier version", "'version 1'",
               repr(seen))
        expect(getattr(task, "persistent_id", None) == id_, "a failed re-save leaves the "
               "object's ID as it was", repr(id_), short(getattr(task, "persistent_id", None)))

    @clause(10)
    def test_failed_replace_keeps_the_earlier_version(self, kit: StoreHarness) -> None:
        id_ = kit.store.save(Task("version 1"))
        doomed = Record(poison=Unpicklable())
        with raises_one_of("replace() with an object that cannot be pickled", Exception):
            kit.store.replace(id_, doomed)
        seen = kit.fresh().load(id_).name
        expect(seen == "version 1", "a failed replace keeps the earlier version", "'version 1'",
               repr(seen))
        left = {name: vars(doomed)[name] for name in ("persistent_id", "_id") if name in
                vars(doomed)}
        expect(not left, "a failed replace leaves no ID on the object", "no ID attributes",
               short(left))

    @clause(10, requires="shared_between_processes")
    def test_killed_writer_leaves_no_torn_record(self, kit: StoreHarness) -> None:
        expect_replace_works(kit)  # the writers replace too
        before = list_if_supported(kit)
        saved: set[str] = set()
        versions: dict[str, set[str]] = {}
        rng = random.Random()
        for round_ in range(KILLS):
            by_itself = round_ % 2 == 0
            kill_after = rng.uniform(0.0005, 0.02) if by_itself else None
            with streaming_child(save_until_killed, (kit.factory, kill_after), method="fork",
                                 timeout=kit.options.timeout) as writer:
                reports = (writer.receive_all() if by_itself
                           else kill_during_a_write(writer, rng.randrange(1, 20)))
            for kind, id_, token in reports:
                kit.child_tokens.add(token)
                if kind != SAVING:
                    versions.setdefault(id_, set()).add(token)
                if kind == SAVED:
                    saved.add(id_)
        strange = sorted(short(id_) for id_ in saved if not isinstance(id_, str))
        expect(not strange, "save() returns a str ID", "only str", strange[:5], clause=2)
        kit.saved.update(saved)
        reader = kit.fresh()
        for id_ in sorted(saved):
            loaded = reader.load(id_)
            expect(loaded.token in versions[id_], f"{id_!r}, saved by a writer later killed, "
                   f"loads a version the writer wrote", sorted(versions[id_]), loaded.token)
        if before is not None:
            torn = []
            for id_ in listed_ids(reader) - before:
                try:
                    reader.load(id_)
                except Exception as exc:
                    if id_ in listed_ids(reader):
                        torn.append(f"{id_}: {type(exc).__name__}: {exc}")
            expect(not torn, "every listed ID loads after writers were killed", "no torn record",
                   torn[:5])
