"""Clause 3: what `save` does to the object, and how re-saving behaves.

Left open by the contract: whether a load right after `save(obj)` returns
`obj` itself, and what re-saving an object whose record was removed does
(see clause 5 and the store's docs).
"""

from __future__ import annotations

from typing import Any

from gc3store_testkit.contract.base import ContractTests, clause
from gc3store_testkit.harness import StoreHarness, expect, failing_clause, short
from gc3store_testkit.samples import Record, Slotted, Task, state_of

OBJECTS_WITHOUT_ATTRIBUTES: tuple[Any, ...] = (
    {"key": [1, 2, 3]}, ["one", 2, 3.0], 42, ("a", "tuple"), "a string", Slotted(7))


class TestSaving(ContractTests):
    @clause(3)
    def test_save_sets_persistent_id_and__id(self, kit: StoreHarness) -> None:
        for obj in (Task(), Record()):
            id_ = kit.store.save(obj)
            for attribute in ("persistent_id", "_id"):
                seen = getattr(obj, attribute, "<not set>")
                expect(seen == id_, f"after save({type(obj).__name__}), obj.{attribute} is the "
                       f"returned ID", repr(id_), short(seen))

    @clause(3)
    def test_resaving_keeps_the_id_and_updates_the_record(self, kit: StoreHarness) -> None:
        task = Task("first version")
        id_ = kit.store.save(task)
        task.name = "second version"
        again = kit.store.save(task)
        expect(again == id_, "saving an object again returns the ID it already has",
               repr(id_), repr(again))
        loaded = kit.fresh().load(id_)
        expect(loaded.name == "second version", "re-saving updates the stored record",
               "name 'second version'", f"name {loaded.name!r}")

    @clause(3)
    def test_resaving_a_loaded_object_keeps_its_id(self, kit: StoreHarness) -> None:
        id_ = kit.store.save(Task("saved"))
        other = kit.fresh()
        loaded = other.load(id_)
        loaded.name = "edited by another instance"
        again = other.save(loaded)
        expect(again == id_, "an object loaded from the store keeps its ID when saved again",
               repr(id_), repr(again))
        other.invalidate_cache()
        loaded.name = "edited after invalidate_cache"
        again = other.save(loaded)
        expect(again == id_, "a loaded object keeps its ID when saved after invalidate_cache()",
               repr(id_), repr(again))
        seen = kit.fresh().load(id_).name
        expect(seen == "edited after invalidate_cache", "the record holds the last save",
               "'edited after invalidate_cache'", repr(seen))

    @clause(3)
    def test_objects_that_cannot_carry_an_id_are_stored(self, kit: StoreHarness) -> None:
        problems = []
        for obj in OBJECTS_WITHOUT_ATTRIBUTES:
            with failing_clause(3, f"save({short(obj)}), an object that cannot carry an ID"):
                first, second = kit.store.save(obj), kit.store.save(obj)
            if first == second:
                problems.append(f"{short(obj)} saved twice got one ID {first!r}")
            loaded = kit.fresh().load(first)
            if loaded != obj:
                problems.append(f"{short(obj)} loaded as {short(loaded)}")
        expect(not problems, "objects without attributes are stored, under a new ID each save",
               "every object stored and loaded back equal", "; ".join(problems))

    @clause(3)
    def test_saved_state_does_not_follow_later_changes(self, kit: StoreHarness) -> None:
        for obj in (Record(value="saved"), Task("saved", value="saved")):
            id_ = kit.store.save(obj)
            expected = state_of(obj)
            vars(obj)["value"] = "changed after the save"
            seen = state_of(kit.fresh().load(id_))
            expect(seen == expected, f"the store keeps the state a {type(obj).__name__} had "
                   f"when saved", short(expected), short(seen))
