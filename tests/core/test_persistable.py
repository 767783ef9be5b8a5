"""`Persistable` on its own (clause 8): the `changed` flag, the ``persistent_id`` keyword, string
form, equality by ID, and no hash.  How stores treat `Persistable` references is in
test_store.py.
"""

from __future__ import annotations

import pytest

from gc3store import Persistable


class Named:
    def __init__(self, name: str) -> None:
        self.name = name


class NamedTask(Persistable, Named):
    """A `Persistable` mixed into a class whose constructor takes keywords."""


class Other:
    """Not a `Persistable`, but carrying an ID."""

    def __init__(self, persistent_id: str) -> None:
        self.persistent_id = persistent_id


def test_a_new_object_is_changed_and_has_no_id() -> None:
    task = Persistable()
    assert task.changed is True
    assert not hasattr(task, "persistent_id")


def test_the_persistent_id_keyword_sets_the_id_and_the_rest_reaches_the_next_class() -> None:
    task = NamedTask(name="align", persistent_id="NamedTask.4")
    assert (task.persistent_id, task.name, task.changed) == ("NamedTask.4", "align", True)


def test_arguments_nobody_takes_are_a_type_error() -> None:
    with pytest.raises(TypeError):
        Persistable(unexpected=1)


def test_str_is_the_id_once_there_is_one() -> None:
    task = Persistable()
    assert str(task).startswith("<gc3store.persistable.Persistable object at ")
    task.persistent_id = "Persistable.3"
    assert str(task) == "Persistable.3"


def test_objects_with_the_same_id_are_equal() -> None:
    first, second = Persistable(persistent_id="Task.1"), Persistable(persistent_id="Task.1")
    assert first == second
    assert (first != second) is False
    assert first == Other("Task.1")


def test_objects_with_different_or_no_ids_differ() -> None:
    unsaved, also_unsaved = Persistable(), Persistable()
    assert unsaved == unsaved
    assert (unsaved != unsaved) is False
    assert unsaved != also_unsaved
    assert unsaved != Persistable(persistent_id="Task.1")
    assert Persistable(persistent_id="Task.1") != unsaved
    assert Persistable(persistent_id="Task.1") != Persistable(persistent_id="Task.2")
    assert Persistable(persistent_id="Task.1") != "Task.1"


def test_a_persistable_is_not_hashable() -> None:
    with pytest.raises(TypeError):
        hash(Persistable())
