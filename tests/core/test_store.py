"""The engine every reference store shares (`RecordStore`), clause by clause, on `MemoryStore` and
`FilesystemStore` alike.  Where persistence is the point, what one instance saved is read back
through a second, freshly opened instance.

Fork is in test_processes.py, the multi-process and crash clauses (2, 9, 10) in tests/faults/;
what only one backend does, in test_memory.py and test_filesystem.py.
"""

from __future__ import annotations

import collections
import dataclasses
import gc
import pickle
import threading
from typing import Any

import pytest

from gc3store import (
    DEFAULT_PROTOCOL,
    Id,
    LoadError,
    Persistable,
    RecordStore,
    SaveError,
    Store,
    StoreError,
)
from gc3store.store import _CACHE_SWEEP_MINIMUM


class Task(Persistable):
    def __init__(self, name: str = "task", **attributes: Any) -> None:
        super().__init__()
        self.name = name
        self.__dict__.update(attributes)


class Plain:
    """Not `Persistable`, but it can carry an ID."""

    def __init__(self, value: Any) -> None:
        self.value = value


class Slotted:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Slotted) and self.value == other.value

    __hash__ = None  # type: ignore[assignment]


class SlottedWithId:
    __slots__ = ("persistent_id", "value")

    def __init__(self, value: Any) -> None:
        self.value = value


@dataclasses.dataclass(frozen=True)
class Frozen:
    value: int


Pair = collections.namedtuple("Pair", "left right")


class NoFlag(Persistable):
    def __init__(self) -> None:  # no super().__init__(), so no `changed` flag
        self.name = "no flag"


class Unpicklable:
    def __reduce__(self) -> Any:
        raise TypeError("this object refuses to be pickled")


class Interrupting:
    def __reduce__(self) -> Any:
        raise KeyboardInterrupt


def state(obj: Any) -> dict[str, Any]:
    return {key: value for key, value in vars(obj).items()
            if key not in ("persistent_id", "_id", "changed")}


class TestClause1Interface:
    """Clause 1: the abstract `Store` and its defaults."""

    class Minimal(Store):
        def save(self, obj: Any) -> str:
            return "Minimal.1"

        def load(self, id_: str) -> Any:
            return None

        def replace(self, id_: str, obj: Any) -> None:
            pass

        def remove(self, id_: str) -> None:
            pass

    def test_store_is_abstract(self) -> None:
        with pytest.raises(TypeError):
            Store()  # type: ignore[abstract]
        with pytest.raises(TypeError):
            RecordStore("x")  # type: ignore[abstract]

    def test_the_defaults_of_a_minimal_store(self) -> None:
        store = self.Minimal()
        assert store.url is None
        assert self.Minimal("x://y").url == "x://y"
        assert repr(self.Minimal("x://y")) == "Minimal('x://y')"
        with pytest.raises(NotImplementedError, match="Minimal"):
            store.list()
        assert (store.invalidate_cache(), store.pre_fork(), store.post_fork()) == (None,) * 3

    def test_a_reference_store_is_a_store_with_a_url(self, store: Any) -> None:
        assert isinstance(store, Store)
        assert store.url.startswith(("memory://", "file://"))
        assert repr(store) == f"{type(store).__name__}({store.url!r})"

    def test_every_method_can_be_called_in_any_order(self, store: Any) -> None:
        for call in (store.invalidate_cache, store.post_fork, store.pre_fork, store.list,
                     store.pre_fork, store.pre_fork, store.post_fork, store.post_fork):
            call()
        id_ = store.save(Task())
        store.pre_fork()
        assert store.load(id_).name == "task"

    @pytest.mark.parametrize("protocol", range(2, pickle.HIGHEST_PROTOCOL + 1))
    def test_the_pickle_protocol_is_honoured(self, backend: Any, protocol: int) -> None:
        store = backend.open(protocol=protocol)
        assert store.protocol == protocol
        task = Task(f"protocol {protocol}", child=Task("child"))
        task.me = task
        id_ = store.save(task)
        assert backend.read_raw(id_)[5] == protocol
        loaded = backend.open().load(id_)
        assert (loaded.name, loaded.child.name) == (task.name, "child")
        assert loaded.me is loaded

    def test_the_default_protocol_is_pickles(self, store: Any) -> None:
        assert store.protocol == DEFAULT_PROTOCOL == pickle.DEFAULT_PROTOCOL

    @pytest.mark.parametrize("protocol", [0, 1, pickle.HIGHEST_PROTOCOL + 1, "4", 4.0, None,
                                          True])
    def test_a_protocol_that_is_not_2_to_highest_is_refused(self, backend: Any,
                                                            protocol: Any) -> None:
        with pytest.raises(ValueError, match="protocol"):
            backend.open(protocol=protocol)

    def test_an_unknown_keyword_is_a_type_error_naming_it(self, backend: Any) -> None:
        with pytest.raises(TypeError, match="no_such_option"):
            backend.open(no_such_option=1)


class TestClause2Ids:
    """Clause 2 within one process: every ID is new, also after remove and across instances."""

    def test_ids_are_ids_numbered_in_order_within_one_instance(self, store: Any) -> None:
        ids = [store.save(Task()) for _ in range(5)]
        assert all(type(id_) is Id and id_.prefix == "Task" for id_ in ids)
        assert ids == sorted(ids)
        assert len(set(ids)) == 5

    def test_the_prefix_is_the_class_name(self, store: Any) -> None:
        assert store.save(Plain(1)).prefix == "Plain"
        assert store.save({}).prefix == "dict"

    def test_a_removed_id_is_never_reused(self, backend: Any) -> None:
        store = backend.open()
        removed = [store.save(Task()) for _ in range(3)]
        for id_ in removed:
            store.remove(id_)
        later = [store.save(Task()) for _ in range(3)] + [backend.open().save(Task())
                                                           for _ in range(3)]
        assert not set(removed) & set(later)

    def test_instances_on_one_storage_never_share_an_id(self, backend: Any) -> None:
        stores = [backend.open() for _ in range(3)]
        ids = [store.save(Task()) for _ in range(70) for store in stores]
        assert len(set(ids)) == len(ids)
        assert backend.raw_ids() == set(ids)

    def test_saving_from_several_threads_gives_distinct_ids(self, backend: Any) -> None:
        store = backend.open(durable=False)
        saved: list[tuple[str, str]] = []
        start = threading.Barrier(8)

        def save_some(thread: int) -> None:
            start.wait(timeout=30)
            for number in range(40):
                task = Task(f"{thread}-{number}")
                saved.append((store.save(task), task.name))

        threads = [threading.Thread(target=save_some, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads)
        assert len({id_ for id_, _ in saved}) == len(saved) == 320
        reader = backend.open()
        assert all(reader.load(id_).name == name for id_, name in saved)


class TestClause3Saving:
    """Clause 3: the saved object carries its ID; re-saving updates; ID-less objects are kept."""

    def test_a_saved_object_carries_its_id_under_both_names(self, store: Any) -> None:
        task = Task()
        id_ = store.save(task)
        assert task.persistent_id == task._id == id_
        assert type(task.persistent_id) is Id

    def test_resaving_updates_the_record_under_the_same_id(self, backend: Any) -> None:
        task = Task("version 1")
        id_ = backend.open().save(task)
        task.name = "version 2"
        assert backend.open().save(task) == id_
        assert backend.open().load(id_).name == "version 2"
        assert backend.raw_ids() == {id_}

    def test_an_object_loaded_by_one_instance_is_updated_by_another(self,
                                                                    backend: Any) -> None:
        id_ = backend.open().save(Task("version 1"))
        loaded = backend.open().load(id_)
        loaded.name = "version 2"
        writer = backend.open()
        writer.invalidate_cache()
        assert writer.save(loaded) == id_
        assert backend.open().load(id_).name == "version 2"

    def test_the_record_keeps_the_state_at_save_time(self, backend: Any) -> None:
        task = Task("as saved", items=[1])
        id_ = backend.open().save(task)
        task.name = "changed later"
        task.items.append(2)
        assert state(backend.open().load(id_)) == {"name": "as saved", "items": [1]}

    @pytest.mark.parametrize("value", [{"a": 1}, [1, 2], 42, (1, "two"), "text", Slotted(3),
                                       Frozen(4), Pair(1, 2), frozenset({5})],
                             ids=lambda value: type(value).__name__)
    def test_an_object_without_attributes_is_stored_under_a_new_id_each_time(
            self, backend: Any, value: Any) -> None:
        store = backend.open()
        first, second = store.save(value), store.save(value)
        assert first != second
        assert not hasattr(value, "persistent_id")
        assert backend.open().load(first) == value == backend.open().load(second)

    def test_a_slotted_object_with_a_persistent_id_slot_carries_its_id(self,
                                                                      backend: Any) -> None:
        obj = SlottedWithId(1)
        id_ = backend.open().save(obj)
        obj.value = 2
        assert backend.open().save(obj) == id_ == obj.persistent_id
        assert backend.open().load(id_).value == 2
        doomed = SlottedWithId(Unpicklable())
        with pytest.raises(SaveError):
            backend.open().save(doomed)
        assert not hasattr(doomed, "persistent_id")

    def test_an_object_carrying_a_malformed_id_gets_a_new_one(self, store: Any) -> None:
        plain = Plain(1)
        plain.persistent_id = "not an ID"
        id_ = store.save(plain)
        assert plain.persistent_id == id_ != "not an ID"

    def test_resaving_an_object_whose_record_was_removed_gives_it_a_new_id(
            self, backend: Any) -> None:
        task = Task("removed, then saved again")
        old = backend.open().save(task)
        backend.open().remove(old)
        new = backend.open().save(task)
        assert new != old
        assert task.persistent_id == task._id == new
        assert backend.open().load(new).name == "removed, then saved again"
        assert backend.raw_ids() == {new}

    def test_an_object_whose_record_another_instance_removed_loads_no_more_by_its_old_id(
            self, backend: Any) -> None:
        store = backend.open()
        task = Task("moved")
        old = store.save(task)
        backend.open().remove(old)
        new = store.save(task)
        assert store.load(new) is task
        with pytest.raises(LoadError):
            store.load(old)

    def test_resaving_a_self_referring_object_whose_record_was_removed(
            self, backend: Any) -> None:
        task = Task("me")
        task.me, task.mine = task, [task]
        old = backend.open().save(task)
        backend.open().remove(old)
        new = backend.open().save(task)
        loaded = backend.open().load(new)
        assert loaded.me is loaded
        assert loaded.mine[0] is loaded
        assert loaded.persistent_id == new


class TestClause4Loading:
    """Clause 4: load returns an equal object, the same one while alive; invalidate_cache
    re-reads."""

    def test_load_returns_an_equal_object_carrying_the_id(self, backend: Any) -> None:
        task = Task("loaded", payload={"bytes": b"\x00\xff", "list": list(range(10))})
        plain = Plain([1, "two"])
        ids = backend.open().save(task), backend.open().save(plain)
        reader = backend.open()
        for id_, original in zip(ids, (task, plain), strict=True):
            loaded = reader.load(id_)
            assert type(loaded) is type(original)
            assert state(loaded) == state(original)
            assert loaded.persistent_id == loaded._id == id_
            assert type(loaded.persistent_id) is Id
        assert reader.load(ids[0]) == task

    def test_a_plain_string_id_loads(self, backend: Any) -> None:
        id_ = backend.open().save(Task())
        assert backend.open().load(str(id_)).persistent_id == id_

    def test_loading_again_returns_the_same_object_while_it_is_alive(self,
                                                                     backend: Any) -> None:
        id_ = backend.open().save(Task())
        reader = backend.open()
        assert reader.load(id_) is reader.load(id_)

    def test_a_load_right_after_save_returns_the_saved_object(self, store: Any) -> None:
        task = Task()
        assert store.load(store.save(task)) is task

    def test_the_cache_does_not_keep_objects_alive(self, backend: Any) -> None:
        id_ = backend.open().save(Task("first"))
        reader = backend.open()
        reader.load(id_)
        gc.collect()
        backend.open().replace(id_, Task("second"))
        assert reader.load(id_).name == "second"

    def test_an_object_that_cannot_be_weakly_referenced_loads_anew(self, backend: Any) -> None:
        id_ = backend.open().save({"a": [1]})
        reader = backend.open()
        first, second = reader.load(id_), reader.load(id_)
        assert first == second == {"a": [1]}
        assert first is not second

    @pytest.mark.parametrize("backend", ["memory"], indirect=True)  # the engine's; fast in memory
    def test_the_cache_forgets_dead_objects_and_keeps_live_ones(self, store: Any) -> None:
        kept = [Task(f"kept-{number}") for number in range(100)]
        kept_ids = [store.save(task) for task in kept]
        for number in range(5 * _CACHE_SWEEP_MINIMUM):
            store.load(store.save(Task(f"gone-{number}")))  # each dies at once
        assert len(store._cache) < 2 * (len(kept) + _CACHE_SWEEP_MINIMUM)
        assert all(store.load(id_) is task for id_, task in zip(kept_ids, kept, strict=True))

    def test_invalidate_cache_makes_load_read_the_storage(self, backend: Any) -> None:
        id_ = backend.open().save(Task("before"))
        reader = backend.open()
        before = reader.load(id_)
        backend.open().replace(id_, Task("after"))
        assert reader.load(id_) is before
        reader.invalidate_cache()
        assert reader.load(id_).name == "after"
        assert before.name == "before"

    @pytest.mark.parametrize("id_", ["Task.987654321", "Other.1"])
    def test_an_unknown_id_is_a_load_error_naming_it_and_the_store(self, store: Any,
                                                                   id_: str) -> None:
        with pytest.raises(LoadError, match=rf"'{id_}'") as raised:
            store.load(id_)
        assert store.url in str(raised.value)
        assert isinstance(raised.value, LookupError)

    def test_a_missing_referenced_record_is_a_load_error(self, backend: Any) -> None:
        parent = Task("parent", child=Task("child"))
        id_ = backend.open().save(parent)
        backend.open().remove(parent.child.persistent_id)
        with pytest.raises(LoadError, match=parent.child.persistent_id):
            backend.open().load(id_)

    def test_a_record_that_cannot_be_unpickled_is_a_load_error(self, backend: Any) -> None:
        id_ = backend.open().save(Task())
        good = backend.read_raw(id_)
        backend.write_raw(id_, good.replace(b"Task", b"Tusk"))
        with pytest.raises(LoadError, match=rf"'{id_}'"):
            backend.open().load(id_)


class TestClause5Replacing:
    """Clause 5: replace overwrites an existing record only, and stores a copy."""

    def test_replace_stores_a_copy_under_the_id(self, backend: Any) -> None:
        id_ = backend.open().save(Task("old"))
        new = Task("new")
        backend.open().replace(id_, new)
        assert new.persistent_id == new._id == id_
        new.name = "changed after replace"
        assert backend.open().load(id_).name == "new"
        assert backend.raw_ids() == {id_}

    def test_after_replace_the_store_loads_the_new_version(self, store: Any) -> None:
        id_ = store.save(Task("old"))
        old = store.load(id_)
        store.replace(id_, Task("new"))
        assert store.load(id_).name == "new"
        assert old.name == "old"

    def test_replace_with_an_object_without_attributes(self, backend: Any) -> None:
        id_ = backend.open().save(Task())
        backend.open().replace(id_, {"replaced": True})
        assert backend.open().load(id_) == {"replaced": True}

    def test_an_object_replacing_another_id_no_longer_loads_as_its_old_one(
            self, store: Any) -> None:
        first, second = store.save(Task("first")), store.save(Task("second"))
        loaded = store.load(first)
        store.replace(second, loaded)
        assert loaded.persistent_id == second
        again = store.load(first)
        assert again is not loaded
        assert again.persistent_id == first

    @pytest.mark.parametrize("removed", [True, False], ids=["removed", "never-issued"])
    def test_replace_of_an_unknown_id_is_a_load_error_and_stores_nothing(
            self, backend: Any, removed: bool) -> None:
        store = backend.open()
        kept = Task("kept")
        kept_id = store.save(kept)
        id_ = store.save(Task()) if removed else "Task.987654321"
        if removed:
            store.remove(id_)
        kept.name, kept.changed = "changed but never saved", True
        replacement = Task("replacement", new_child=Task("new"), kept=kept)
        before = {name: backend.read_raw(name) for name in backend.raw_ids()}
        with pytest.raises(LoadError, match=rf"'{id_}'"):
            store.replace(id_, replacement)
        assert {name: backend.read_raw(name) for name in backend.raw_ids()} == before
        assert not hasattr(replacement, "persistent_id")
        assert not hasattr(replacement.new_child, "persistent_id")
        assert kept.changed is True
        assert kept.persistent_id == kept_id
        with pytest.raises(LoadError):
            backend.open().load(id_)


class TestClause6Removing:
    """Clause 6: a removed ID loads no more, from any instance; an unknown one cannot be
    removed."""

    def test_a_removed_id_does_not_load_even_while_its_object_is_alive(self,
                                                                       backend: Any) -> None:
        store = backend.open()
        id_ = store.save(Task("doomed"))
        alive = store.load(id_)
        store.remove(id_)
        with pytest.raises(LoadError):
            store.load(id_)
        with pytest.raises(LoadError):
            backend.open().load(id_)
        assert alive.name == "doomed"
        assert alive.persistent_id == id_
        assert id_ not in backend.raw_ids()

    def test_removing_an_unknown_id_is_a_load_error(self, store: Any) -> None:
        id_ = store.save(Task())
        store.remove(id_)
        for unknown in (id_, "Task.987654321"):
            with pytest.raises(LoadError, match=rf"'{unknown}'"):
                store.remove(unknown)


class TestClause7Listing:
    """Clause 7: list returns the IDs of all live objects, once each, as values load takes."""

    def test_list_holds_exactly_the_live_ids(self, backend: Any) -> None:
        store = backend.open()
        ids = [store.save(Task(str(n))) for n in range(6)]
        store.remove(ids[1])
        store.remove(ids[4])
        task = store.load(ids[0])
        store.save(task)
        store.replace(ids[2], Task("replaced"))
        listed = backend.open().list()
        assert sorted(listed) == sorted(set(ids) - {ids[1], ids[4]})
        assert all(type(id_) is Id for id_ in listed)
        reader = backend.open()
        assert [reader.load(id_).persistent_id for id_ in listed] == listed

    def test_an_empty_store_lists_nothing(self, store: Any) -> None:
        assert store.list() == []

    def test_list_takes_no_filters(self, store: Any) -> None:
        with pytest.raises(TypeError, match="state"):
            store.list(state="RUNNING")


class TestClause8References:
    """Clause 8: referenced `Persistable` objects become records of their own."""

    def test_a_referenced_persistable_is_saved_as_its_own_record(self, backend: Any) -> None:
        child = Task("child")
        parent_id = backend.open().save(Task("parent", child=child))
        assert child.persistent_id == child._id
        assert child.changed is False
        assert backend.raw_ids() == {parent_id, child.persistent_id}
        assert backend.open().load(child.persistent_id).name == "child"
        loaded = backend.open().load(parent_id)
        assert (loaded.child.name, loaded.child.persistent_id) == ("child", child.persistent_id)

    def test_a_persistable_inside_a_plain_container_is_a_reference(self, backend: Any) -> None:
        child = Task("child")
        id_ = backend.open().save({"tasks": [child]})
        reader = backend.open()
        assert reader.load(id_)["tasks"][0] is reader.load(child.persistent_id)

    def test_shared_references_load_as_one_object(self, backend: Any) -> None:
        shared = Task("shared")
        first = backend.open().save(Task("first", child=shared, again=shared))
        second = backend.open().save(Task("second", child=shared))
        reader = backend.open()
        one, two = reader.load(first), reader.load(second)
        assert one.child is one.again is two.child
        assert len(backend.raw_ids()) == 3

    def test_a_cycle_loads_as_the_same_cycle(self, backend: Any) -> None:
        first, second = Task("first"), Task("second")
        first.peer, second.peer = second, first
        first.me = first
        id_ = backend.open().save(first)
        loaded = backend.open().load(id_)
        assert loaded.peer.peer is loaded
        assert loaded.me is loaded
        assert loaded.peer.name == "second"

    def test_an_unchanged_reference_is_not_saved_again(self, backend: Any) -> None:
        child = Task("as first saved")
        backend.open().save(child)
        child.name = "changed without the flag"
        parent_id = backend.open().save(Task("parent", child=child))
        assert backend.open().load(parent_id).child.name == "as first saved"
        child.changed = True
        backend.open().save(Task("other parent", child=child))
        assert backend.open().load(child.persistent_id).name == "changed without the flag"
        assert child.changed is False

    def test_a_reference_without_the_changed_flag_is_always_saved(self, backend: Any) -> None:
        child = NoFlag()
        backend.open().save(Task(child=child))
        child.name = "changed"
        backend.open().save(Task(child=child))
        assert backend.open().load(child.persistent_id).name == "changed"
        assert not hasattr(child, "changed")

    def test_a_save_clears_the_changed_flag_of_everything_it_saved(self, store: Any) -> None:
        child, parent = Task("child"), Task("parent")
        parent.child = child
        store.save(parent)
        assert (parent.changed, child.changed) == (False, False)


class TestClause10FailedSaves:
    """Clause 10 within one process: a failed save or replace changes nothing."""

    def test_a_failed_save_raises_save_error_with_the_cause_and_leaves_no_id(
            self, backend: Any) -> None:
        child, grandchild = Task("child"), Task("grandchild")
        child.grandchild = grandchild
        doomed = Task("doomed", child=child, poison=Unpicklable())
        with pytest.raises(SaveError, match="refuses to be pickled") as raised:
            backend.open().save(doomed)
        assert isinstance(raised.value, StoreError)
        assert isinstance(raised.value.__cause__, TypeError)
        for obj in (doomed, child, grandchild):
            assert not hasattr(obj, "persistent_id")
            assert not hasattr(obj, "_id")
            assert obj.changed is True
        assert backend.raw_ids() == set()
        assert backend.open().list() == []

    def test_a_failed_resave_keeps_the_earlier_version_and_the_flags(self,
                                                                     backend: Any) -> None:
        child = Task("child v1")
        task = Task("v1", child=child)
        id_ = backend.open().save(task)
        child_before = backend.read_raw(child.persistent_id)
        task.name, task.changed, task.poison = "v2", True, Unpicklable()
        with pytest.raises(SaveError):
            backend.open().save(task)
        assert backend.open().load(id_).name == "v1"
        assert backend.read_raw(child.persistent_id) == child_before
        assert task.persistent_id == task._id == id_
        assert task.changed is True
        assert child.changed is False

    def test_a_failed_replace_leaves_the_object_loaded_by_its_own_id(self,
                                                                     store: Any) -> None:
        first, second = store.save(Task("first")), store.save(Task("second"))
        loaded = store.load(first)
        loaded.poison = Unpicklable()
        with pytest.raises(SaveError):
            store.replace(second, loaded)
        assert loaded.persistent_id == first
        assert store.load(first) is loaded

    def test_a_failed_replace_keeps_the_earlier_version(self, backend: Any) -> None:
        id_ = backend.open().save(Task("v1"))
        replacement = Task("v2", poison=Unpicklable(), child=Task("new child"))
        with pytest.raises(SaveError):
            backend.open().replace(id_, replacement)
        assert backend.open().load(id_).name == "v1"
        assert backend.raw_ids() == {id_}
        assert not hasattr(replacement, "persistent_id")
        assert not hasattr(replacement.child, "persistent_id")

    def test_a_failure_saving_a_reference_is_not_wrapped_twice(self, store: Any) -> None:
        parent = Task("parent", child=Task("child", poison=Unpicklable()))
        with pytest.raises(SaveError) as raised:
            store.save(parent)
        assert isinstance(raised.value.__cause__, TypeError)

    def test_an_interrupt_while_pickling_undoes_the_save_and_goes_on(self,
                                                                     backend: Any) -> None:
        doomed = Task("doomed", child=Task("child"), stop=Interrupting())
        with pytest.raises(KeyboardInterrupt):
            backend.open().save(doomed)
        assert not hasattr(doomed, "persistent_id")
        assert not hasattr(doomed.child, "persistent_id")
        assert backend.raw_ids() == set()

    def test_a_failed_save_of_an_object_without_attributes_leaves_nothing(self,
                                                                          backend: Any) -> None:
        with pytest.raises(SaveError):
            backend.open().save([Task("child"), Unpicklable()])
        assert backend.raw_ids() == set()

    def test_an_attribute_the_object_had_before_is_restored(self, store: Any) -> None:
        class WithDefault(Plain):
            persistent_id = "class attribute, no ID"

        plain = WithDefault(Unpicklable())
        plain._id = "mine"
        with pytest.raises(SaveError):
            store.save(plain)
        assert plain._id == "mine"
        assert "persistent_id" not in vars(plain)
        assert plain.persistent_id == "class attribute, no ID"


class TestClause11HostileIds:
    """Clause 11: a malformed ID is refused before the storage is touched."""

    HOSTILE = (None, 42, b"Task.1", 1.5, "", "../x", "/etc/passwd", "a/b", "Task.1\0",
               "x" * 5000, "Task.1/../../x", "..", ".", "Task.1.OLD", ".gc3store-sequence")

    @pytest.mark.parametrize("hostile", HOSTILE, ids=repr)
    def test_a_hostile_id_is_a_load_error_or_type_error_and_touches_nothing(
            self, backend: Any, hostile: Any, tmp_path: Any) -> None:
        outside = tmp_path / "x"
        outside.write_bytes(b"outside")
        store = backend.open()
        kept = store.save(Task("kept"))
        before = {name: backend.read_raw(name) for name in backend.raw_ids()}
        victim = Task("victim")
        for call in (lambda: store.load(hostile), lambda: store.remove(hostile),
                     lambda: store.replace(hostile, victim)):
            with pytest.raises((LoadError, TypeError)):
                call()
        assert not hasattr(victim, "persistent_id")
        assert {name: backend.read_raw(name) for name in backend.raw_ids()} == before
        assert outside.read_bytes() == b"outside"
        assert backend.open().load(kept).name == "kept"

    def test_a_damaged_record_is_a_load_error_naming_the_id(self, backend: Any) -> None:
        id_ = backend.open().save(Task("damaged"))
        data = bytearray(backend.read_raw(id_))
        data[len(data) // 2] ^= 0xFF
        backend.write_raw(id_, bytes(data))
        with pytest.raises(LoadError, match=rf"'{id_}'"):
            backend.open().load(id_)
