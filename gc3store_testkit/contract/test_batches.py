"""Clause 13, the ``batch`` extension: `batch()` keeps all of a block's writes or none.

The failure is provoked by an exception of the test's own raised at the end
of the block; what must hold is that the exception comes out unchanged,
that the storage then holds what it held before the block, that objects
saved in the block lose the IDs they were given, and that those IDs are
never handed out again.  The contract leaves open whether other store
instances see a batch's writes before it ends.
"""

from __future__ import annotations

from typing import Any

from gc3store_testkit.contract.base import ContractTests, clause
from gc3store_testkit.contract.checks import expect_gone
from gc3store_testkit.harness import StoreHarness, expect, raises_one_of, short
from gc3store_testkit.samples import API, Record, Task


class StopTheBatch(Exception):
    """Raised by a test at the end of a batch that must be undone."""


def failing_batch(store: Any, writes: Any) -> None:
    """Run `writes()` in a batch ended by `StopTheBatch`; check the exception comes out."""
    try:
        with store.batch():
            writes()
            raise StopTheBatch
    except StopTheBatch:
        return
    expect(False, "a batch whose block raises lets the exception out", "StopTheBatch raised",
           "no exception")


def expect_removal_works(kit: StoreHarness) -> None:
    """These tests check removed IDs: a store that fails that outside a batch fails clause 6."""
    id_ = kit.store.save(Record())
    kit.store.remove(id_)
    expect_gone(kit, id_)


class TestBatches(ContractTests):
    @clause(13)
    def test_a_batch_keeps_all_its_writes(self, kit: StoreHarness) -> None:
        expect_removal_works(kit)
        store = kit.store
        kept, doomed = store.save(Task("kept")), store.save(Task("doomed"))
        with store.batch():
            new = store.save(Task("new"))
            store.replace(kept, Task("replaced"))
            store.remove(doomed)
        reader = kit.fresh()
        seen = (reader.load(new).name, reader.load(kept).name)
        expect(seen == ("new", "replaced"), "after a batch, its saves and replaces are stored",
               ("new", "replaced"), seen)
        with raises_one_of(f"load({doomed!r}) removed in a batch", API.LoadError):
            reader.load(doomed)

    @clause(13)
    def test_a_batch_that_raises_keeps_none_of_its_writes(self, kit: StoreHarness) -> None:
        expect_removal_works(kit)
        store = kit.store
        kept, doomed = store.save(Task("kept")), store.save(Task("doomed"))
        child, parent = Task("child"), Task("parent")
        parent.child = child
        created: list[str] = []

        def writes() -> None:
            created.append(store.save(parent))
            store.replace(kept, Task("replaced"))
            store.remove(doomed)

        failing_batch(store, writes)
        reader = kit.fresh()
        seen = (reader.load(kept).name, reader.load(doomed).name)
        expect(seen == ("kept", "doomed"), "a batch that raised leaves replaced and removed "
               "records as they were", ("kept", "doomed"), seen)
        for id_ in created:
            with raises_one_of(f"load({id_!r}) saved in a batch that raised", API.LoadError):
                reader.load(id_)
        for obj in (parent, child):
            expect(not hasattr(obj, "persistent_id"), "objects saved in a batch that raised "
                   "lose the IDs they were given", "no persistent_id",
                   short(getattr(obj, "persistent_id", None)))

    @clause(13)
    def test_ids_of_a_batch_that_raised_are_never_handed_out_again(
            self, kit: StoreHarness) -> None:
        store = kit.store
        lost: list[str] = []
        failing_batch(store, lambda: lost.extend(store.save(Record()) for _ in range(5)))
        later = [store.save(Record()) for _ in range(20)]
        later += [kit.fresh().save(Record()) for _ in range(20)]
        reused = sorted(set(lost) & set(later))
        expect(not reused, "the IDs handed out in a batch that raised are never handed out "
               "again", f"none of {lost}", f"reused: {reused}")
