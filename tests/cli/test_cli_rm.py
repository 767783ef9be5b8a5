"""``gc3store rm``: removes every ID it is given; an unknown ID is reported, makes the exit
status 1, and does not stop the others from being removed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gc3store import LoadError


@pytest.mark.parametrize("kind", ["file", "sqlite"])
def test_rm_removes_the_objects(run_gc3store: Callable[..., Any],
                                store_url: Callable[[str, str], str],
                                opened: Callable[..., Any], kind: str) -> None:
    url = store_url(kind, "store")
    store = opened(url)
    kept, *removed = [store.save({"n": n}) for n in range(3)]

    result = run_gc3store("rm", url, *removed)

    assert (result.status, result.stderr) == (0, "")
    assert result.lines == [f"removed {id_}" for id_ in removed]
    fresh = opened(url)
    assert fresh.list() == [kept]
    for id_ in removed:
        with pytest.raises(LoadError):
            fresh.load(id_)


def test_rm_reports_unknown_ids_and_removes_the_others(run_gc3store: Callable[..., Any],
                                                       file_url: Callable[[str], str],
                                                       opened: Callable[..., Any]) -> None:
    url = file_url("store")
    first, second = (opened(url).save({"n": n}) for n in range(2))

    result = run_gc3store("rm", url, first, "dict.999", "../etc/passwd", second)

    assert result.status == 1
    assert result.lines == [f"removed {first}", f"removed {second}"]
    assert f"no object with ID 'dict.999' in {url}" in result.stderr
    assert "malformed object ID '../etc/passwd'" in result.stderr
    assert opened(url).list() == []


def test_rm_twice_reports_the_id_the_second_time(run_gc3store: Callable[..., Any],
                                                 file_url: Callable[[str], str],
                                                 opened: Callable[..., Any]) -> None:
    url = file_url("store")
    id_ = opened(url).save({"n": 1})

    first, second = run_gc3store("rm", url, id_), run_gc3store("rm", url, id_)

    assert (first.status, second.status) == (0, 1)
    assert f"no object with ID {id_!r}" in second.stderr
