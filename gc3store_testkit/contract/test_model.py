"""Clauses 3 to 7 together: the store and a plain dict, driven side by side by hypothesis.

A `RuleBasedStateMachine` saves, re-saves, replaces, removes, loads, lists,
invalidates the cache and re-opens the store, and after every step checks
that the store agrees with the model.  Each write is read back at once
through a new store instance, so that a disagreement names the clause of
the operation that went wrong rather than that of a later load.
"""

from __future__ import annotations

from typing import Any

import pytest

from gc3store_testkit.contract.base import ContractTests, clause
from gc3store_testkit.harness import StoreHarness, expect, plain_set, raises_one_of, short
from gc3store_testkit.samples import API, Record, Task, state_of


def expect_id(obj: Any, id_: Any, call: str, clause: int) -> None:
    """Check that `call` set obj.persistent_id to `id_`, before a later step trips over it."""
    seen = getattr(obj, "persistent_id", "<not set>")
    expect(seen == id_, f"after {call}, obj.persistent_id is the ID", repr(id_), short(seen),
           clause=clause)


def machine_for(kit: StoreHarness) -> Any:
    """A state machine class driving the storage of `kit` (hypothesis is imported here)."""
    from hypothesis import strategies as st
    from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

    payloads = st.one_of(st.integers(), st.text(max_size=30), st.binary(max_size=200),
                         st.lists(st.integers(), max_size=10),
                         st.dictionaries(st.text(max_size=5), st.integers(), max_size=5))

    class StoreMachine(RuleBasedStateMachine):
        live = Bundle("live")
        gone = Bundle("gone")

        def __init__(self) -> None:
            super().__init__()
            # a failure's report lists the calls of the failing example, not of every example
            kit.log.entries.clear()
            self.store = kit.open()
            self.model: dict[str, dict[str, Any]] = {}
            self.objects: dict[str, Any] = {}
            self.removed: set[str] = set()

        @rule(target=live, payload=payloads, persistable=st.booleans())
        def save_new(self, payload: Any, persistable: bool) -> Any:
            obj = Task("model", payload=payload) if persistable else Record(payload=payload)
            id_ = self.store.save(obj)
            expect(id_ not in self.model and id_ not in self.removed,
                   "save() of a new object returns an ID never handed out before",
                   "a new ID", repr(id_), clause=2)
            expect_id(obj, id_, "save()", clause=3)
            self.model[id_], self.objects[id_] = state_of(obj), obj
            self.check_stored(id_, "save()", clause=3)
            return id_

        @rule(id_=live, payload=payloads)
        def resave(self, id_: str, payload: Any) -> None:
            if id_ not in self.model:
                return
            obj = self.objects[id_]
            obj.payload = payload
            again = self.store.save(obj)
            expect(again == id_, "re-saving an object keeps its ID", repr(id_), repr(again),
                   clause=3)
            self.model[id_] = state_of(obj)
            self.check_stored(id_, "re-saving", clause=3)

        @rule(id_=live, payload=payloads)
        def replace(self, id_: str, payload: Any) -> None:
            if id_ not in self.model:
                return
            obj = Record(payload=payload)
            self.store.replace(id_, obj)
            expect_id(obj, id_, "replace(id, obj)", clause=5)
            self.model[id_], self.objects[id_] = state_of(obj), obj
            self.check_stored(id_, "replace(id, obj)", clause=5)
            seen = state_of(self.store.load(id_))
            expect(seen == self.model[id_], f"after replace({id_!r}, obj), the same store "
                   f"loads the new version", short(self.model[id_]), short(seen), clause=5)

        def check_stored(self, id_: str, call: str, clause: int) -> None:
            """Read `id_` back through a new store instance, right after writing it.

            A write that went wrong so fails its own clause, not that of a later load.
            """
            seen = state_of(kit.fresh().load(id_))
            expect(seen == self.model[id_], f"after {call}, a new store instance loads what "
                   f"was stored under {id_!r}", short(self.model[id_]), short(seen),
                   clause=clause)

        @rule(target=gone, id_=consumes(live))
        def remove(self, id_: str) -> str:
            if id_ in self.model:
                self.store.remove(id_)
                del self.model[id_], self.objects[id_]
                self.removed.add(id_)
                with raises_one_of(f"load({id_!r}) right after remove", API.LoadError,
                                   clause=6):
                    self.store.load(id_)
            return id_

        @rule(id_=gone)
        def removed_ids_stay_gone(self, id_: str) -> None:
            with raises_one_of(f"load({id_!r}) of a removed ID", API.LoadError, clause=6):
                self.store.load(id_)
            with raises_one_of(f"remove({id_!r}) of a removed ID", API.LoadError, clause=6):
                self.store.remove(id_)
            with raises_one_of(f"replace({id_!r}, obj) of a removed ID", API.LoadError,
                               clause=5):
                self.store.replace(id_, Record())

        @rule(id_=live)
        def load(self, id_: str) -> None:
            if id_ not in self.model:
                return
            seen = state_of(self.store.load(id_))
            expect(seen == self.model[id_], f"load({id_!r}) returns what was last stored",
                   short(self.model[id_]), short(seen), clause=4)

        @rule()
        def invalidate_cache(self) -> None:
            self.store.invalidate_cache()
            self.objects = {id_: self.store.load(id_) for id_ in self.model}

        @rule()
        def reopen(self) -> None:
            self.store = kit.fresh()
            self.objects = {id_: self.store.load(id_) for id_ in self.model}

        @invariant()
        def list_agrees(self) -> None:
            if "list" in kit.unsupported:
                return
            listed = plain_set(self.store.list())
            missing = plain_set(self.model) - listed
            kept = plain_set(self.removed) & listed
            expect(not missing and not kept, "list() holds every live ID and no removed one",
                   "all live IDs, no removed ID",
                   f"missing {sorted(missing)}, removed but listed {sorted(kept)}", clause=7)

    return StoreMachine


class TestModel(ContractTests):
    @clause(4)
    def test_store_agrees_with_a_dict_model(self, kit: StoreHarness) -> None:
        pytest.importorskip("hypothesis", reason="hypothesis is not installed, so the "
                            "model-based test of clauses 3 to 7 cannot run")
        from hypothesis import HealthCheck, Phase, settings
        from hypothesis.stateful import run_state_machine_as_test

        # No shrinking: against a broken store it can take minutes of real I/O, and an
        # example of at most 15 steps reads well unshrunk.  One bug is reported, so that
        # the failure names one clause.
        run_state_machine_as_test(machine_for(kit), settings=settings(
            max_examples=kit.options.examples, stateful_step_count=15, deadline=None,
            database=None, derandomize=False, print_blob=True, report_multiple_bugs=False,
            phases=(Phase.explicit, Phase.reuse, Phase.generate),
            suppress_health_check=list(HealthCheck)))
