"""Clause 6: after `remove` the ID is gone, from the storage and from the cache."""

from __future__ import annotations

from gc3store_testkit.contract.base import ContractTests, clause
from gc3store_testkit.contract.checks import NEVER_ISSUED_ID
from gc3store_testkit.harness import StoreHarness, expect, raises_one_of
from gc3store_testkit.samples import API, Task


class TestRemoving(ContractTests):
    @clause(6)
    def test_load_after_remove_raises_even_while_the_object_is_alive(
            self, kit: StoreHarness) -> None:
        task = Task("doomed")
        id_ = kit.store.save(task)
        alive = kit.store.load(id_)
        kit.store.remove(id_)
        with raises_one_of(f"load({id_!r}) after remove, by the instance that removed it",
                           API.LoadError):
            kit.store.load(id_)
        with raises_one_of(f"load({id_!r}) after remove, by a new instance", API.LoadError):
            kit.fresh().load(id_)
        expect(alive.name == "doomed", "remove() leaves loaded objects alone", "'doomed'",
               repr(alive.name))

    @clause(6)
    def test_remove_of_an_unknown_id_raises_load_error(self, kit: StoreHarness) -> None:
        id_ = kit.store.save(Task())
        kit.store.remove(id_)
        with raises_one_of(f"remove({id_!r}) a second time", API.LoadError):
            kit.store.remove(id_)
        with raises_one_of(f"remove({NEVER_ISSUED_ID!r}), never issued", API.LoadError):
            kit.store.remove(NEVER_ISSUED_ID)

    @clause(6)
    def test_a_remove_through_another_instance_is_seen_after_invalidate_cache(
            self, kit: StoreHarness) -> None:
        id_ = kit.store.save(Task("removed elsewhere"))
        reader = kit.fresh()
        alive = reader.load(id_)
        kit.open().remove(id_)
        with raises_one_of(f"remove({id_!r}) after another instance removed it, its object "
                           f"still in this instance's cache", API.LoadError):
            reader.remove(id_)
        reader.invalidate_cache()
        with raises_one_of(f"load({id_!r}) after another instance removed it and the cache "
                           f"was invalidated", API.LoadError):
            reader.load(id_)
        expect(alive.name == "removed elsewhere", "remove() leaves loaded objects alone",
               "'removed elsewhere'", repr(alive.name))
