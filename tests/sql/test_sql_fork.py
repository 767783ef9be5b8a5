"""A SqlStore across ``os.fork()``, with and without `pre_fork`/`post_fork`.

Clauses: parent and child both save after the fork, getting distinct IDs,
and each loads what the other saved once it has invalidated its cache; a
child that forgot `post_fork` is detected by its PID and opens its own
connection (one), leaving the parent's alone (the parent goes on with the
connection it had, without reconnecting).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from gc3store.sql import SqlStore


def count_connections(store: SqlStore) -> list[int]:
    """A one-item list counting the connections `store`'s engine opens from now on."""
    opened = [0]

    def on_connect(*_: object) -> None:
        opened[0] += 1
    sa.event.listen(store.engine, "connect", on_connect)
    return opened


@pytest.mark.parametrize("with_hooks", [True, False], ids=["pre_fork", "pid_detection"])
def test_parent_and_child_each_see_what_the_other_saved(
        open_store: Callable[..., SqlStore], processes: Any, with_hooks: bool) -> None:
    store = open_store()
    before_fork = store.save({"by": "parent", "when": "before"})
    if with_hooks:
        store.pre_fork()
    to_child, from_parent = multiprocessing.Pipe()
    parent_connections = count_connections(store)

    def child() -> None:
        if with_hooks:
            store.post_fork()
        mine = store.save({"by": "child"})
        from_parent.send(mine)
        theirs = from_parent.recv() if from_parent.poll(60) else None
        store.invalidate_cache()
        from_parent.send([store.load(before_fork), store.load(theirs), parent_connections[0]])

    forked = processes.fork(child)
    if with_hooks:
        store.post_fork()
    childs_id = processes.receive(to_child, "ID saved by the child")
    parents_id = store.save({"by": "parent", "when": "after"})
    to_child.send(parents_id)
    childs_loads = processes.receive(to_child, "the child's loads")
    assert forked.wait() == 0
    assert len({before_fork, childs_id, parents_id}) == 3
    assert childs_loads == [{"by": "parent", "when": "before"}, {"by": "parent", "when": "after"},
                            1]  # the child opened a connection of its own
    store.invalidate_cache()
    assert store.load(childs_id) == {"by": "child"}
    assert parent_connections[0] == (1 if with_hooks else 0)
    assert sorted(open_store().list()) == sorted([before_fork, childs_id, parents_id])
