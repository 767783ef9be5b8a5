"""Clause 10: a failed save changes nothing, and a killed writer tears nothing.

What must hold: the failed call raises, no ID is left behind (not for the
object, not for a new `Persistable` inside it), the `changed` flags stay as
they were, the earlier version stays, and after a crash every ID the writer
reported loads whole, as does every listed ID.

How it is provoked: the failure with an object whose pickling raises (an
`Exception`, or an `Interrupted`, which is not one, as a Ctrl-C is not),
and with the storage refusing the write: in a forked child, writes past a
file size limit (``RLIMIT_FSIZE``) fail, as on a full disk, so a store
that writes files fails its saves of large objects there (a store that
writes nowhere the limit reaches saves them, and is checked to have); the
crash with SIGKILL, in a child process running a loop of saves and
replaces.  Half of the children are killed by the parent as soon as they
announce their n-th write (n random); the other half kill themselves at a
random moment from a timer signal's handler, which can land between any
two bytecodes of a write, where the parent's kill usually lands late.
"""

from __future__ import annotations

import os
import random
import resource
import signal
from collections.abc import Callable, Iterator
from typing import Any

from gc3store_testkit.children import StreamingChild, run_children, streaming_child
from gc3store_testkit.contract.base import ContractTests, clause
from gc3store_testkit.contract.checks import (
    expect_replace_works,
    list_if_supported,
    listed_but_not_loading,
    listed_ids,
    load_or_none,
    tokens_of_new_ids,
)
from gc3store_testkit.harness import Checks, StoreHarness, expect, raises_one_of, short
from gc3store_testkit.samples import Interrupted, InterruptsPickling, Record, Task, Unpicklable

KILLS = 12
SAVING, SAVED, REPLACING = "saving", "saved", "replacing"


FILE_SIZE_LIMIT = 1 << 20
"""The size past which a child's writes fail, as on a full disk."""

LARGE = 4 << 20
"""The size of the objects it saves past the limit."""


def attempt(call: Callable[[], Any]) -> str:
    """What `call()` did: returned, or raised what."""
    try:
        result = call()
    except Exception as exc:
        return f"raised {type(exc).__name__}: {short(str(exc))}"
    return f"returned {short(result)}"


def write_past_a_file_size_limit(factory: Callable[[], Any]) -> dict[str, Any]:
    """In a forked child: save, re-save and replace large objects past a file size limit.

    Returns what each call did and what the objects carried afterwards, for
    the parent to judge against the storage.
    """
    store = factory()
    kept = Task("kept", payload=b"small")  # 5 bytes
    kept_id = store.save(kept)
    expect(isinstance(kept_id, str), "save() returns a str ID", "a str", short(kept_id), clause=2)
    child = Task("new child of a large object")
    large = Record(child=child, payload=os.urandom(LARGE))
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, hard))
    try:
        saved = attempt(lambda: store.save(large))
        kept.payload, kept.changed = os.urandom(LARGE), True
        resaved = attempt(lambda: store.save(kept))
        replacement = Record(payload=os.urandom(LARGE))
        replaced = attempt(lambda: store.replace(kept_id, replacement))
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)
    return {"kept": (kept_id, kept.token), "replacement": replacement.token,
            "tokens": [large.token, child.token],
            "save": saved, "resave": resaved, "replace": replaced,
            "ids": [getattr(obj, "persistent_id", None) for obj in (large, child)],
            "child changed": child.changed, "kept id": getattr(kept, "persistent_id", None)}


def expect_every_new_listed_id_loads(checks: Checks, reader: Any, before: set[str],
                                     what: str) -> None:
    """Note a failure unless every ID `reader` lists, and did not list `before`, loads."""
    broken = listed_but_not_loading(reader, listed_ids(reader) - before)
    checks.expect(not broken, f"{what} leaves no record behind, not even an empty or partial "
                  f"one that list() shows", "every new listed ID loads", "; ".join(broken[:5]))


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
            expect_every_new_listed_id_loads(checks, kit.fresh(), before, "a failed save")
        checks.report()

    @clause(10)
    def test_an_interrupted_save_lets_the_interruption_out_and_leaves_no_id(
            self, kit: StoreHarness) -> None:
        child = Task("new child of an interrupted save")
        doomed = Record(child=child, interruption=InterruptsPickling())
        try:
            kit.store.save(doomed)
        except Interrupted:
            pass
        except BaseException as exc:
            expect(False, "save() interrupted by a BaseException that is not an Exception (as "
                   "by KeyboardInterrupt) lets it out as it is", "Interrupted raised",
                   f"{type(exc).__name__}: {exc}")
        else:
            expect(False, "save() of an object whose pickling is interrupted raises",
                   "Interrupted raised", "no exception")
        checks = Checks()
        for obj in (doomed, child):
            checks.expect(not hasattr(obj, "persistent_id"), "an interrupted save leaves no ID "
                          "on the object, nor on a new object inside it",
                          "no persistent_id attribute", f"{type(obj).__name__}.persistent_id = "
                          f"{short(getattr(obj, 'persistent_id', None))}")
        checks.expect(child.changed is True, "an interrupted save leaves the changed flag of a "
                      "new object inside it as it was", True, short(child.changed))
        checks.report()

    @clause(10, requires="shared_between_processes")
    def test_writes_the_storage_refuses_change_nothing(self, kit: StoreHarness) -> None:
        before = list_if_supported(kit)
        [seen] = run_children(write_past_a_file_size_limit, [(kit.factory,)], method="fork",
                              timeout=kit.options.timeout)
        kept_id, kept_token = seen["kept"]
        kit.saved.add(kept_id)
        kit.child_tokens.update([*seen["tokens"], kept_token])
        checks = Checks()
        large_id, child_id = seen["ids"]
        if seen["save"].startswith("raised"):
            checks.expect(large_id is None and child_id is None, "a save the storage refused "
                          "leaves no ID on the object, nor on a new object inside it",
                          "no persistent_id", f"{large_id!r}, {child_id!r}")
            checks.expect(seen["child changed"] is True, "a save the storage refused leaves the "
                          "changed flag of a new object inside it as it was", True,
                          seen["child changed"])
        reader = kit.fresh()
        stored = load_or_none(reader, kept_id)
        found = (getattr(stored, "token", None), len(getattr(stored, "payload", b"")))
        if not seen["replace"].startswith("raised"):
            expected = (seen["replacement"], LARGE)
        else:
            expected = (kept_token, LARGE if seen["resave"].startswith("returned") else 5)
        checks.expect(found == expected, "a re-save or a replace the storage refused keeps the "
                      "version before it", f"token and payload size {expected}",
                      f"{found} (the re-save {seen['resave']}; the replace {seen['replace']})")
        if seen["resave"].startswith("raised"):
            checks.expect(seen["kept id"] == kept_id, "a re-save the storage refused leaves the "
                          "object's ID as it was", repr(kept_id), short(seen["kept id"]))
        if before is not None:
            expect_every_new_listed_id_loads(checks, reader, before, "a write the storage refused")
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
