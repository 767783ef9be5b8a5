"""``gc3store show``: an object's class, attributes and record size, shown without running any
of the object's code but its unpickling."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def test_show_prints_class_record_size_and_attributes(
        run_gc3store: Callable[..., Any], file_url: Callable[[str], str],
        save_graph: Callable[[str], Any], tmp_path: Path) -> None:
    graph = save_graph(file_url("graph"))

    result = run_gc3store("show", file_url("graph"), graph.a)

    assert (result.status, result.stderr) == (0, "")
    size = os.path.getsize(tmp_path / "graph" / graph.a)
    assert result.lines[:4] == [f"{graph.a} in {file_url('graph')}",
                                "class:  cli_sample_objects.Node",
                                f"record: {size} bytes",
                                "attributes:"]
    attributes = {line.split()[0]: line.split(None, 2)[1:] for line in result.lines[4:]}
    assert attributes == {
        "_id": ["gc3store.ids.Id", repr(graph.a)],
        "changed": ["bool", "False"],
        "links": ["list", f"[<cli_sample_objects.Node {graph.b}>, "
                          f"<cli_sample_objects.Node {graph.c}>]"],
        "name": ["str", "'a'"],
        "persistent_id": ["gc3store.ids.Id", repr(graph.a)],
    }


def test_show_of_an_object_without_attributes_prints_its_value(
        run_gc3store: Callable[..., Any], file_url: Callable[[str], str],
        save_graph: Callable[[str], Any]) -> None:
    graph = save_graph(file_url("graph"))

    result = run_gc3store("show", file_url("graph"), graph.plain["dict"])

    assert result.status == 0, result.stderr
    assert result.lines[1] == "class:  dict"
    assert result.lines[3] == "value:  {'answer': 42}"


def test_show_shortens_long_values(run_gc3store: Callable[..., Any],
                                   file_url: Callable[[str], str],
                                   opened: Callable[..., Any]) -> None:
    from cli_sample_objects import Node

    id_ = opened(file_url("long")).save(Node("x" * 500))

    result = run_gc3store("show", file_url("long"), id_)

    name_line = next(line for line in result.lines if line.lstrip().startswith("name "))
    assert name_line.endswith("...")
    assert len(name_line.split(None, 2)[2]) == 80


def test_show_runs_none_of_the_objects_methods(run_gc3store: Callable[..., Any],
                                               file_url: Callable[[str], str],
                                               opened: Callable[..., Any],
                                               tmp_path: Path) -> None:
    from cli_sample_objects import Tripwire

    marker = tmp_path / "tripped"
    id_ = opened(file_url("wired")).save(Tripwire(str(marker), inner=Tripwire(str(marker))))

    result = run_gc3store("show", file_url("wired"), id_)

    assert result.status == 0, result.stderr
    assert not marker.exists(), marker.read_text()
    assert "  inner " in result.stdout
    assert "<cli_sample_objects.Tripwire Tripwire." in result.stdout


def test_show_reads_slots_and_shortens_what_is_deep_long_or_foreign(
        run_gc3store: Callable[..., Any], file_url: Callable[[str], str],
        opened: Callable[..., Any]) -> None:
    import datetime

    from cli_sample_objects import Slotted

    values = [datetime.date(2024, 1, 2), 10 ** 5000, (4,), [1, [2, [3]]]]
    id_ = opened(file_url("slots")).save(Slotted(values, private=list(range(10))))

    result = run_gc3store("show", file_url("slots"), id_)

    assert result.status == 0, result.stderr
    assert result.lines[1] == "class:  cli_sample_objects.Slotted"
    attributes = {line.split()[0]: line.split(None, 2)[1:] for line in result.lines[4:]}
    assert attributes == {
        "__private": ["list", "[0, 1, 2, 3, 4, 5, ... 4 more]"],
        "values": ["list", "[<datetime.date object>, <int of 16610 bits>, (4,), "
                           "[1, <list of 2>]]"],
    }
