"""SqlStore's ``state`` column and ``extra_fields``, and `list` filters on them.

Clauses: each accessor's value is stored in its column, read here by the
tests' own engine; values holding quotes and SQL are stored literally;
``state`` is ``obj.execution.state`` or NULL; an accessor that raises
stores NULL and logs a warning; `list` filters by equality on ``state`` and
the extra columns, None meaning NULL; an unknown filter is a TypeError
naming it; extra_fields that cannot work are refused at construction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from gc3store import StoreError
from gc3store.accessors import GET, GetValue
from gc3store.sql import SqlStore

OpenStore = Callable[..., SqlStore]

HOSTILE_TEXTS = [
    "Robert'); DROP TABLE students;--",
    'double " quote and back\\slash',
    "percent %s %(name)s and question ? marks",
    "unicode: été ✓",
]


class Job:
    def __init__(self, name: str, state: str | None = None, tags: list[str] | None = None,
                 size: int = 0) -> None:
        self.name = name
        self.size = size
        self.tags = tags if tags is not None else []
        if state is not None:
            self.execution = SimpleNamespace(state=state)


def extra_fields() -> dict[sa.Column[Any], Callable[[Any], Any]]:
    return {
        sa.Column("name", sa.String(200)): GET.name,
        sa.Column("first tag", sa.String(200)): GetValue(default=None).tags[0],
        sa.Column("size", sa.Integer): GET.size,
    }


def test_accessor_values_are_stored_in_their_columns(
        database: Any, db_table: str, open_store: OpenStore) -> None:
    store = open_store(extra_fields=extra_fields())
    store.save(Job("alpha", "RUNNING", ["gpu"], size=3))
    store.save(Job("beta"))
    assert database.rows(db_table, "name", "first tag", "size", "state") == [
        ("alpha", "gpu", 3, "RUNNING"), ("beta", None, 0, None)]


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_values_with_quotes_and_sql_are_stored_literally(
        database: Any, db_table: str, open_store: OpenStore, text: str) -> None:
    store = open_store(extra_fields=extra_fields())
    id_ = store.save(Job(text, text, [text]))
    assert database.rows(db_table, "name", "first tag", "state") == [(text, text, text)]
    assert store.list(name=text) == [id_]
    assert store.list(state=text) == [id_]
    assert open_store().load(id_).name == text


def test_list_filters_on_state(open_store: OpenStore) -> None:
    store = open_store()
    running = [store.save(Job(f"r{n}", "RUNNING")) for n in range(2)]
    done = store.save(Job("d", "TERMINATED"))
    stateless = store.save(Job("none"))
    fresh = open_store()
    assert sorted(fresh.list(state="RUNNING")) == sorted(running)
    assert fresh.list(state="TERMINATED") == [done]
    assert fresh.list(state=None) == [stateless]
    assert fresh.list(state="NEW") == []


def test_list_filters_on_extra_columns(open_store: OpenStore) -> None:
    store = open_store(extra_fields=extra_fields())
    small = store.save(Job("a", "RUNNING", ["x"], size=1))
    big = store.save(Job("b", "RUNNING", [], size=9))
    store.save(Job("c", "NEW", ["x"], size=1))
    assert store.list(size=9) == [big]
    assert store.list(**{"first tag": None}) == [big]
    assert store.list(state="RUNNING", size=1) == [small]
    assert store.list(**{"first tag": "x", "state": "RUNNING"}) == [small]


def test_a_replace_updates_the_columns(open_store: OpenStore) -> None:
    store = open_store(extra_fields=extra_fields())
    job = Job("a", "NEW", size=1)
    id_ = store.save(job)
    store.replace(id_, Job("a", "RUNNING", size=2))
    assert store.list(state="RUNNING", size=2) == [id_]
    assert store.list(state="NEW") == []


def test_an_unknown_filter_is_a_type_error_naming_it(open_store: OpenStore) -> None:
    store = open_store(extra_fields=extra_fields())
    with pytest.raises(TypeError, match=r"'colour'.*'state', 'name', 'first tag', 'size'"):
        store.list(colour="red")


def test_an_accessor_that_raises_stores_null_and_warns(
        database: Any, db_table: str, open_store: OpenStore,
        caplog: pytest.LogCaptureFixture) -> None:
    store = open_store(extra_fields={sa.Column("ratio", sa.Float): lambda job: 1 / job.size})
    with caplog.at_level(logging.WARNING, logger="gc3store"):
        id_ = store.save(Job("zero", size=0))
    assert "'ratio'" in caplog.text
    assert f"{id_}: its accessor" in caplog.text
    assert "ZeroDivisionError" in caplog.text
    assert database.rows(db_table, "ratio") == [(None,)]
    assert open_store().load(id_).name == "zero"


def test_a_store_without_extra_fields_works_on_a_table_with_them(
        open_store: OpenStore) -> None:
    id_ = open_store(extra_fields=extra_fields()).save(Job("a", size=4))
    plain = open_store()
    plain.replace(id_, Job("b"))
    assert plain.load(id_).name == "b"
    assert open_store(extra_fields=extra_fields()).list(size=4) == [id_]


def test_a_table_lacking_an_extra_column_is_refused(open_store: OpenStore) -> None:
    open_store().list()
    with pytest.raises(StoreError, match=r"lacks the column\(s\) 'size'"):
        open_store(extra_fields={sa.Column("size", sa.Integer): GET.size}).list()


@pytest.mark.parametrize(("fields", "error", "message"), [
    ({"name": GET.name}, TypeError, "sqlalchemy.Column"),
    ({sa.Column("state", sa.String(10)): GET.x}, ValueError, "'state' clashes"),
    ({sa.Column("n", sa.Integer): 42}, TypeError, "'n' must be callable"),
    ({sa.Column("n", sa.Integer, nullable=False): GET.n}, ValueError, "'n' must be nullable"),
])
def test_unusable_extra_fields_are_refused_at_once(
        fields: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        SqlStore("sqlite:////nonexistent/never-opened.db", extra_fields=fields)
