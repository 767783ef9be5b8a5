"""Clause 2: IDs are strings, and one ID is never given to two objects of the same store.

Uniqueness is checked within one instance, after `remove`, across
instances opened on the same storage, and across four processes saving at
the same time (started by fork and by spawn).  The spawned ones share
nothing but the storage: each runs with a new, empty home directory and
without the variables that point state elsewhere (`STATE_VARIABLES`), so
a store that keeps its ID counter outside the storage (GC3Pie keeps it in
``~/.gc3/next_id.txt``) hands out the same IDs in each, and overwrites.  An ID is
a `str` in every way: equal to, and hashing as, the plain string of the
same text.  The contract leaves open the form of an ID beyond that, their
order, and gaps in any numbering.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gc3store_testkit.children import run_children
from gc3store_testkit.contract.base import ContractTests, clause
from gc3store_testkit.contract.checks import load_or_none, repeated
from gc3store_testkit.harness import Checks, StoreHarness, expect
from gc3store_testkit.samples import Record, Task

PROCESSES = 4
SAVES_PER_PROCESS = 50
STATE_VARIABLES = ("GC3PIE_ID_FILE", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME",
                   "XDG_CACHE_HOME")
"""Unset in the processes that share nothing but the storage: they point state elsewhere."""


def save_records(factory: Callable[[], Any], count: int, timeout: float,
                 barrier: Any) -> list[tuple[str, str]]:
    """In a child: open a store, wait for the others, save `count` records; return (ID, token)s."""
    store = factory()
    barrier.wait(timeout)
    saved = []
    for number in range(count):
        record = Record(number=number)
        saved.append((store.save(record), record.token))
    return saved


def require_picklable(factory: Callable[[], Any]) -> None:
    """Skip (so the clause reads incomplete) when a spawned child cannot receive `factory`."""
    try:
        pickle.dumps(factory)
    except Exception as exc:
        pytest.skip(f"the store_factory cannot be pickled ({type(exc).__name__}: {exc}), so "
                    f"no spawned process can open the store; make it a picklable callable")


class TestIds(ContractTests):
    @clause(2)
    def test_ids_are_strings(self, kit: StoreHarness) -> None:
        # objects that cannot carry an ID are clause 3's to check
        for obj in (Task(), Record()):
            id_ = kit.store.save(obj)
            expect(isinstance(id_, str), f"save({type(obj).__name__}) returns a str ID",
                   "a str", f"{type(id_).__name__} {id_!r}")

    @clause(2)
    def test_ids_are_unique_in_one_instance(self, kit: StoreHarness) -> None:
        ids = [kit.store.save(Record(number=number)) for number in range(60)]
        expect(not repeated(ids), "60 saves return 60 different IDs", "no ID twice",
               f"repeated: {repeated(ids)}")

    @clause(2)
    def test_removed_id_is_never_reused(self, kit: StoreHarness) -> None:
        store = kit.store
        removed = [store.save(Record()) for _ in range(5)]
        for id_ in removed:
            store.remove(id_)
        later = [store.save(Record()) for _ in range(30)]
        later += [kit.fresh().save(Record()) for _ in range(30)]
        reused = sorted(set(removed) & set(later))
        expect(not reused, "the ID of a removed object is never given to another",
               f"none of {removed}", f"reused: {reused}")

    @clause(2)
    def test_ids_are_unique_across_instances(self, kit: StoreHarness) -> None:
        first, second = kit.store, kit.open()
        ids = []
        for number in range(30):
            ids.append(first.save(Record(number=number)))
            ids.append(second.save(Record(number=number)))
        expect(not repeated(ids), "two instances on one storage never hand out the same ID",
               "no ID twice", f"repeated: {repeated(ids)}")

    @clause(2, requires="shared_between_processes")
    def test_ids_are_unique_across_processes_started_by_fork(self, kit: StoreHarness) -> None:
        self.check_processes(kit, "fork")

    @clause(2, requires="shared_between_processes")
    def test_ids_are_unique_across_processes_started_by_spawn(
            self, kit: StoreHarness, tmp_path: Path) -> None:
        require_picklable(kit.factory)
        environs = []
        for number in range(PROCESSES):
            home = tmp_path / f"home {number}"
            home.mkdir()
            environs.append({**dict.fromkeys(STATE_VARIABLES), "HOME": str(home)})
        self.check_processes(kit, "spawn", environs,
                             ", each with a new home directory of its own,")

    @staticmethod
    def check_processes(kit: StoreHarness, method: str,
                        environs: list[dict[str, str | None]] | None = None,
                        alone: str = "") -> None:
        timeout = kit.options.timeout
        results = run_children(save_records, [(kit.factory, SAVES_PER_PROCESS, timeout)]
                               * PROCESSES, method=method, timeout=timeout, synchronized=True,
                               environs=environs)
        saved = [pair for result in results for pair in result]
        kit.saved.update(id_ for id_, _ in saved)
        ids = [id_ for id_, _ in saved]
        checks = Checks()
        checks.expect(not repeated(ids), f"{PROCESSES} processes ({method}){alone} saving at "
                      f"once never get the same ID" + (" (a store keeps its ID counter in the "
                                                       "storage)" if alone else ""),
                      "no ID twice", f"repeated: {repeated(ids)}")
        reader = kit.fresh()
        overwritten = sorted({id_ for id_, token in saved
                              if getattr(load_or_none(reader, id_), "token", None) != token})
        checks.expect(not overwritten, "each ID a process saved loads the object that process "
                      "saved: no save overwrote another", "every object as it was saved",
                      f"the records of {overwritten[:5]} hold another object, or none")
        checks.report()

    @clause(2)
    def test_loaded_id_has_the_type_save_returned(self, kit: StoreHarness) -> None:
        task = Task()
        id_ = kit.store.save(task)
        # a missing persistent_id is clause 4's to report; this checks only its type
        seen = getattr(kit.fresh().load(id_), "persistent_id", id_)
        expect(type(seen) is type(id_),
               "a loaded object's persistent_id has the type save() returned",
               type(id_).__name__, type(seen).__name__)

    @clause(2)
    def test_ids_hash_and_compare_as_the_plain_strings_they_equal(
            self, kit: StoreHarness) -> None:
        ids = [kit.store.save(Task()), kit.store.save(Record())]
        if "list" not in kit.unsupported:
            ids += [id_ for id_ in kit.fresh().list() if id_ in ids]
        problems = []
        for id_ in (id_ for id_ in ids if isinstance(id_, str)):
            plain = str.__str__(id_)  # a plain str of the same text, whatever class id_ has
            if not (id_ == plain and plain == id_ and hash(id_) == hash(plain)):
                problems.append(f"{id_!r} == {plain!r}: {id_ == plain}, hashes "
                                f"{hash(id_)} and {hash(plain)}")
            elif len({id_, plain}) != 1 or {plain: True}.get(id_) is not True:
                problems.append(f"{id_!r} and {plain!r} are two keys of a set or dict")
        expect(not problems, "an ID equals, and hashes as, the plain str of the same text, so "
               "that it is one key with it in a dict or a set", "equal and the same hash",
               "; ".join(problems))
