"""Clause 9: a store survives ``pre_fork()``, ``os.fork()``, ``post_fork()`` in parent and child.

What must hold is kept apart from how the fork is provoked: the child is
forked by `multiprocessing` between the parent's `pre_fork` and
`post_fork`; every exchange between the two goes through pipes with a
timeout, so a backend that deadlocks after fork fails as a hang.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

from gc3store_testkit.children import ChildHung, streaming_child
from gc3store_testkit.contract.base import ContractTests, clause
from gc3store_testkit.contract.checks import repeated
from gc3store_testkit.harness import StoreHarness, expect
from gc3store_testkit.samples import Task

SAVES_EACH = 20
SAVES_BEFORE = 10
"""Saves before the fork: a store that reserves IDs in blocks then holds some it has not used."""


def forked_partner(store: Any, from_parent: Connection, before: tuple[str, str],
                   timeout: float) -> Iterator[Any]:
    """In the forked child: resume the store, save, then read what the parent saved."""
    store.post_fork()
    before_id, before_token = before
    loaded = store.load(before_id)
    expect(loaded.token == before_token, "the child loads what the parent saved before fork",
           before_token, loaded.token, clause=9)
    saved = []
    for number in range(SAVES_EACH):
        task = Task(f"child {number}")
        saved.append((store.save(task), task.token))
    yield saved
    if not from_parent.poll(timeout):
        raise ChildHung("the parent never sent its IDs")
    parents = from_parent.recv()
    store.invalidate_cache()
    wrong = [(id_, token) for id_, token in parents if store.load(id_).token != token]
    expect(not wrong, "after invalidate_cache() the child loads what the parent saved after fork",
           "every token matches", f"mismatched: {wrong[:5]}", clause=9)
    yield "done"


class TestFork(ContractTests):
    @clause(9, requires="shared_between_processes")
    def test_parent_and_child_keep_working_and_see_each_other(self, kit: StoreHarness) -> None:
        store = kit.store
        earlier = [Task(f"before fork {number}") for number in range(SAVES_BEFORE)]
        earlier_ids = [store.save(task) for task in earlier]
        before = (earlier_ids[-1], earlier[-1].token)
        from_parent, to_child = multiprocessing.Pipe(duplex=False)
        store.pre_fork()
        timeout = kit.options.timeout
        with streaming_child(forked_partner, (store, from_parent, before, timeout),
                             method="fork", timeout=timeout) as child:
            store.post_fork()
            parents = []
            for number in range(SAVES_EACH):
                task = Task(f"parent {number}")
                parents.append((store.save(task), task.token))
            childs = child.receive()
            kit.saved.update(id_ for id_, _ in childs)
            to_child.send(parents)
            expect(child.receive() == "done", "the child finishes", "done", "something else")
        ids = [id_ for id_, _ in parents + childs] + earlier_ids
        expect(not repeated(ids), "parent and child never hand out the same ID", "no ID twice",
               f"repeated: {repeated(ids)}")
        store.invalidate_cache()
        wrong = [(id_, token) for id_, token in childs if store.load(id_).token != token]
        expect(not wrong, "after invalidate_cache() the parent loads what the child saved",
               "every token matches", f"mismatched: {wrong[:5]}")
