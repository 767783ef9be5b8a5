"""Clause 1: a store has the interface of ``gc3libs.persistence.Store``.

The contract leaves open what `url` holds (a string or a URL object) and
whether `list` is implemented (declare the ``list`` capability unsupported
otherwise).  A declaration that names a capability outside the kit's
vocabulary fails this clause, in every test that reads it.
"""

from __future__ import annotations

from gc3store_testkit.contract.base import ContractTests, clause
from gc3store_testkit.harness import StoreHarness, expect, short
from gc3store_testkit.samples import API, Record

METHODS = ("save", "load", "replace", "remove", "list", "invalidate_cache", "pre_fork",
           "post_fork")


class TestInterface(ContractTests):
    @clause(1)
    def test_store_has_every_method_of_the_interface(self, kit: StoreHarness) -> None:
        store = kit.store.wrapped
        missing = [name for name in METHODS if not callable(getattr(store, name, None))]
        expect(not missing, "a store has the methods of the Store interface",
               list(METHODS), f"missing or not callable: {missing}")
        expect(hasattr(store, "url"), "a store has a url attribute", "store.url",
               "no url attribute")

    @clause(1)
    def test_store_is_a_store_of_the_api(self, kit: StoreHarness) -> None:
        if API.Store is None:
            return
        store = kit.store.wrapped
        expect(isinstance(store, API.Store), f"a store is an instance of {API.module_name}.Store",
               API.Store, type(store).__mro__)

    @clause(1)
    def test_cache_and_fork_hooks_can_be_called_any_time(self, kit: StoreHarness) -> None:
        store = kit.store
        for name in ("invalidate_cache", "pre_fork", "post_fork", "invalidate_cache"):
            result = getattr(store, name)()
            expect(result is None, f"{name}() returns None", None, result)
        saved = Record(after="hooks")  # one that carries its ID: objects that cannot are clause 3's
        loaded = store.load(store.save(saved))
        expect(loaded == saved, "the store works after the hooks ran", short(saved),
               short(loaded))

    @clause(1)
    def test_declared_capabilities_are_known(self, kit: StoreHarness) -> None:
        kit.unsupported  # noqa: B018 (the declaration is checked when read)
