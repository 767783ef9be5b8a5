"""Object IDs (clause 2): the ``Prefix.N`` form, ordering, pickling, and the factories that make
them, including a user's ``idfactory`` given to a store.

Left open by the contract and not checked here: whether numbers have gaps.
"""

from __future__ import annotations

import copy
import itertools
import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gc3store import Id, IdFactory, JobIdFactory, LoadError, Persistable, SaveError

VALID = ["Task.0", "Task.1", "job.123", "_private.5", "T.999999999999999999", "Tâche.3",
         "名前.7", "x" * 200 + ".1", "Task_2.4"]
MALFORMED = ["", "Task", "Task.", ".1", "Task.01", "Task.00", "1Task.1", "Task.-1", "Task.+1",
             "Task.1.OLD", "Task. 1", " Task.1", "Task.1\n", "Task.1 ", "a/b.1", "../x",
             "Task.1\0", "x" * 201 + ".1", "T.1" + "0" * 18, "Task.\u0661", "Ta-sk.1", "Task.1e3",
             "Task.0x1", "/etc/passwd", "Task/.1"]


class Task(Persistable):
    def __init__(self, name: str = "task") -> None:
        super().__init__()
        self.name = name


class TestIdForm:
    @pytest.mark.parametrize("text", VALID)
    def test_a_well_formed_id_parses_into_its_prefix_and_number(self, text: str) -> None:
        id_ = Id.parse(text)
        prefix, _, number = text.rpartition(".")
        assert (id_, id_.prefix, id_.seqno) == (text, prefix, int(number))
        assert type(id_) is Id

    @pytest.mark.parametrize("text", MALFORMED)
    def test_a_malformed_id_is_refused_with_the_accepted_form(self, text: str) -> None:
        with pytest.raises(ValueError, match=r"PREFIX\.N"):
            Id.parse(text)

    @pytest.mark.parametrize("value", [None, 42, 1.5, b"Task.1", ["Task.1"]])
    def test_a_value_that_is_not_a_string_is_a_type_error(self, value: Any) -> None:
        with pytest.raises(TypeError, match=type(value).__name__):
            Id.parse(value)

    def test_parsing_an_id_returns_it_unchanged(self) -> None:
        id_ = Id("Task", 3)
        assert Id.parse(id_) is id_

    @pytest.mark.parametrize(("prefix", "seqno"), [
        ("Task", -1), ("Task", "1"), ("Task", 1.0), ("1x", 1), ("", 1), ("a.b", 1),
        ("Task", 10 ** 18), ("Task", True)])
    def test_an_id_cannot_be_made_from_a_bad_prefix_or_number(self, prefix: Any,
                                                              seqno: Any) -> None:
        with pytest.raises(ValueError, match="cannot make an ID"):
            Id(prefix, seqno)


class TestIdAsString:
    def test_an_id_equals_and_hashes_as_its_text(self) -> None:
        id_ = Id("Task", 3)
        assert isinstance(id_, str)
        assert id_ == "Task.3"
        assert hash(id_) == hash("Task.3")
        assert {"Task.3": "found"}[id_] == "found"
        assert {id_: "found"}["Task.3"] == "found"
        assert id_ != "Task.4"

    def test_ids_with_one_prefix_sort_by_number(self) -> None:
        nine, ten = Id.parse("Task.9"), Id.parse("Task.10")
        assert (nine < ten, nine <= ten, ten > nine, ten >= nine) == (True,) * 4
        assert (ten < nine, ten <= nine, nine > ten, nine >= ten) == (False,) * 4
        assert (nine <= Id("Task", 9), nine >= Id("Task", 9)) == (True, True)
        assert sorted([Id("Task", n) for n in (10, 9, 100, 1)]) == [
            "Task.1", "Task.9", "Task.10", "Task.100"]

    def test_ids_with_different_prefixes_sort_by_prefix_first(self) -> None:
        assert Id("Alpha", 100) < Id("Beta", 2) < Id("Beta", 10)

    def test_an_id_compares_with_a_plain_string_as_a_string(self) -> None:
        nine = Id("Task", 9)
        assert (nine < "Task.10", nine <= "Task.10") == ("Task.9" < "Task.10",) * 2
        assert (nine > "Task.10", nine >= "Task.10") == ("Task.9" > "Task.10",) * 2

    def test_an_id_does_not_compare_with_a_number(self) -> None:
        with pytest.raises(TypeError):
            _ = Id("Task", 9) < 10  # type: ignore[operator]

    @pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
    def test_an_id_survives_pickling(self, protocol: int) -> None:
        id_ = Id("Tâche", 12)
        copied = pickle.loads(pickle.dumps(id_, protocol))
        assert (type(copied), copied, copied.prefix, copied.seqno) == (Id, id_, "Tâche", 12)

    def test_an_id_survives_copying(self) -> None:
        id_ = Id("Task", 12)
        for copied in (copy.copy(id_), copy.deepcopy(id_)):
            assert (type(copied), copied.prefix, copied.seqno) == (Id, "Task", 12)

    @given(prefix=st.from_regex(r"[^\W\d]\w{0,30}", fullmatch=True),
           numbers=st.lists(st.integers(0, 10 ** 18 - 1), min_size=1, max_size=20))
    def test_parse_inverts_str_and_order_follows_the_number(self, prefix: str,
                                                            numbers: list[int]) -> None:
        ids = [Id(prefix, number) for number in numbers]
        assert [Id.parse(str(id_)) for id_ in ids] == ids
        assert [id_.seqno for id_ in sorted(ids)] == sorted(numbers)


class TestIdFactory:
    def test_an_unbound_factory_cannot_make_ids(self) -> None:
        with pytest.raises(TypeError, match="next_id_fn"):
            IdFactory().new(Task())

    def test_the_prefix_is_the_class_name_unless_the_factory_has_one(self) -> None:
        numbers = itertools.count(5)
        assert IdFactory(next_id_fn=numbers.__next__).new(Task()) == Id("Task", 5)
        assert IdFactory("run", numbers.__next__).new(Task()) == Id("run", 6)
        assert IdFactory(next_id_fn=numbers.__next__).new({}) == "dict.7"

    def test_the_id_class_makes_the_id(self) -> None:
        factory = IdFactory(next_id_fn=lambda: 1, id_class=lambda prefix, n: f"{prefix}.{n}")
        assert type(factory.new(Task())) is str

    def test_job_id_factory_uses_the_prefix_job(self) -> None:
        assert JobIdFactory(lambda: 3).new(Task()) == "job.3"
        assert JobIdFactory().prefix == "job"

    def test_bound_to_gives_an_unbound_factory_a_sequence_and_leaves_it_unbound(self) -> None:
        factory = IdFactory("run")
        bound = factory.bound_to(lambda: 8)
        assert bound is not factory
        assert factory.next_id_fn is None
        assert bound.new(Task()) == "run.8"

    def test_bound_to_keeps_a_factory_own_sequence(self) -> None:
        factory = IdFactory(next_id_fn=lambda: 1)
        assert factory.bound_to(lambda: 99) is factory


class FixedIds:
    """A user idfactory that is no `IdFactory`: hands out the IDs it was given, in order."""

    def __init__(self, *ids: Any) -> None:
        self.ids = list(ids)
        self.asked: list[Any] = []

    def new(self, obj: Any) -> Any:
        self.asked.append(obj)
        return self.ids.pop(0)


class TestIdFactoryOfAStore:
    """Clauses 2 and 10: a store honours a user's idfactory, and refuses the IDs it must not
    use, changing nothing."""

    def test_an_unbound_factory_draws_from_the_storage_sequence(self, backend: Any) -> None:
        first, second = backend.open(idfactory=JobIdFactory()), backend.open(
            idfactory=JobIdFactory())
        ids = [store.save(Task()) for store in (first, second, first, second)]
        assert all(id_.prefix == "job" for id_ in ids)
        assert len(set(ids)) == 4

    def test_a_factory_with_its_own_sequence_is_honoured(self, backend: Any) -> None:
        numbers = itertools.count(1000)
        store = backend.open(idfactory=IdFactory("custom", numbers.__next__))
        assert [store.save(Task()) for _ in range(2)] == ["custom.1000", "custom.1001"]

    def test_any_object_with_a_new_method_is_honoured(self, backend: Any) -> None:
        factory = FixedIds("Mine.77")
        task = Task("mine")
        assert backend.open(idfactory=factory).save(task) == "Mine.77"
        assert factory.asked == [task]
        assert backend.open().load("Mine.77").name == "mine"

    @pytest.mark.parametrize("bad", ["not an id", "Task.01", 42, None])
    def test_a_malformed_id_from_the_factory_is_a_save_error(self, backend: Any,
                                                             bad: Any) -> None:
        task = Task()
        with pytest.raises(SaveError, match="idfactory") as raised:
            backend.open(idfactory=FixedIds(bad)).save(task)
        assert isinstance(raised.value.__cause__, (TypeError, ValueError))
        assert not hasattr(task, "persistent_id")
        assert backend.raw_ids() == set()

    def test_a_factory_that_fails_is_a_save_error(self, backend: Any) -> None:
        task = Task()
        with pytest.raises(SaveError) as raised:
            backend.open(idfactory=FixedIds()).save(task)
        assert isinstance(raised.value.__cause__, IndexError)
        assert not hasattr(task, "persistent_id")

    def test_a_taken_id_is_a_save_error_and_overwrites_nothing(self, backend: Any) -> None:
        taken = backend.open().save(Task("first owner"))
        before = backend.read_raw(taken)
        intruder = Task("intruder")
        with pytest.raises(SaveError, match="already taken"):
            backend.open(idfactory=FixedIds(taken)).save(intruder)
        assert backend.read_raw(taken) == before
        assert backend.open().load(taken).name == "first owner"
        assert not hasattr(intruder, "persistent_id")

    def test_a_taken_id_for_a_nested_object_overwrites_nothing(self, backend: Any) -> None:
        taken = backend.open().save(Task("first owner"))
        parent = Task("parent")
        parent.child = Task("child")
        with pytest.raises(SaveError, match="already taken"):
            backend.open(idfactory=FixedIds("Task.900", taken)).save(parent)
        assert backend.raw_ids() == {taken}
        assert backend.open().load(taken).name == "first owner"
        assert not hasattr(parent, "persistent_id")
        assert not hasattr(parent.child, "persistent_id")

    def test_a_load_of_a_malformed_id_names_the_store(self, store: Any) -> None:
        with pytest.raises(LoadError, match="malformed") as raised:
            store.load("Task.01")
        assert store.url in str(raised.value)
