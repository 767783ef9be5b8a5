"""``gc3store ls``: the IDs a store holds in ID order; ``--long`` with class, record size and,
on SQL stores, the state and extra columns; ``--where`` filters run by the database."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from gc3store.accessors import GET

SQL_KINDS = ("sqlite", "postgresql", "mysql")
EXTRA_FIELDS = {sa.Column("jobname", sa.String(50)): GET.jobname,
                sa.Column("priority", sa.Integer): GET.priority}
JOBS = [("align", "RUNNING", 1), ("sort", "NEW", 2), ("index", "RUNNING", 3),
        ("merge", "RUNNING", 1)]


@pytest.fixture
def saved_jobs(store_url: Callable[[str, str], str],
               opened: Callable[..., Any]) -> Callable[[str], tuple[str, list[str]]]:
    """``saved_jobs(kind)``: a new store of `kind` holding `JOBS`, with extra SQL columns for
    jobname and priority; returns its URL and the IDs, in the order of `JOBS`."""
    from cli_sample_objects import Job

    def save(kind: str) -> tuple[str, list[str]]:
        url = store_url(kind, "jobs")
        keywords = {"extra_fields": EXTRA_FIELDS} if kind in SQL_KINDS else {}
        store = opened(url, **keywords)
        return url, [store.save(Job(*job)) for job in JOBS]

    return save


def test_ls_prints_ids_in_id_order_not_text_order(run_gc3store: Callable[..., Any],
                                                  file_url: Callable[[str], str],
                                                  opened: Callable[..., Any]) -> None:
    url = file_url("many")
    store = opened(url)
    ids = [store.save({"n": n}) for n in range(12)]

    result = run_gc3store("ls", url)

    assert (result.status, result.stderr) == (0, "")
    assert result.lines == ids
    assert result.lines.index("dict.9") < result.lines.index("dict.10")


def test_ls_of_an_empty_store_prints_nothing(run_gc3store: Callable[..., Any],
                                             tmp_path: Path) -> None:
    result = run_gc3store("ls", str(tmp_path))

    assert (result.status, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.parametrize("kind", ["file", *SQL_KINDS])
def test_ls_lists_every_object_of_every_kind_of_store(
        run_gc3store: Callable[..., Any], saved_jobs: Callable[[str], tuple[str, list[str]]],
        kind: str) -> None:
    url, ids = saved_jobs(kind)

    result = run_gc3store("ls", url)

    assert (result.status, result.stderr) == (0, "")
    assert result.lines == ids


def test_ls_long_shows_class_and_record_size(run_gc3store: Callable[..., Any],
                                             saved_jobs: Callable[[str], tuple[str, list[str]]],
                                             tmp_path: Path) -> None:
    url, ids = saved_jobs("file")

    result = run_gc3store("ls", url, "--long")

    assert (result.status, result.stderr) == (0, "")
    header, *rows = [line.split() for line in result.lines]
    assert header == ["ID", "CLASS", "SIZE"]
    sizes = [str(os.path.getsize(tmp_path / "jobs" / id_)) for id_ in ids]
    assert rows == [[id_, "cli_sample_objects.Job", size] for id_, size in zip(ids, sizes,
                                                                                strict=True)]


@pytest.mark.parametrize("kind", SQL_KINDS)
def test_ls_long_on_sql_adds_state_and_extra_columns(
        run_gc3store: Callable[..., Any], saved_jobs: Callable[[str], tuple[str, list[str]]],
        kind: str) -> None:
    url, ids = saved_jobs(kind)

    result = run_gc3store("ls", url, "--long")

    assert (result.status, result.stderr) == (0, "")
    header, *rows = [line.split() for line in result.lines]
    assert header == ["ID", "CLASS", "SIZE", "STATE", "JOBNAME", "PRIORITY"]
    assert [row[:2] for row in rows] == [[id_, "cli_sample_objects.Job"] for id_ in ids]
    assert all(int(row[2]) > 0 for row in rows)
    assert [tuple(row[3:]) for row in rows] == [(state, name, str(priority))
                                                for name, state, priority in JOBS]


@pytest.mark.parametrize("kind", SQL_KINDS)
def test_ls_where_filters_on_state_and_extra_columns(
        run_gc3store: Callable[..., Any], saved_jobs: Callable[[str], tuple[str, list[str]]],
        kind: str) -> None:
    url, ids = saved_jobs(kind)
    align, _, index, merge = ids

    running = run_gc3store("ls", url, "--where", "state=RUNNING")
    urgent_running = run_gc3store("ls", url, "--where", "state=RUNNING", "--where", "priority=1",
                                  "--long")

    assert (running.status, running.stderr, running.lines) == (0, "", [align, index, merge])
    assert urgent_running.status == 0, urgent_running.stderr
    assert [line.split()[0] for line in urgent_running.lines[1:]] == [align, merge]


def test_ls_where_on_a_store_without_columns_is_refused(
        run_gc3store: Callable[..., Any], saved_jobs: Callable[[str], tuple[str, list[str]]]
) -> None:
    url, _ = saved_jobs("file")

    result = run_gc3store("ls", url, "--where", "state=RUNNING")

    assert result.status == 2
    assert "FilesystemStore.list() takes no filters, got state" in result.stderr


def test_ls_where_on_an_unknown_column_names_the_columns(
        run_gc3store: Callable[..., Any], saved_jobs: Callable[[str], tuple[str, list[str]]]
) -> None:
    url, _ = saved_jobs("sqlite")

    result = run_gc3store("ls", url, "--where", "owner=alice")

    assert result.status == 2
    assert "unknown filter 'owner'" in result.stderr
    assert "'state', 'jobname', 'priority'" in result.stderr


def test_ls_where_with_a_value_of_the_wrong_type_is_refused(
        run_gc3store: Callable[..., Any], saved_jobs: Callable[[str], tuple[str, list[str]]]
) -> None:
    url, _ = saved_jobs("sqlite")

    result = run_gc3store("ls", url, "--where", "priority=high")

    assert result.status == 2
    assert "--where priority=high: column 'priority' holds int values" in result.stderr


def test_ls_long_reports_a_damaged_record_and_lists_the_others(
        run_gc3store: Callable[..., Any], saved_jobs: Callable[[str], tuple[str, list[str]]],
        tmp_path: Path) -> None:
    url, ids = saved_jobs("file")
    damaged = tmp_path / "jobs" / ids[1]
    data = bytearray(damaged.read_bytes())
    data[-2] ^= 0xFF
    damaged.write_bytes(bytes(data))

    result = run_gc3store("ls", url, "--long")

    assert result.status == 1
    assert [line.split()[:2] for line in result.lines[1:]] == [
        [id_, "?" if id_ == ids[1] else "cli_sample_objects.Job"] for id_ in ids]
    assert f"cannot load {ids[1]!r}" in result.stderr
    assert "checksum" in result.stderr
