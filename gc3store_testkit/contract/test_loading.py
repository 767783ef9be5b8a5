"""Clause 4: `load` returns an equal object, the same while it lives, re-read after invalidation.

Objects that cannot be weakly referenced (dict, tuple) may be loaded anew
each time; the contract leaves that open, and these tests load only
objects that can be.  Two stores on different storages in one process may
hand out the same IDs; each must still load only what its own storage
holds (a cache or a counter shared by class would not).
"""

from __future__ import annotations

from gc3store_testkit.contract.base import ContractTests, clause
from gc3store_testkit.contract.checks import NEVER_ISSUED_ID, expect_replace_works, load_or_none
from gc3store_testkit.harness import StoreHarness, expect, raises_one_of, short
from gc3store_testkit.samples import API, Record, StatefulTask, Task, TaskList, state_of


class TestLoading(ContractTests):
    @clause(4)
    def test_load_returns_an_equal_object(self, kit: StoreHarness) -> None:
        for obj in (Task("loaded", payload=list(range(10))), Record(payload={"a": b"bytes"})):
            id_ = kit.store.save(obj)
            loaded = kit.fresh().load(id_)
            expect(type(loaded) is type(obj), "load returns an object of the saved class",
                   type(obj).__name__, type(loaded).__name__)
            expect(state_of(loaded) == state_of(obj), "load returns an equal object",
                   short(state_of(obj)), short(state_of(loaded)))
            expect(getattr(loaded, "persistent_id", None) == id_,
                   "the loaded object's persistent_id is the ID it was loaded by", repr(id_),
                   short(getattr(loaded, "persistent_id", "<not set>")))

    @clause(4)
    def test_objects_that_pickle_their_own_way_load_equal(self, kit: StoreHarness) -> None:
        stateful = StatefulTask("stateful", payload=[1, 2])
        # references and cycles are clause 8's: the items are plain values
        items = TaskList([1, "two", {"three": 3}], name="a list")
        problems = []
        for obj in (stateful, items):
            loaded = kit.fresh().load(kit.store.save(obj))
            if type(loaded) is not type(obj) or state_of(loaded).get("token") != obj.token:
                problems.append(f"{type(obj).__name__} loaded as {short(loaded)}")
        loaded_stateful = kit.fresh().load(stateful.persistent_id)
        if getattr(loaded_stateful, "restored_from_version", None) != 2 or \
                getattr(loaded_stateful, "payload", None) != [1, 2]:
            problems.append(f"StatefulTask's __setstate__ not applied: "
                            f"{short(vars(loaded_stateful))}")
        loaded_items = kit.fresh().load(items.persistent_id)
        shape = [type(item).__name__ for item in loaded_items]
        if list(loaded_items) != [1, "two", {"three": 3}] or \
                getattr(loaded_items, "name", None) != "a list":
            problems.append(f"TaskList loaded with items {shape} and name "
                            f"{getattr(loaded_items, 'name', None)!r}")
        expect(not problems, "objects with their own __setstate__, and Persistable lists (their "
               "items and their attributes), load equal",
               "each as saved", "; ".join(problems))

    @clause(4)
    def test_load_returns_the_same_object_while_it_is_alive(self, kit: StoreHarness) -> None:
        id_ = kit.store.save(Task("cached"))
        reader = kit.fresh()
        first = reader.load(id_)
        second = reader.load(id_)
        expect(first is second, "loading an ID again while the loaded object is alive returns "
               "that same object", f"the object at {id(first):#x}",
               f"another object at {id(second):#x}")

    @clause(4)
    def test_invalidate_cache_makes_load_read_the_storage(self, kit: StoreHarness) -> None:
        expect_replace_works(kit)
        id_ = kit.store.save(Task("before"))
        reader = kit.fresh()
        before = reader.load(id_)
        kit.open().replace(id_, Task("after"))
        reader.invalidate_cache()
        seen = reader.load(id_).name
        expect(seen == "after", "after invalidate_cache() a load sees what another instance "
               "stored meanwhile", "'after'", repr(seen))
        expect(before.name == "before", "invalidating the cache leaves loaded objects alone",
               "'before'", repr(before.name))

    @clause(4)
    def test_unknown_id_raises_load_error(self, kit: StoreHarness) -> None:
        # an ID that was removed is clause 6's to check
        with raises_one_of(f"load({NEVER_ISSUED_ID!r}) of an ID the store never issued",
                           API.LoadError):
            kit.fresh().load(NEVER_ISSUED_ID)

    @clause(4)
    def test_stores_on_different_storages_keep_apart(self, kit: StoreHarness) -> None:
        writers = {"here": kit.store, "there": kit.open_elsewhere()}
        saved: dict[str, dict[str, str]] = {"here": {}, "there": {}}
        for number in range(3):
            for name, store in writers.items():
                task = Task(f"{name} {number}")
                saved[name][store.save(task)] = task.token
        readers = {"here": kit.fresh(), "there": kit.open_elsewhere()}
        # every object stays alive to the end, so that a cache keeps each one
        loaded = {name: {id_: load_or_none(store, id_) for id_ in saved[name]}
                  for name, store in readers.items()}
        for name, other in (("here", "there"), ("there", "here")):
            for store, objects in ((writers[name], None), (readers[name], loaded[name])):
                objects = objects or {id_: load_or_none(store, id_) for id_ in saved[name]}
                wrong = {id_: short(getattr(obj, "token", obj)) for id_, obj in objects.items()
                         if getattr(obj, "token", None) != saved[name][id_]}
                expect(not wrong, "a store loads what its own storage holds, beside a store on "
                       "another storage in the same process", "the token each ID was saved "
                       "with", f"other tokens: {wrong}")
            theirs = set(saved[other].values())
            leaked = sorted(id_ for id_ in saved[other] if id_ not in saved[name] and getattr(
                load_or_none(readers[name], id_), "token", None) in theirs)
            expect(not leaked, "a store on one storage never loads an object saved on another",
                   "LoadError, or an object of its own storage",
                   f"the other storage's objects loaded for {leaked}")
