"""Clause 2: IDs are strings, and one ID is never given to two objects of the same store.

Uniqueness is checked within one instance, after `remove`, across
instances opened on the same storage, and across four processes saving at
the same time (started by fork and by spawn).  The contract leaves open the
form of an ID beyond being a `str`, their order, and gaps in any numbering.
"""

from __future__ import annotations

import collections
import pickle
from collections.abc import Callable
from typing import Any

import pytest

from gc3store_testkit.children import run_children
from gc3store_testkit.contract.base import ContractTests, clause
from gc3store_testkit.harness import StoreHarness, expect
from gc3store_testkit.samples import Record, Task

PROCESSES = 4
SAVES_PER_PROCESS = 50


def repeated(ids: list[str]) -> list[str]:
    """The IDs that occur more than once in `ids`."""
    return sorted(id_ for id_, count in collections.Counter(ids).items() if count > 1)


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
        for obj in (Task(), Record(), {"plain": "dict"}, 17):
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
    def test_ids_are_unique_across_processes_started_by_spawn(self, kit: StoreHarness) -> None:
        require_picklable(kit.factory)
        self.check_processes(kit, "spawn")

    @staticmethod
    def check_processes(kit: StoreHarness, method: str) -> None:
        timeout = kit.options.timeout
        results = run_children(save_records, [(kit.factory, SAVES_PER_PROCESS, timeout)]
                               * PROCESSES, method=method, timeout=timeout, synchronized=True)
        saved = [pair for result in results for pair in result]
        kit.saved.update(id_ for id_, _ in saved)
        ids = [id_ for id_, _ in saved]
        expect(not repeated(ids), f"{PROCESSES} processes ({method}) saving at once never get "
               f"the same ID", "no ID twice", f"repeated: {repeated(ids)}")
        reader = kit.fresh()
        wrong = [(id_, token) for id_, token in saved if reader.load(id_).token != token]
        expect(not wrong, "each ID a process saved loads the object that process saved",
               "every token matches", f"mismatched: {wrong[:5]}")

    @clause(2)
    def test_loaded_id_has_the_type_save_returned(self, kit: StoreHarness) -> None:
        task = Task()
        id_ = kit.store.save(task)
        # a missing persistent_id is clause 4's to report; this checks only its type
        seen = getattr(kit.fresh().load(id_), "persistent_id", id_)
        expect(type(seen) is type(id_),
               "a loaded object's persistent_id has the type save() returned",
               type(id_).__name__, type(seen).__name__)
