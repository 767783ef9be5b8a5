"""``gc3store copy SRC DST``: every object is copied under the ID it has in SRC, so references
between objects stay intact (shared objects load as one, cycles as cycles); a copy run again
skips what is copied, so a killed copy resumes without duplicates; a summary ends every copy and
a progress counter goes to stderr when it is a terminal, nothing when it is not.

``memory://`` stores are not tested: each process has its own, so the command sees an empty one.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gc3store import LoadError

COPIES = [("file", "sqlite"), ("sqlite", "file"), ("file", "postgresql")]


def summary(copied: int, skipped: int, failed: int, src: str, dst: str) -> str:
    return (f"copied {copied}, skipped {skipped} (already copied), failed {failed}: "
            f"from {src} to {dst}")


def assert_same_graph(store: Any, graph: Any) -> None:
    """`store` holds `graph` under the same IDs, with its sharing and cycles intact."""
    assert sorted(store.list()) == sorted(graph.ids)
    a = store.load(graph.a)
    b, c = a.links
    assert (a.name, b.name, c.name) == ("a", "b", "c")
    assert (a.persistent_id, b.persistent_id, c.persistent_id) == (graph.a, graph.b, graph.c)
    assert b.links[0] is c, "the object a and b share is not one object"
    assert c.links[0] is a, "the cycle a -> c -> a is broken"
    loop = store.load(graph.loop)
    assert loop.links[0] is loop
    assert store.load(graph.plain["dict"]) == {"answer": 42}
    assert store.load(graph.plain["int"]) == 7
    assert store.load(graph.plain["list"]) == ["x", "y"]


@pytest.mark.parametrize(("src_kind", "dst_kind"), COPIES)
def test_copy_keeps_ids_shared_objects_and_cycles(
        run_gc3store: Callable[..., Any], store_url: Callable[[str, str], str],
        save_graph: Callable[[str], Any], opened: Callable[..., Any], src_kind: str,
        dst_kind: str) -> None:
    src, dst = store_url(src_kind, "src"), store_url(dst_kind, "dst")
    graph = save_graph(src)

    result = run_gc3store("copy", src, dst)

    assert (result.status, result.stderr) == (0, "")
    assert result.lines == [summary(len(graph.ids), 0, 0, opened(src).display_url,
                                    opened(dst).display_url)]
    assert_same_graph(opened(dst), graph)


def test_copy_run_again_skips_everything(run_gc3store: Callable[..., Any],
                                         file_url: Callable[[str], str],
                                         sqlite_url: Callable[[str], str],
                                         save_graph: Callable[[str], Any],
                                         opened: Callable[..., Any]) -> None:
    src, dst = file_url("src"), sqlite_url("dst")
    graph = save_graph(src)

    first, second = run_gc3store("copy", src, dst), run_gc3store("copy", src, dst, "--verbose")

    assert (first.status, second.status) == (0, 0)
    assert second.lines[-1] == summary(0, len(graph.ids), 0, src, dst)
    assert sorted(second.lines[:-1]) == sorted(f"skipped {id_} (already in the destination)"
                                               for id_ in graph.ids)
    assert_same_graph(opened(dst), graph)


@pytest.mark.parametrize("dst_kind", ["file", "sqlite", "mysql", "postgresql"])
def test_the_destination_gives_later_saves_new_ids(
        run_gc3store: Callable[..., Any], store_url: Callable[[str, str], str],
        save_graph: Callable[[str], Any], opened: Callable[..., Any], dst_kind: str) -> None:
    src, dst = store_url("file", "src"), store_url(dst_kind, "dst")
    graph = save_graph(src)
    assert run_gc3store("copy", src, dst).status == 0

    store = opened(dst)
    new_ids = [store.save({"new": n}) for n in range(len(graph.ids) + 1)]

    assert not set(new_ids) & graph.ids
    assert sorted(opened(dst).list()) == sorted(graph.ids | set(new_ids))


@pytest.mark.parametrize(("dst_kind", "stop", "status"), [
    ("file", signal.SIGKILL, -signal.SIGKILL), ("sqlite", signal.SIGKILL, -signal.SIGKILL),
    ("sqlite", signal.SIGINT, 130)])
def test_a_copy_stopped_in_the_middle_of_a_save_resumes_without_duplicates(
        start_gc3store: Callable[..., Any], run_gc3store: Callable[..., Any],
        file_url: Callable[[str], str], store_url: Callable[[str, str], str],
        opened: Callable[..., Any], dst_kind: str, stop: signal.Signals, status: int) -> None:
    from cli_sample_objects import GATE_REACHED, GATE_VARIABLE, Gate, Node

    src, dst = file_url("src"), store_url(dst_kind, "dst")
    nodes = [Node(f"n{n}") for n in range(8)]
    nodes[4].gate = Gate()  # type: ignore[attr-defined]
    ids = [opened(src).save(node) for node in nodes]
    before_gate = ids[:4]

    copy = start_gc3store("copy", src, dst, "--verbose", **{GATE_VARIABLE: "1"})
    watchdog = threading.Timer(60.0, copy.kill)  # a copy that never reaches the gate
    watchdog.start()
    seen: list[str] = []
    try:
        for line in copy.stdout:  # ends early if the copy exits, or the watchdog kills it
            seen.append(line.rstrip("\n"))
            if seen[-1] == GATE_REACHED:
                break
    finally:
        watchdog.cancel()
    assert seen == [*(f"copied {id_}" for id_ in before_gate), GATE_REACHED]
    copy.send_signal(stop)
    assert copy.wait(60.0) == status
    if stop == signal.SIGINT:  # interrupted, not killed: the copy says what it did
        assert copy.stdout.read().splitlines() == [summary(4, 0, 0, src, opened(dst).display_url)]
        assert copy.stderr.read() == "gc3store: error: interrupted\n"
    assert sorted(opened(dst).list()) == sorted(before_gate)

    resumed = run_gc3store("copy", src, dst, "--verbose")

    assert (resumed.status, resumed.stderr) == (0, "")
    assert resumed.lines == [*(f"skipped {id_} (already in the destination)"
                               for id_ in before_gate),
                             *(f"copied {id_}" for id_ in ids[4:]),
                             summary(4, 4, 0, src, opened(dst).display_url)]
    listed = opened(dst).list()
    assert sorted(listed) == sorted(ids)
    assert len(listed) == len(set(listed))
    fresh = opened(dst)
    assert [fresh.load(id_).name for id_ in ids] == [node.name for node in nodes]


def test_an_object_loaded_as_changed_is_copied_with_its_referrer_and_once(
        run_gc3store: Callable[..., Any], file_url: Callable[[str], str],
        opened: Callable[..., Any]) -> None:
    from cli_sample_objects import Node, Restless

    src, dst = file_url("src"), file_url("dst")
    node = Node("referrer")
    node.links = [Restless("restless")]  # type: ignore[list-item]
    opened(src).save(node)
    restless_id = node.links[0].persistent_id

    result = run_gc3store("copy", src, dst, "--verbose")

    assert (result.status, result.stderr) == (0, "")
    assert result.lines == [f"copied {node.persistent_id}", f"copied {restless_id}",
                            summary(2, 0, 0, src, dst)]
    store = opened(dst)
    copied = store.load(node.persistent_id)
    assert copied.links[0] is store.load(restless_id)
    assert copied.links[0].name == "restless"


def test_progress_goes_to_a_terminal(run_gc3store_on_terminal: Callable[..., Any],
                                     file_url: Callable[[str], str],
                                     save_graph: Callable[[str], Any]) -> None:
    src, dst = file_url("src"), file_url("dst")
    graph = save_graph(src)

    result = run_gc3store_on_terminal("copy", src, dst)

    assert result.status == 0
    assert f"\rcopying: {len(graph.ids)}/{len(graph.ids)} objects" in result.stderr
    assert result.lines == [summary(len(graph.ids), 0, 0, src, dst)]


def test_objects_that_cannot_be_copied_are_reported_and_the_others_copied(
        run_gc3store: Callable[..., Any], file_url: Callable[[str], str],
        opened: Callable[..., Any], tmp_path: Path) -> None:
    src, dst = file_url("src"), file_url("dst")
    ids = [opened(src).save({"n": n}) for n in range(3)]
    damaged = tmp_path / "src" / ids[1]
    damaged.write_bytes(damaged.read_bytes()[:-1] + b"!")

    result = run_gc3store("copy", src, dst)

    assert result.status == 1
    assert result.lines == [summary(2, 0, 1, src, dst)]
    assert f"gc3store: error: cannot copy {ids[1]}: cannot load {ids[1]!r}" in result.stderr
    assert sorted(opened(dst).list()) == [ids[0], ids[2]]


def test_a_destination_holding_other_objects_is_noted(run_gc3store: Callable[..., Any],
                                                      file_url: Callable[[str], str],
                                                      opened: Callable[..., Any]) -> None:
    from cli_sample_objects import Job, Node

    src, dst = file_url("src"), file_url("dst")
    copied = opened(src).save(Node("n"))
    foreign = opened(dst).save(Job("other", "NEW", 1))

    result = run_gc3store("copy", src, dst)

    assert result.status == 0
    assert f"holds 1 object(s) that {src} does not, such as {foreign}" in result.stderr
    assert sorted(opened(dst).list()) == sorted([copied, foreign])


def test_an_id_number_taken_in_a_sql_destination_fails_that_object(
        run_gc3store: Callable[..., Any], file_url: Callable[[str], str],
        sqlite_url: Callable[[str], str], opened: Callable[..., Any]) -> None:
    from cli_sample_objects import Job, Node

    src, dst = file_url("src"), sqlite_url("dst")
    copied = opened(src).save(Node("n"))
    foreign = opened(dst).save(Job("other", "NEW", 1))  # the same number, another prefix

    result = run_gc3store("copy", src, dst)

    assert result.status == 1
    assert f"cannot copy {copied}: ID {copied!r} is already taken" in result.stderr
    with pytest.raises(LoadError):
        opened(dst).load(copied)
    assert opened(dst).list() == [foreign]
