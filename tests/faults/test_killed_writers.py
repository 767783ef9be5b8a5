"""A writer killed with SIGKILL at random moments, 200 times on the file store and on SQLite, 25
times on each database server (clauses 2, 6, 7 and 10).

What must hold: every ID a killed writer was told was saved, and not told was removed, loads
whole, as the version last acknowledged or as the one whose call the kill cut short, never an
older one; an ID told removed never loads again (IDs are never reused); `list()` holds exactly
the IDs that load; and nothing else is left behind: no stray record, no row without a record.
The file store's temporary files (``.tmp-...``) of writers killed in the middle of a write are
never listed or loaded, and `list()` removes them once they are abandoned (no writer holds them,
and they have not changed for `ABANDONED_AFTER_S`, made 0 here).

After each kill, a freshly opened store must list exactly the live IDs and load every ID the
killed writer touched as it should; after the last kill, every ID ever saved is loaded, and the
storage is read without any store for records it does not list.

How it is provoked: each round forks a writer that saves, replaces and removes records of 10 B
to 100 kB, alternately with ``durable=True`` and ``durable=False`` so that kills land in the
disk flushes as well as in the writes between them. It reports each call as it begins and once
it returned; the parent SIGKILLs it after a random number of its reports (and a spin of up to a
millisecond), so most kills cut a call short; the test checks that some cut saves and some cut
replaces or removes.
"""

from __future__ import annotations

import collections
import itertools
import random
import time
from collections.abc import Iterator

import pytest
from fault_harness import Call, ChildFailed, Reporter, Storage, Version, load_token, now

from gc3store import LoadError, RecordStore, filesystem, make_store
from gc3store_testkit.clauses import clause

KILLS = {"file": 200, "sqlite": 200, "postgresql": 25, "mysql": 25}
"""SIGKILLs per storage. On a server, what a kill tests is that the server rolls back the
transaction of a connection that vanished, and every round opens two connections: fewer do."""
MOST_REPORTS_BEFORE_A_KILL = 40
SIZES = (10, 1000, 100_000)
"""The sizes of the records the writers write: a write of 100 kB takes long enough to be cut."""
LONGEST_SPIN_S = 0.001
"""After the chosen report, the parent spins up to this long before the kill, so that kills
do not always come the same time after a report."""


def write_until_killed(url: str, durable: bool, live: list[str], round_: int,
                       seed: int) -> Iterator[Call]:
    """Save, replace and remove at random forever, reporting each call as it begins and once it
    returned; replaces and removes go to `live`, the IDs of the records saved before."""
    store = make_store(url, durable=durable)
    rng = random.Random(seed)
    for number in itertools.count():
        token = f"{round_}-{number}"
        version = Version(token, rng.choice(SIZES))
        choice = rng.random()
        started = now()
        if not live or choice < 0.5:
            yield Call("save", None, token, started)
            id_ = store.save(version)
            yield Call("save", str(id_), token, started, now())
            live.append(id_)
        elif choice < 0.8:
            id_ = rng.choice(live)
            yield Call("replace", id_, token, started)
            store.replace(id_, version)
            yield Call("replace", id_, token, started, now())
        else:
            id_ = live.pop(rng.randrange(len(live)))
            yield Call("remove", id_, None, started)
            store.remove(id_)
            yield Call("remove", id_, None, started, now())


def kill_a_writer(storage: Storage, live: list[str], round_: int,
                  rng: random.Random) -> list[Call]:
    """Fork a writer, SIGKILL it after a random number of its reports, return what it reported."""
    writer = Reporter(write_until_killed, (storage.url, round_ % 2 == 0, live, round_,
                                           rng.randrange(2 ** 32)))
    try:
        for _ in range(rng.randint(1, MOST_REPORTS_BEFORE_A_KILL)):
            writer.receive()
        spin(rng.uniform(0, LONGEST_SPIN_S))
        writer.kill()
        writer.drain()
    except ChildFailed as exc:
        raise AssertionError(f"{storage}, writer {round_}: {exc}") from None
    finally:
        writer.kill()
    return writer.reports


def spin(seconds: float) -> None:
    """Busy-wait `seconds`: a sleep would round such short waits up to the scheduler's tick."""
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        pass


class Acknowledged:
    """What the killed writers were told: the live IDs with the version each was last told of,
    the IDs told removed; and which calls the kills cut short."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.live: dict[str, str] = {}
        self.removed: set[str] = set()
        self.kills: collections.Counter[str] = collections.Counter()

    def fail(self, number: int, what: str) -> str:
        return f"{clause(number)}\n{self.storage}, after {sum(self.kills.values())} kills: {what}"

    def take(self, reports: list[Call]) -> Call | None:
        """Take in a killed writer's reports; return the call the kill cut short, if any."""
        cut = None
        for call in reports:
            if call.ended is None:
                cut = call
                continue
            cut = None
            assert call.id_ is not None
            if call.op == "save":
                assert call.id_ not in self.live, self.fail(
                    2, f"save returned {call.id_}, the ID of a live record")
                assert call.id_ not in self.removed, self.fail(
                    2, f"save returned {call.id_}, the ID of a removed record")
                self.live[call.id_] = str(call.token)
            elif call.op == "replace":
                self.live[call.id_] = str(call.token)
            else:
                del self.live[call.id_]
                self.removed.add(call.id_)
        self.kills[cut.op if cut is not None else "between calls"] += 1
        return cut

    def settle(self, store: RecordStore, cut: Call, listed: set[str]) -> None:
        """Find out, through a fresh store, what became of the call the kill cut short."""
        if cut.op == "save":
            new = listed - set(self.live) - self.removed
            assert len(new) <= 1, self.fail(
                10, f"one save was cut short, yet the store lists {len(new)} IDs nobody was "
                    f"told of: {sorted(new)}")
            for id_ in new:
                found = load_token(store, id_)
                assert found == cut.token, self.fail(
                    10, f"{id_}, the ID of the save the kill cut short, loads {found!r}, not "
                        f"{cut.token!r}, the version being saved")
                self.live[id_] = str(cut.token)
            return
        assert cut.id_ is not None
        found = load_token(store, cut.id_)
        if cut.op == "replace":
            acknowledged = self.live[cut.id_]
            assert found in (acknowledged, cut.token), self.fail(
                10, f"{cut.id_} loads {found!r} after a kill in the middle of replacing it, "
                    f"neither the version last acknowledged, {acknowledged!r}, nor the one "
                    f"being written, {cut.token!r}")
            self.live[cut.id_] = str(found)
        elif isinstance(found, LoadError):
            del self.live[cut.id_]
            self.removed.add(cut.id_)

    def check(self, store: RecordStore, ids: set[str]) -> None:
        """`list()` holds the live IDs and no other; each of `ids` loads as last acknowledged,
        or does not load if it was removed."""
        listed = set(store.list())
        live = set(self.live)
        assert listed == live, self.fail(
            10, f"list() misses {sorted(live - listed)} (saved and not removed) and holds "
                f"{sorted(listed - live)} (of them removed: {sorted(listed & self.removed)})")
        for id_ in sorted(ids):
            found = load_token(store, id_)
            if id_ in self.removed:
                assert isinstance(found, LoadError), self.fail(
                    6, f"{id_} was removed, yet it loads {found!r}")
            else:
                assert found == self.live[id_], self.fail(
                    10, f"{id_} loads {found!r}, not {self.live[id_]!r}, the version last "
                        f"acknowledged")


def test_a_writer_killed_at_random_moments_loses_and_tears_nothing(
        storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random()
    told = Acknowledged(storage)
    for round_ in range(KILLS[storage.kind]):
        reports = kill_a_writer(storage, list(told.live), round_, rng)
        cut = told.take(reports)
        with storage.fresh() as store:
            if cut is not None:
                told.settle(store, cut, set(store.list()))
            told.check(store, {call.id_ for call in reports if call.id_ is not None})
            for name in sorted(storage.temporaries()):
                assert isinstance(load_token(store, name), LoadError), told.fail(
                    10, f"the temporary file {name} of a killed writer loads")
    cut_short = f"{storage}: the kills cut short {dict(told.kills)}"
    assert told.kills["save"], cut_short
    assert told.kills["replace"] + told.kills["remove"], cut_short
    with storage.fresh() as store:
        told.check(store, set(told.live) | told.removed)
        listed = set(store.list())
    raw = storage.raw_ids()
    assert raw == listed, told.fail(
        10, f"the storage holds {sorted(raw - listed)}, which the store does not list")
    if storage.kind == "file":
        monkeypatch.setattr(filesystem, "ABANDONED_AFTER_S", 0.0)  # every writer is dead now
        with storage.fresh() as store:
            store.list()
        assert storage.temporaries() == set(), "list() left temporary files of killed writers"
