"""Clause 7: `list` returns the IDs of all live objects, as values `load` accepts.

Like Go's ``fstest``, the kit checks that the list holds at least what the
test saved and none of what it removed, never that it holds nothing else:
the storage may be shared with other tests and other programs.  What it
holds besides must still be IDs of live objects: each listed ID loads (an
ID another test removes meanwhile is left alone, once it is no longer
listed).
"""

from __future__ import annotations

from gc3store_testkit.contract.base import ContractTests, clause
from gc3store_testkit.contract.checks import expect_gone, listed_but_not_loading
from gc3store_testkit.harness import StoreHarness, expect, plain, plain_set
from gc3store_testkit.samples import Record, Task


class TestListing(ContractTests):
    @clause(7, requires="list")
    def test_list_holds_every_saved_id(self, kit: StoreHarness) -> None:
        ids = {plain(kit.store.save(Record(number=number))) for number in range(10)}
        listed = kit.fresh().list()
        missing = sorted(ids - plain_set(listed))
        expect(not missing, "list() holds the ID of every saved object", sorted(ids),
               f"missing: {missing}")
        strange = [value for value in listed if not isinstance(value, str)]
        expect(not strange, "list() returns str IDs", "only str", f"{strange[:5]}")

    @clause(7, requires="list")
    def test_list_drops_removed_ids(self, kit: StoreHarness) -> None:
        ids = [plain(kit.store.save(Record())) for _ in range(4)]
        for removed in (ids[1], ids[3]):
            kit.store.remove(removed)
            expect_gone(kit, removed)
        listed = plain_set(kit.fresh().list())
        expect(ids[1] not in listed and ids[3] not in listed, "list() drops removed IDs",
               f"neither {ids[1]!r} nor {ids[3]!r}", "at least one of them listed")
        expect(ids[0] in listed and ids[2] in listed, "list() keeps the IDs not removed",
               f"{ids[0]!r} and {ids[2]!r}", "at least one of them missing")

    @clause(7, requires="list")
    def test_listed_ids_load(self, kit: StoreHarness) -> None:
        tasks = {plain(kit.store.save(task)): task.token for task in (Task("a"), Task("b"))}
        reader = kit.fresh()
        ours = [listed for listed in reader.list() if plain(listed) in tasks]
        expect(len(ours) == len(tasks), "list() holds the saved IDs", sorted(tasks), ours)
        for listed in ours:
            token = reader.load(listed).token
            expect(token == tasks[plain(listed)], "an ID exactly as list() returned it loads its "
                   "object", tasks[listed], token)

    @clause(7, requires="list")
    def test_each_id_is_listed_once_after_resave_and_replace(self, kit: StoreHarness) -> None:
        task = Task("listed once")
        id_ = kit.store.save(task)
        kit.store.save(task)
        kit.store.replace(id_, Task("replacement"))
        count = kit.fresh().list().count(id_)
        expect(count == 1, "an ID saved, re-saved and replaced is listed once", 1, count)

    @clause(7, requires="list")
    def test_every_listed_id_loads(self, kit: StoreHarness) -> None:
        ids = [kit.store.save(Task("listed")), kit.store.save(Record())]
        kit.store.remove(kit.store.save(Record()))
        reader = kit.fresh()
        listed = reader.list()
        expect(all(id_ in listed for id_ in ids), "list() holds the saved IDs", ids,
               f"{len(listed)} IDs without them")
        failing = listed_but_not_loading(reader, listed)
        expect(not failing, "every ID list() returns is the ID of a live object, which loads",
               "every listed ID loads", "listed, and not loading (a name of the storage's own, "
               "or a record left unreadable by whatever wrote it): " + "; ".join(failing[:5]))

    @clause(7, requires="list")
    def test_list_sees_the_writes_of_another_instance(self, kit: StoreHarness) -> None:
        lister, writer = kit.store, kit.open()
        lister.list()
        doomed = lister.save(Record())
        lister.list()
        new = writer.save(Record())
        writer.remove(doomed)
        listed = plain_set(lister.list())
        expect(plain(new) in listed, "list() holds an ID another instance saved since the last "
               "list()", repr(new), "not listed")
        expect(plain(doomed) not in listed, "list() drops an ID another instance removed since "
               "the last list()", f"not {doomed!r}", "still listed")
