"""Clause 5: `replace` overwrites an existing record, and only an existing one.

GC3Pie's stores silently create a record for an unknown ID, which can give
one ID to two objects; the contract requires `LoadError` instead.
"""

from __future__ import annotations

from gc3store_testkit.contract.base import ContractTests, clause
from gc3store_testkit.contract.checks import (
    expect_gone,
    list_if_supported,
    load_or_none,
    tokens_of_new_ids,
)
from gc3store_testkit.harness import (
    Checks,
    StoreHarness,
    expect,
    plain,
    plain_set,
    raises_one_of,
    short,
)
from gc3store_testkit.samples import API, Record, Task


class TestReplacing(ContractTests):
    @clause(5)
    def test_replace_stores_a_copy_under_the_id(self, kit: StoreHarness) -> None:
        id_ = kit.store.save(Task("original"))
        replacement = Task("replacement")
        result = kit.store.replace(id_, replacement)
        expect(result is None, "replace() returns None", None, short(result))
        for attribute in ("persistent_id", "_id"):
            seen = getattr(replacement, attribute, "<not set>")
            expect(seen == id_, f"replace(id, obj) sets obj.{attribute} to id", repr(id_),
                   short(seen))
        replacement.name = "changed after replace"
        seen = kit.fresh().load(id_).name
        expect(seen == "replacement", "the record holds a copy of the object as it was replaced",
               "'replacement'", repr(seen))

    @clause(5)
    def test_load_after_replace_returns_the_new_version(self, kit: StoreHarness) -> None:
        id_ = kit.store.save(Task("original"))
        alive = kit.store.load(id_)
        kit.store.replace(id_, Task("replacement"))
        seen = kit.store.load(id_).name
        expect(seen == "replacement", "after replace(), the same instance loads the new version "
               "even while the old object is alive", "'replacement'", repr(seen))
        expect(alive.name == "original", "replace() leaves the old object alone", "'original'",
               repr(alive.name))

    @clause(5)
    def test_replace_of_an_unknown_id_raises_and_stores_nothing(self, kit: StoreHarness) -> None:
        id_ = kit.store.save(Record())
        kit.store.remove(id_)
        expect_gone(kit, id_)
        # a store that lists what it removed is clause 7's to report
        listed_before = "list" not in kit.unsupported and plain(id_) in plain_set(
            kit.fresh().list())
        checks = Checks()
        try:
            kit.store.replace(id_, Record(value="must not be stored"))
        except API.LoadError:
            pass
        except Exception as exc:
            checks.expect(False, f"replace({id_!r}, obj) of a removed ID", "LoadError raised",
                          f"{type(exc).__name__}: {exc}")
        else:
            checks.expect(False, f"replace({id_!r}, obj) of a removed ID", "LoadError raised",
                          "no exception")
        reader = kit.fresh()
        stored = load_or_none(reader, id_)
        checks.expect(stored is None, f"replace({id_!r}, obj) of a removed ID stores nothing",
                      f"load({id_!r}) raises LoadError", f"it loads {short(stored)}: the replace "
                      f"created the record")
        if stored is None and "list" not in kit.unsupported and not listed_before:
            listed = plain(id_) in plain_set(reader.list())
            checks.expect(not listed, f"replace({id_!r}, obj) of a removed ID stores nothing",
                          f"{id_!r} not listed", "listed: the replace created a record, one "
                          "that does not load")
        checks.report()

    @clause(5)
    def test_a_refused_replace_stores_none_of_the_objects_it_refers_to(
            self, kit: StoreHarness) -> None:
        id_ = kit.store.save(Record())
        kit.store.remove(id_)
        expect_gone(kit, id_)
        changed = Task("saved, then changed")
        changed_id = kit.store.save(changed)
        saved_token, changed.token, changed.changed = changed.token, "changed since", True
        before = list_if_supported(kit)
        child = Task("new object inside a refused replace")
        with raises_one_of(f"replace({id_!r}, obj) of a removed ID, obj referring to a new "
                           f"and a changed Persistable object", API.LoadError):
            kit.store.replace(id_, Record(child=child, changed_child=changed))
        expect(not hasattr(child, "persistent_id"), "a refused replace leaves no ID on a new "
               "object inside it", "no persistent_id attribute",
               short(getattr(child, "persistent_id", None)))
        stored = kit.fresh().load(changed_id).token
        expect(stored == saved_token, "a refused replace stores no change of an object inside "
               "it", repr(saved_token), repr(stored))
        if before is not None:
            left = {new: token for new, token in tokens_of_new_ids(kit, before).items()
                    if token == child.token}
            expect(not left, "a refused replace stores nothing, not even the new objects it "
                   "refers to", "no record of the new object", f"stored: {left}")

    @clause(5)
    def test_replace_with_an_object_loaded_from_another_id_leaves_that_id_its_own(
            self, kit: StoreHarness) -> None:
        first, second = kit.store.save(Task("first")), kit.store.save(Task("second"))
        moved = kit.store.load(first)
        kit.store.replace(second, moved)
        expect(getattr(moved, "persistent_id", None) == second, "replace(id, obj) of an object "
               "loaded from another ID gives it the new ID", repr(second),
               short(getattr(moved, "persistent_id", None)))
        again = kit.store.load(first)
        seen = getattr(again, "name", None)
        # what persistent_id a load sets is clause 4's to check
        expect(again is not moved and seen == "first", f"after replace({second!r}, obj) of the "
               f"object loaded from {first!r}, load({first!r}) returns {first!r}'s record, not "
               f"the object that now stands for {second!r}", "an object named 'first'",
               f"{'the moved object' if again is moved else 'an object'} named {seen!r}")
