"""What only `MemoryStore` does: ``memory://NAME`` URLs, records shared by name within one
process and never beyond it (it declares ``shared_between_processes`` unsupported).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from gc3store import IdFactory, MemoryStore, Persistable, make_store


class Task(Persistable):
    def __init__(self, name: str = "task") -> None:
        super().__init__()
        self.name = name


def unique_url() -> str:
    return f"memory://core-{uuid.uuid4().hex}"


def test_the_url_names_the_records_and_is_kept() -> None:
    url = unique_url()
    store = MemoryStore(url)
    assert (store.url, store.name) == (url, url[len("memory://"):])
    assert MemoryStore().url == "memory://"


@pytest.mark.parametrize("url", ["file:///tmp", "memory:/x", "", None, 42])
def test_a_url_that_is_not_memory_is_refused(url: Any) -> None:
    with pytest.raises(ValueError, match="memory://NAME"):
        MemoryStore(url)


def test_instances_with_one_name_share_records_and_names_are_apart() -> None:
    url = unique_url()
    id_ = MemoryStore(url).save(Task("shared"))
    assert MemoryStore(url).load(id_).name == "shared"
    assert make_store(url).load(id_).name == "shared"
    assert MemoryStore(unique_url()).list() == []


def test_the_gc3pie_keywords_are_accepted_and_those_that_apply_honoured() -> None:
    store = MemoryStore(unique_url(), IdFactory("job"), 3, durable=False, create=False,
                        table_name="jobs", extra_fields={}, directory="/nowhere")
    assert store.save(Task()).prefix == "job"
    assert store.protocol == 3


def test_it_declares_it_is_not_shared_between_processes() -> None:
    assert "shared_between_processes" in MemoryStore.unsupported_capabilities


def test_after_fork_each_process_goes_on_with_its_own_copy(
        in_child: Callable[..., Any]) -> None:
    store = MemoryStore(unique_url())
    before = store.save(Task("before fork"))

    def in_the_child() -> tuple[str, str, list[str]]:
        mine = store.save(Task("child"))
        return store.load(before).name, store.load(mine).name, sorted(store.list())

    seen_before, seen_mine, listed = in_child(in_the_child)
    assert (seen_before, seen_mine) == ("before fork", "child")
    assert len(listed) == 2
    assert store.list() == [before]
    assert store.load(store.save(Task("parent"))).name == "parent"
