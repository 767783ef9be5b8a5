"""Several processes on one storage at once (clauses 2, 5, 6, 7, 9 and 10): no two saves get the
same ID, no acknowledged write is lost, no read is stale or torn, a removed record stays removed,
and nobody deadlocks.

What must hold is what a store whose every call takes effect at one moment between its start and
its return would show, judged on one clock shared by every process of the machine:

- no two saves return the same ID;
- a load returns a whole version that some call wrote to that ID, that was begun before the
  load returned, and that no other write, begun after it returned and itself returned before the
  load began, had overwritten; it finds nothing only if a remove of the ID was begun before it
  returned; once a remove returned, the ID never loads again;
- a replace begun after a remove of its ID returned raises LoadError (it never brings the
  record back), and a replace raises LoadError only if a remove of its ID had begun;
- a list holds every ID whose save returned before the list began and whose remove (if any)
  began only after the list returned, and no ID saved only after it returned or removed before
  it began;
- afterwards, a fresh store loads for each ID a version no later write overwrote (so, when
  several processes replace one ID, the last version of one of them, and not one whose writer
  returned before another writer began), finds nothing for the removed IDs, and lists exactly
  the others.

A deadlock shows as children that report nothing for `CHILD_TIMEOUT` seconds: they are killed
and the test fails naming the store and what each child reported last.

How it is provoked: 8 processes, most forked and some spawned, wait at a barrier and then make
1,000 calls each, reporting each call once it returned; or 8 forked processes make 300 calls
each on the same 4 IDs, one of which a process removes halfway while the others replace it.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from fault_harness import (
    CHILD_TIMEOUT,
    Call,
    Storage,
    Version,
    load_token,
    now,
    race,
)

from gc3store import LoadError, Store, make_store
from gc3store_testkit.clauses import clause

PROCESSES = 8
SIZES = (10, 1000, 10_000)
"""The sizes of the records the children write: a torn record of more than a page would show."""
OPERATIONS = 1000
SPAWNED = ("fork", "fork", "fork", "spawn")
"""How the racing processes start, in turn: some spawned, so that a spawned process is seen to
draw IDs from the storage as a forked one does; forks are faster to start."""
SHARED_IDS = 4
SHARED_OPERATIONS = 300
SHOWN_FAILURES = 10


# -- what the children do -------------------------------------------------------------------------

def mixed_operations(url: str, writer: int, seed: int, barrier: Any) -> Iterator[Call]:
    """Save new records, replace and remove its own, load any, and list, at random."""
    store = make_store(url)
    store.list()  # connected, and the table made, before the race begins
    rng = random.Random(seed)
    own: list[str] = []
    known: list[str] = []
    barrier.wait(CHILD_TIMEOUT)
    for number in range(OPERATIONS):
        choice = rng.random()
        version = Version(f"{writer}-{number}", rng.choice(SIZES))
        if not own or choice < 0.3:
            started = now()
            id_ = store.save(version)
            yield Call("save", str(id_), version.token, started, now())
            own.append(id_)
        elif choice < 0.55:
            id_ = rng.choice(own)
            started = now()
            store.replace(id_, version)
            yield Call("replace", id_, version.token, started, now())
        elif choice < 0.65:
            id_ = own.pop(rng.randrange(len(own)))
            started = now()
            store.remove(id_)
            yield Call("remove", id_, None, started, now())
        elif choice < 0.97:
            yield load(store, rng.choice(own + known))
        else:
            started = now()
            listed = tuple(str(id_) for id_ in store.list())
            yield Call("list", None, None, started, now(), listed=listed)
            known = list(listed)


def replace_shared(url: str, writer: int, shared: list[str], seed: int,
                   barrier: Any) -> Iterator[Call]:
    """Replace and load the records of `shared`, which every child replaces too; halfway
    through, child 0 removes the first of them while the others go on replacing it."""
    store = make_store(url)
    store.list()
    rng = random.Random(seed)
    barrier.wait(CHILD_TIMEOUT)
    for number in range(SHARED_OPERATIONS):
        id_ = rng.choice(shared)
        if writer == 0 and number == SHARED_OPERATIONS // 2:
            started = now()
            store.remove(shared[0])
            yield Call("remove", shared[0], None, started, now())
        elif rng.random() < 0.6:
            version = Version(f"{writer}-{number}", rng.choice(SIZES))
            started = now()
            try:
                store.replace(id_, version)
            except LoadError:
                yield Call("refused", id_, version.token, started, now())
            else:
                yield Call("replace", id_, version.token, started, now())
        else:
            yield load(store, id_)


def load(store: Store, id_: str) -> Call:
    """Load `id_` from the storage, not from the cache, and say what came back."""
    store.invalidate_cache()
    started = now()
    try:
        loaded = store.load(id_)
    except LoadError as exc:
        return Call("load", id_, None, started, now(), error=str(exc))
    ended = now()
    return Call("load", id_, loaded.token, started, ended, whole=loaded.is_whole())


# -- what must hold --------------------------------------------------------------------------------

class Register:
    """Every call that wrote or removed one ID, and what a read of the ID may return."""

    def __init__(self, id_: str) -> None:
        self.id_ = id_
        self.writes: dict[str, Call] = {}
        self.saved: Call | None = None
        self.removed: Call | None = None
        self._by_end: list[Call] = []
        self._ends: list[int] = []
        self._latest_start: list[int] = []

    def add(self, call: Call) -> None:
        if call.op == "remove":
            self.removed = call
            return
        self.writes[str(call.token)] = call
        if call.op == "save":
            self.saved = call

    def seal(self) -> None:
        """Index the writes; call it once every call was added."""
        self._by_end = sorted(self.writes.values(), key=lambda call: call.ended or 0)
        self._ends = [call.ended or 0 for call in self._by_end]
        self._latest_start = list(itertools.accumulate(
            (call.started for call in self._by_end), max))

    def why_not(self, found: str | None, started: int, ended: int) -> str | None:
        """Why a read of this ID begun at `started` and returned at `ended` cannot have
        returned `found` (None: nothing); None if it can."""
        if found is None:
            if self.removed is None or self.removed.started > ended:
                return "raised LoadError, and no remove of it had begun"
            return None
        write = self.writes.get(found)
        if write is None:
            return f"returned {found!r}, which no call wrote to it"
        if write.started > ended:
            return f"returned {found!r}, whose write began only after the read returned"
        if self.removed is not None and self.removed.ended is not None \
                and self.removed.ended < started:
            return f"returned {found!r} after the remove of it returned"
        overwrite = self._overwritten(write, started)
        if overwrite is not None:
            return (f"returned {found!r}, which {overwrite} had overwritten, begun after "
                    f"{found!r} was written and returned before the read began")
        return None

    def _overwritten(self, write: Call, before: int) -> Call | None:
        """A write begun after `write` returned that itself returned before `before`, if any."""
        done = bisect.bisect_left(self._ends, before)
        assert write.ended is not None
        if done == 0 or self._latest_start[done - 1] <= write.ended:
            return None
        return next(call for call in self._by_end[:done] if call.started > write.ended)


class History:
    """What the children of one race did, per ID, and the checks of what they saw."""

    def __init__(self, storage: Storage, reports: Sequence[Sequence[Call]],
                 seeds: Sequence[Call] = ()) -> None:
        self.storage = storage
        self.reports = reports
        self.registers: dict[str, Register] = {}
        self.failures: dict[int, list[str]] = {}
        saved_by: dict[str, int] = {}
        for child, call in self._calls(seeds):
            if call.op == "save":
                assert call.id_ is not None
                if call.id_ in saved_by:
                    self.fail(2, f"saves of child {saved_by[call.id_]} and child {child} both "
                                 f"returned {call.id_}")
                saved_by[call.id_] = child
            if call.op in ("save", "replace", "remove"):
                assert call.id_ is not None
                self.registers.setdefault(call.id_, Register(call.id_)).add(call)
        for register in self.registers.values():
            register.seal()

    def _calls(self, seeds: Sequence[Call]) -> Iterator[tuple[int, Call]]:
        yield from ((-1, call) for call in seeds)
        for child, calls in enumerate(self.reports):
            yield from ((child, call) for call in calls)

    def fail(self, number: int, what: str) -> None:
        self.failures.setdefault(number, []).append(what)

    def check_calls(self) -> None:
        """What each load and list returned, and which replaces were refused."""
        for child, call in self._calls(()):
            if call.op == "load":
                self.check_load(child, call)
            elif call.op == "list":
                self.check_list(child, call)
            elif call.op in ("replace", "refused"):
                self.check_replace(child, call)

    def check_replace(self, child: int, call: Call) -> None:
        assert call.id_ is not None
        assert call.ended is not None
        removed = self.registers[call.id_].removed
        if call.op == "replace" and removed is not None and removed.ended is not None \
                and removed.ended < call.started:
            self.fail(5, f"child {child}'s replace of {call.id_} succeeded, begun after the "
                         f"remove of it returned")
        if call.op == "refused" and (removed is None or removed.started > call.ended):
            self.fail(5, f"child {child}'s replace of {call.id_} raised LoadError, and no "
                         f"remove of it had begun")

    def check_load(self, child: int, call: Call) -> None:
        assert call.id_ is not None
        assert call.ended is not None
        if not call.whole:
            self.fail(10, f"child {child} loaded {call.id_} torn (token {call.token!r})")
        register = self.registers.get(call.id_)
        why = "no call saved it" if register is None else register.why_not(
            call.token, call.started, call.ended)
        if why is not None:
            raised = f" ({call.error})" if call.error else ""
            self.fail(9, f"child {child} loaded {call.id_}: {why}{raised}")

    def check_list(self, child: int, call: Call) -> None:
        assert call.ended is not None
        listed = set(call.listed)
        for id_ in sorted(listed - set(self.registers)):
            self.fail(7, f"child {child} listed {id_}, which no call saved")
        for id_, register in self.registers.items():
            saved, removed = register.saved, register.removed
            assert saved is not None
            assert saved.ended is not None
            if id_ in listed:
                if saved.started > call.ended:
                    self.fail(7, f"child {child} listed {id_} before its save began")
                elif removed is not None and removed.ended is not None \
                        and removed.ended < call.started:
                    self.fail(7, f"child {child} listed {id_} after its remove returned")
            elif saved.ended < call.started and (
                    removed is None or removed.started > call.ended):
                self.fail(7, f"child {child}'s list left out {id_}, saved before it began and "
                             f"not removed before it returned")

    def check_storage(self) -> None:
        """What a fresh store holds once every child is done."""
        done = now()
        with self.storage.fresh() as store:
            listed = set(store.list())
            loading = set()
            for id_, register in sorted(self.registers.items()):
                found = load_token(store, id_)
                token = None if isinstance(found, LoadError) else found
                if token is not None:
                    loading.add(id_)
                why = register.why_not(token, done, done)
                if why is not None:
                    raised = f" ({found})" if token is None else ""
                    self.fail(9, f"afterwards, a fresh store's load of {id_} {why}{raised}")
        if listed != loading:
            self.fail(7, f"afterwards, list() holds {sorted(listed - loading)}, which do not "
                         f"load, and misses {sorted(loading - listed)}, which do")
        raw = self.storage.raw_ids()
        if raw != listed:
            self.fail(7, f"afterwards, the storage holds {sorted(raw - listed)}, which list() "
                         f"leaves out, and not {sorted(listed - raw)}, which it lists")

    def assert_held(self) -> None:
        """Fail with every failure found, grouped by clause, the first few of each."""
        report = []
        for number, seen in sorted(self.failures.items()):
            report.append(f"{clause(number)}")
            report.extend(f"  {what}" for what in seen[:SHOWN_FAILURES])
            if len(seen) > SHOWN_FAILURES:
                report.append(f"  ... and {len(seen) - SHOWN_FAILURES} more")
        if self.failures:
            pytest.fail(f"on {self.storage}:\n" + "\n".join(report), pytrace=False)


def seed_records(storage: Storage, count: int) -> list[Call]:
    """Save `count` records before a race, reported as the children report theirs."""
    with storage.fresh() as store:
        calls = []
        for number in range(count):
            started = now()
            id_ = store.save(Version(f"seed-{number}", 1000))
            calls.append(Call("save", str(id_), f"seed-{number}", started, now()))
        return calls


# -- the tests ---------------------------------------------------------------------------------

def test_processes_making_mixed_calls_at_once_lose_and_mix_up_nothing(storage: Storage) -> None:
    rng = random.Random()
    reports = race(f"{clause(9)}\n{storage}", mixed_operations,
                   [(storage.url, writer, rng.randrange(2 ** 32))
                    for writer in range(PROCESSES)], SPAWNED)
    history = History(storage, reports)
    history.check_calls()
    history.check_storage()
    history.assert_held()
    assert storage.temporaries() == set(), f"{storage}: writers that returned left files behind"


def test_processes_replacing_the_same_ids_keep_one_whole_last_version_and_removed_stays_removed(
        storage: Storage) -> None:
    seeds = seed_records(storage, SHARED_IDS)
    shared = [str(call.id_) for call in seeds]
    rng = random.Random()
    reports = race(f"{clause(9)}\n{storage}", replace_shared,
                   [(storage.url, writer, shared, rng.randrange(2 ** 32))
                    for writer in range(PROCESSES)], ("fork",))
    history = History(storage, reports, seeds)
    history.check_calls()
    history.check_storage()
    history.assert_held()
    assert storage.temporaries() == set(), f"{storage}: writers that returned left files behind"
