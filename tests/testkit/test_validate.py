"""`validate(store)`: the proxy catches a broken store in the act, and passes a correct one."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from broken_stores import ZOO

from gc3store import FilesystemStore, LoadError, MemoryStore, Persistable
from gc3store_testkit import ContractFailure, validate


class Task(Persistable):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class Record:
    def __init__(self, value: object) -> None:
        self.value = value


def save_one(store: Any) -> None:
    store.save(Record("saved"))


def save_a_task(store: Any) -> None:
    store.save(Task("saved"))


def save_after_remove(store: Any) -> None:
    store.remove(store.save(Record("removed")))
    store.save(Record("saved after"))


def load_from_storage(store: Any) -> None:
    id_ = store.save(Task("saved"))
    store.invalidate_cache()
    store.load(id_)


def load_twice(store: Any) -> object:
    id_ = store.save(Task("saved"))
    store.invalidate_cache()
    first = store.load(id_)
    return first, store.load(id_)


def replace_removed(store: Any) -> None:
    id_ = store.save(Record("removed"))
    store.remove(id_)
    store.replace(id_, Record("replacement"))


def load_removed_while_alive(store: Any) -> object:
    id_ = store.save(Task("removed"))
    alive = store.load(id_)
    store.remove(id_)
    return alive, store.load(id_)


def load_after_replace_while_alive(store: Any) -> object:
    id_ = store.save(Task("original"))
    alive = store.load(id_)
    store.replace(id_, Task("replacement"))
    return alive, store.load(id_)


def remove_twice(store: Any) -> None:
    id_ = store.save(Record("removed"))
    store.remove(id_)
    store.remove(id_)


def list_after_save(store: Any) -> None:
    store.save(Record("listed"))
    store.list()


def list_after_remove(store: Any) -> None:
    store.remove(store.save(Record("removed")))
    store.list()


MISUSES: list[tuple[str, Callable[[Any], object]]] = [
    ("lookalike-ids", save_one),
    ("reuses-removed-ids", save_after_remove),
    ("no-underscore-id", save_a_task),
    ("unstamped-plain-objects", save_one),
    ("load-without-id", load_from_storage),
    ("no-identity-cache", load_twice),
    ("replace-creates", replace_removed),
    ("replace-keeps-cache", load_after_replace_while_alive),
    ("remove-keeps-cache", load_removed_while_alive),
    ("remove-unknown-quietly", remove_twice),
    ("lists-paths", list_after_save),
    ("lists-removed", list_after_remove),
]


@pytest.mark.parametrize(("scheme", "use"), [pytest.param(scheme, use, id=scheme)
                                             for scheme, use in MISUSES])
def test_validate_catches_a_broken_store_in_the_act(
        scheme: str, use: Callable[[Any], object], tmp_path: Path) -> None:
    broken = ZOO[scheme]
    with pytest.raises(ContractFailure) as failure:
        use(validate(broken(tmp_path)))
    assert failure.value.clause == broken.clause
    assert str(failure.value).count("\n  expected: ") == 1


@pytest.mark.parametrize("use", [use for _, use in MISUSES], ids=[scheme for scheme, _ in MISUSES])
def test_validate_finds_nothing_wrong_with_the_correct_store_doing_the_same(
        use: Callable[[Any], object], tmp_path: Path) -> None:
    with contextlib.suppress(LoadError):
        use(validate(FilesystemStore(tmp_path)))


@pytest.fixture(params=["memory", "file"])
def correct_store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "memory":
        return MemoryStore(f"memory://validate-{tmp_path.name}")
    return FilesystemStore(tmp_path)


def test_validate_passes_a_correct_store_in_normal_use(correct_store: Any) -> None:
    store = validate(correct_store)
    child = Task("child")
    parent_id = store.save(Task("parent"))
    record_id = store.save(Record({"child": child}))
    value_ids = [store.save(value) for value in ({"plain": "dict"}, [1, 2], 42, "text")]
    parent = store.load(parent_id)
    assert store.load(parent_id) is parent
    parent.name = "parent, renamed"
    assert store.save(parent) == parent_id
    store.replace(record_id, Record("replacement"))
    store.invalidate_cache()
    assert store.load(record_id).value == "replacement"
    assert store.load(child.persistent_id).name == "child"
    for id_ in value_ids:
        store.remove(id_)
    with pytest.raises(LoadError):
        store.load(value_ids[0])
    with pytest.raises(LoadError):
        store.remove(value_ids[0])
    assert {parent_id, record_id} <= set(store.list())
    assert not set(value_ids) & set(store.list())
    assert repr(store).startswith("validate(")
