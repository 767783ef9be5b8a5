"""The record format (clause 11, and clause 8's two-part records): the header, the CRC that catches
every damaged byte before anything is unpickled, GC3Pie's bare pickles, and the two-part pickling
of `Persistable` objects that lets cycles load.
"""

from __future__ import annotations

import abc
import collections
import io
import os
import pickle
import re
import zlib
from collections.abc import Iterator
from typing import Any

import pytest

from gc3store import Id, LoadError, MemoryStore, Persistable
from gc3store.records import (
    FLAG_TWO_PART,
    FORMAT_VERSION,
    HEADER,
    MAGIC,
    CorruptRecord,
    decode,
    encode,
)

PROTOCOLS = range(2, pickle.HIGHEST_PROTOCOL + 1)
MASKS = (0x01, 0x80, 0xFF)


class Task(Persistable):
    def __init__(self, name: str = "task") -> None:
        super().__init__()
        self.name = name


class Slotted(Persistable):
    __slots__ = ("slot",)


class WithSetstate(Persistable):
    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, restored_by="__setstate__")


class EmptyState(Persistable):
    def __getstate__(self) -> dict[str, Any]:
        return {}


class Stateless(Persistable):
    def __reduce__(self) -> Any:
        return (Stateless, ())


def set_with_setter(obj: Any, state: dict[str, Any]) -> None:
    obj.__dict__.update(state, restored_by="setter")


class WithSetter(Persistable):
    def __reduce__(self) -> Any:
        return (WithSetter, (), dict(self.__dict__), None, None, set_with_setter)


class Appendable(Persistable):
    """Takes list items one at a time: it has `append` but no `extend`."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[Any] = []

    def append(self, item: Any) -> None:
        self.items.append(item)

    def __reduce__(self) -> Any:
        return (Appendable, (), None, iter(self.items), None)


class TaskList(Persistable, list):  # type: ignore[misc]
    pass


class TaskDict(Persistable, dict):  # type: ignore[misc]
    pass


class CountedList(Persistable, list):  # type: ignore[misc]
    """Its state setter looks at its items, so the order they are restored in shows."""

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, items_when_restored=len(self))


class KeywordOnly(Persistable):
    """Created by ``__new__`` with arguments, some of them keywords."""

    def __new__(cls, number: int = 0, *, label: str = "") -> KeywordOnly:
        obj = super().__new__(cls)
        obj.created_with = (number, label)
        return obj

    def __init__(self, number: int, *, label: str) -> None:
        super().__init__()
        self.number, self.label = number, label

    def __getnewargs_ex__(self) -> tuple[tuple[int], dict[str, str]]:
        return (self.number,), {"label": self.label}


class Singleton(Persistable):
    def __reduce__(self) -> str:
        return "SINGLETON"


SINGLETON = Singleton()


def no_references(obj: Persistable) -> str:
    raise AssertionError(f"unexpected reference to {obj!r}")


def no_resolving(pid: str) -> Any:
    raise AssertionError(f"unexpected reference {pid!r}")


def round_trip(obj: Any, protocol: int = pickle.DEFAULT_PROTOCOL) -> Any:
    return decode(encode(obj, protocol, no_references), no_resolving, lambda _: None)


def flipped(data: bytes) -> Iterator[tuple[int, int, bytes]]:
    """`data` with one byte changed: every position, several ways."""
    for position in range(len(data)):
        for mask in MASKS:
            yield position, mask, data[:position] + bytes((data[position] ^ mask,)) + \
                data[position + 1:]


def with_header(payload: bytes, version: int = FORMAT_VERSION, flags: int = 0,
                protocol: int = 4) -> bytes:
    """A record with a correct CRC around `payload`, whatever its header says."""
    crc = zlib.crc32(payload, zlib.crc32(bytes((version, flags, protocol))))
    return HEADER.pack(MAGIC, version, flags, protocol, crc) + payload


class TestHeader:
    @pytest.mark.parametrize("protocol", PROTOCOLS)
    def test_the_header_holds_magic_version_flags_protocol_and_crc(self,
                                                                   protocol: int) -> None:
        data = encode({"a": 1}, protocol, no_references)
        magic, version, flags, stored_protocol, crc = HEADER.unpack_from(data)
        assert (magic, version, flags, stored_protocol) == (b"G3S", 1, 0, protocol)
        assert HEADER.size == 10
        assert crc == zlib.crc32(data[HEADER.size:], zlib.crc32(data[3:6]))
        assert pickle.loads(data[HEADER.size:]) == {"a": 1}

    def test_a_persistable_record_is_flagged_two_part(self) -> None:
        data = encode(Task(), 4, no_references)
        assert data[4] == FLAG_TWO_PART

    @pytest.mark.parametrize("protocol", PROTOCOLS)
    def test_records_round_trip_in_every_protocol(self, protocol: int) -> None:
        value = {"list": [1, 2.5, "three", b"four", None], "nested": {"set": {1, 2}}}
        assert round_trip(value, protocol) == value
        task = round_trip(Task("t"), protocol)
        assert (type(task), task.name) == (Task, "t")


class TestDamage:
    @pytest.mark.parametrize("obj", [{"a": [1, 2]}, Task("x")], ids=["plain", "two-part"])
    def test_every_changed_byte_is_detected(self, obj: Any) -> None:
        def noticed(damaged: bytes) -> bool:
            try:
                decode(damaged, no_resolving, lambda _: None)
            except CorruptRecord:
                return True
            return False

        unnoticed = [(position, mask) for position, mask, damaged in
                     flipped(encode(obj, 4, no_references)) if not noticed(damaged)]
        assert unnoticed == []

    def test_every_truncation_is_detected(self) -> None:
        data = encode({"a": [1, 2]}, 4, no_references)
        for length in range(len(data)):
            with pytest.raises(CorruptRecord):
                decode(data[:length], no_resolving, lambda _: None)

    def test_a_short_record_names_its_length(self) -> None:
        with pytest.raises(CorruptRecord, match="5 bytes long"):
            decode(b"G3S\x01\x00", no_resolving, lambda _: None)

    def test_an_unknown_version_is_refused(self) -> None:
        with pytest.raises(CorruptRecord, match="version 2"):
            decode(with_header(pickle.dumps(1), version=2), no_resolving, lambda _: None)

    def test_unknown_flags_are_refused(self) -> None:
        with pytest.raises(CorruptRecord, match="flags 0x04"):
            decode(with_header(pickle.dumps(1), flags=0x04), no_resolving, lambda _: None)

    @pytest.mark.parametrize("data", [b"", b"not a pickle", pickle.dumps(1, 0),
                                      pickle.dumps(1, 1)])
    def test_data_that_is_no_record_and_no_gc3pie_pickle_is_refused(self, data: bytes) -> None:
        with pytest.raises(CorruptRecord, match="neither"):
            decode(data, no_resolving, lambda _: None)

    def test_a_changed_byte_in_a_stored_record_is_a_load_error_at_every_position(
            self, backend: Any) -> None:
        """Clause 11: every damaged byte raises LoadError naming the ID, never a wrong object."""
        id_ = backend.open().save({"n": 1})

        def outcome(damaged: bytes) -> str:
            backend.write_raw(id_, damaged)
            try:
                return f"loaded {backend.open().load(id_)!r}"
            except LoadError as exc:
                return "noticed" if f"'{id_}'" in str(exc) else f"unnamed: {exc}"

        outcomes = {(position, mask): outcome(damaged)
                    for position, mask, damaged in flipped(backend.read_raw(id_))}
        assert {where: seen for where, seen in outcomes.items() if seen != "noticed"} == {}

    def test_an_empty_stored_record_is_a_load_error(self, backend: Any) -> None:
        id_ = backend.open().save(Task())
        backend.write_raw(id_, b"")
        with pytest.raises(LoadError, match=rf"'{id_}'"):
            backend.open().load(id_)


class GC3PiePickler(pickle.Pickler):
    """Pickles as GC3Pie 2.x does: the root inline, other `Persistable` objects as their ID."""

    def __init__(self, stream: io.BytesIO, protocol: int, root: Any) -> None:
        super().__init__(stream, protocol)
        self.root = root

    def persistent_id(self, obj: Any) -> str | None:  # type: ignore[override]
        if isinstance(obj, Persistable) and obj is not self.root:
            return str(obj.persistent_id)
        return None


def gc3pie_record(obj: Any, protocol: int) -> bytes:
    stream = io.BytesIO()
    GC3PiePickler(stream, protocol, obj).dump(obj)
    return stream.getvalue()


class TestGC3PieRecords:
    @pytest.mark.parametrize("protocol", PROTOCOLS)
    def test_a_bare_pickle_loads(self, protocol: int) -> None:
        assert decode(pickle.dumps({"job": [1, 2]}, protocol), no_resolving,
                      lambda _: None) == {"job": [1, 2]}

    @pytest.mark.parametrize("protocol", PROTOCOLS)
    def test_a_gc3pie_record_with_references_loads_from_a_store(self, backend: Any,
                                                                 protocol: int) -> None:
        child = Task("child")
        child.persistent_id = "Task.2"
        parent = Task("parent")
        parent.persistent_id, parent.children = "Task.1", [child, child]
        backend.write_raw("Task.1", gc3pie_record(parent, protocol))
        backend.write_raw("Task.2", gc3pie_record(child, protocol))
        loaded = backend.open().load("Task.1")
        assert (loaded.name, loaded.persistent_id, loaded._id) == ("parent", "Task.1", "Task.1")
        assert loaded.children[0] is loaded.children[1]
        assert (loaded.children[0].name, loaded.children[0].persistent_id) == ("child", "Task.2")


class TestTwoPartRecords:
    """Clause 8: a `Persistable` is rebuilt in two steps, created before its state is set."""

    def test_the_object_exists_before_its_state_is_set(self) -> None:
        seen: list[dict[str, Any]] = []
        data = encode(Task("named"), 4, no_references)
        loaded = decode(data, no_resolving, lambda created: seen.append(dict(vars(created))))
        assert seen == [{}]
        assert loaded.name == "named"

    def test_a_reference_to_the_object_itself_is_a_reference(self) -> None:
        task = Task("self")
        task.me = task
        data = encode(task, 4, lambda obj: "Task.1" if obj is task else no_references(obj))
        created: list[Any] = []
        loaded = decode(data, lambda pid: created[0] if pid == "Task.1" else no_resolving(pid),
                        created.append)
        assert loaded.me is loaded

    def test_slots_are_restored(self) -> None:
        obj = Slotted()
        obj.slot, obj.extra = "in a slot", "in the dict"
        loaded = round_trip(obj)
        assert (loaded.slot, loaded.extra) == ("in a slot", "in the dict")

    def test_setstate_is_used(self) -> None:
        loaded = round_trip(WithSetstate())
        assert (loaded.restored_by, loaded.changed) == ("__setstate__", True)

    def test_a_state_setter_is_used(self) -> None:
        assert round_trip(WithSetter()).restored_by == "setter"

    def test_an_empty_or_missing_state_leaves_the_new_object_as_created(self) -> None:
        assert vars(round_trip(EmptyState())) == {}
        assert type(round_trip(Stateless())) is Stateless

    def test_list_and_dict_items_are_restored(self) -> None:
        tasks = TaskList([1, 2, 3])
        table = TaskDict(a=1, b=[2])
        appendable = Appendable()
        appendable.items.extend("xy")
        loaded = round_trip(tasks)
        assert (type(loaded), list(loaded)) == (TaskList, [1, 2, 3])
        assert dict(round_trip(table)) == {"a": 1, "b": [2]}
        assert round_trip(appendable).items == ["x", "y"]

    def test_items_are_restored_before_the_state_as_pickle_does(self) -> None:
        counted = CountedList([1, 2, 3])
        assert round_trip(counted).items_when_restored == 3
        assert pickle.loads(pickle.dumps(counted)).items_when_restored == 3

    @pytest.mark.parametrize("protocol", PROTOCOLS)
    def test_new_arguments_with_keywords_are_passed_again(self, protocol: int) -> None:
        loaded = round_trip(KeywordOnly(7, label="seven"), protocol)
        assert (loaded.created_with, loaded.number, loaded.label) == ((7, "seven"), 7, "seven")

    def test_an_object_pickled_by_name_is_one_part(self) -> None:
        data = encode(SINGLETON, 4, no_references)
        assert data[4] == 0
        assert round_trip(SINGLETON) is SINGLETON

    def test_a_reference_that_is_no_id_is_refused(self) -> None:
        stream = io.BytesIO()

        class NumberReferences(pickle.Pickler):
            def persistent_id(self, obj: Any) -> Any:  # type: ignore[override]
                return 42 if obj == "referenced" else None

        NumberReferences(stream, 4).dump(["referenced"])
        with pytest.raises(pickle.UnpicklingError, match="not an object ID"):
            decode(stream.getvalue(), no_resolving, lambda _: None)

    def test_a_persistent_id_in_a_record_of_ours_is_refused(self) -> None:
        # only GC3Pie's records (format 0) refer to objects by persistent IDs
        stream = io.BytesIO()

        class IdReferences(pickle.Pickler):
            def persistent_id(self, obj: Any) -> Any:  # type: ignore[override]
                return "Task.1" if obj == "referenced" else None

        IdReferences(stream, 4).dump(["referenced"])
        with pytest.raises(pickle.UnpicklingError, match="persistent"):
            decode(with_header(stream.getvalue()), lambda id_: id_, lambda _: None)


class Plain:
    """An object with a ``__dict__`` that is not `Persistable`: a one-part record."""


class TestOwnIdAttributes:
    """The ID attributes naming the record's own ID are left out: every load sets them again."""

    @pytest.mark.parametrize("obj", [Task("two parts"), Plain()], ids=["Persistable", "plain"])
    def test_the_state_leaves_out_the_attributes_naming_the_records_id(self, obj: Any) -> None:
        obj.persistent_id = obj._id = "Task.7"
        data = encode(obj, 4, no_references, bound_to="Task.7")
        assert b"persistent_id" not in data
        assert b"_id" not in data
        assert not hasattr(decode(data, no_resolving, lambda _: None), "persistent_id")
        assert obj.persistent_id == obj._id == "Task.7"  # the object saved keeps them

    def test_an_attribute_naming_another_id_is_kept(self) -> None:
        obj = Plain()
        obj.persistent_id, obj._id = "Task.7", "Other.3"
        loaded = decode(encode(obj, 4, no_references, bound_to="Task.7"), no_resolving,
                        lambda _: None)
        assert (hasattr(loaded, "persistent_id"), loaded._id) == (False, "Other.3")

    def test_an_object_restoring_its_own_state_keeps_them(self) -> None:
        obj = WithSetstate()
        obj.persistent_id = "WithSetstate.2"
        loaded = decode(encode(obj, 4, no_references, bound_to="WithSetstate.2"), no_resolving,
                        lambda _: None)
        assert (loaded.persistent_id, loaded.restored_by) == ("WithSetstate.2", "__setstate__")

    def test_a_store_sets_them_on_every_load(self) -> None:
        store = MemoryStore(f"memory://own-id-{id(self)}")
        task_id = store.save(Task("saved"))
        loaded = MemoryStore(store.url).load(task_id)
        assert (loaded.persistent_id, loaded._id, type(loaded.persistent_id)) == (
            task_id, task_id, Id)

    @pytest.mark.parametrize("obj", [collections.OrderedDict, abc.ABC, os.path.join, len,
                                     re.compile("x+"), int | str, complex(1, 2)],
                             ids=["class", "class with a metaclass", "function",
                                  "built-in function", "pattern (copyreg)",
                                  "union type (copyreg)", "complex (copyreg)"])
    def test_what_pickle_pickles_by_name_or_through_copyreg_is_stored_as_pickle_does(
            self, obj: Any) -> None:
        store = MemoryStore(f"memory://by-name-{id(self)}")
        assert MemoryStore(store.url).load(store.save(obj)) == obj
