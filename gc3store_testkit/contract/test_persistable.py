"""Clause 8: `Persistable` objects inside a saved object are records of their own.

A referenced `Persistable` is saved when it is new or its `changed` flag is
set, and pickled as a reference; loading resolves references through the
store, so shared objects load as one and cycles round-trip.  The contract
leaves open whether a referenced object whose flag is clear is written
again: not writing it is GC3Pie's economy, clause 15, an extension.
"""

from __future__ import annotations

from gc3store_testkit.contract.base import ContractTests, clause
from gc3store_testkit.contract.checks import expect_replace_works
from gc3store_testkit.harness import StoreHarness, expect, short
from gc3store_testkit.samples import Record, Task


class TestPersistable(ContractTests):
    @clause(8)
    def test_referenced_persistable_is_saved_as_a_record_of_its_own(
            self, kit: StoreHarness) -> None:
        child = Task("child")
        parent_id = kit.store.save(Task("parent", child=child))
        child_id = getattr(child, "persistent_id", None)
        expect(child_id is not None and child_id != parent_id,
               "saving a parent gives its new Persistable child an ID of its own",
               f"an ID other than {parent_id!r}", short(child_id))
        reader = kit.fresh()
        loaded_child = reader.load(child_id)
        expect(loaded_child.token == child.token, "the child's ID loads the child", child.token,
               loaded_child.token)
        loaded_parent = reader.load(parent_id)
        expect(loaded_parent.child is loaded_child,
               "the parent's reference resolves to the object the child's ID loads",
               f"the object at {id(loaded_child):#x}", short(loaded_parent.child))

    @clause(8)
    def test_shared_references_load_as_one_object(self, kit: StoreHarness) -> None:
        shared = Task("shared")
        first = kit.store.save(Task("first", friend=shared))
        second = kit.store.save(Record(friends=[shared, shared]))
        reader = kit.fresh()
        one, other = reader.load(first), reader.load(second)
        expect(one.friend is other.friends[0] is other.friends[1],
               "an object referenced from two records loads as one object", "one object",
               f"{short(one.friend)}, {short(other.friends)}")

    @clause(8)
    def test_cycles_between_persistable_objects_round_trip(self, kit: StoreHarness) -> None:
        alice, bob = Task("alice"), Task("bob")
        alice.peer, bob.peer = bob, alice
        alice.itself = alice
        id_ = kit.store.save(alice)
        loaded = kit.fresh().load(id_)
        expect(loaded.peer.peer is loaded and loaded.itself is loaded,
               "a cycle between Persistable objects loads as the same cycle",
               "alice.peer.peer is alice and alice.itself is alice",
               f"peer.name={loaded.peer.name!r}, peer.peer is alice: "
               f"{loaded.peer.peer is loaded}, itself is alice: {loaded.itself is loaded}")

    @clause(8)
    def test_referenced_object_whose_changed_flag_is_set_is_saved_again(
            self, kit: StoreHarness) -> None:
        child = Task("version 1")
        parent = Task("parent", child=child)
        kit.store.save(parent)
        child.name, child.changed = "version 2", True
        kit.store.save(parent)
        seen = kit.fresh().load(child.persistent_id).name
        expect(seen == "version 2", "a referenced object whose changed flag is set is saved "
               "again with its parent", "'version 2'", repr(seen))

    @clause(8)
    def test_replace_saves_the_new_persistable_objects_it_refers_to(
            self, kit: StoreHarness) -> None:
        expect_replace_works(kit)
        id_ = kit.store.save(Task("original"))
        child = Task("new child of a replacement")
        kit.store.replace(id_, Task("replacement", child=child))
        child_id = getattr(child, "persistent_id", None)
        expect(child_id is not None and child_id != id_, "replace(id, obj) gives a new "
               "Persistable object inside obj an ID of its own", f"an ID other than {id_!r}",
               short(child_id))
        reader = kit.fresh()
        loaded = reader.load(id_)
        expect(getattr(loaded.child, "token", None) == child.token, "the replaced record refers "
               "to the new object", child.token, short(getattr(loaded.child, "token", None)))
        expect(loaded.child is reader.load(child_id), "the reference in the replaced record "
               "resolves to the object the new ID loads", f"the object {child_id!r} loads",
               short(loaded.child))

    @clause(15)
    def test_changed_flag_decides_whether_a_reference_is_saved_again(
            self, kit: StoreHarness) -> None:
        child = Task("version 1")
        parent = Task("parent", child=child)
        kit.store.save(parent)
        expect(parent.changed is False, "saving clears the changed flag of the object saved",
               False, parent.changed)
        expect(child.changed is False, "saving clears the changed flag of a saved child", False,
               child.changed)
        child.name = "version 2, changed flag not set"
        kit.store.save(parent)
        seen = kit.fresh().load(child.persistent_id).name
        expect(seen == "version 1", "a referenced object whose changed flag is clear is not "
               "saved again", "'version 1'", repr(seen))
        child.name = "version 3"
        child.changed = True
        kit.store.save(parent)
        seen = kit.fresh().load(child.persistent_id).name
        expect(seen == "version 3", "a referenced object whose changed flag is set is saved "
               "again with its parent", "'version 3'", repr(seen))
