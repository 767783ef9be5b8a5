"""How a SqlStore is opened: URLs, drivers, table names, `create`, and unreachable servers.

Clauses: the constructor keeps GC3Pie's positional order, accepts
`directory` and refuses other keywords; it connects only on the first
operation, yet a malformed URL fails at once; bare ``postgresql://`` uses
psycopg 3 and bare ``mysql://``/``mariadb://`` PyMySQL; a missing driver
names the pip extra; a relative SQLite path is resolved when the store is
made and its directory is created; ``create=False`` on a missing table names
it; an unreachable server raises `StoreUnavailable`; no message, repr or
string form of the store shows the URL's password.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from gc3store import LoadError, StoreError, StoreUnavailable, make_store
from gc3store.sql import SqlStore, missing_driver_error, pip_extra

PASSWORD = "s3cr3t-pa55"


def test_arguments_keep_gc3pies_positional_order(tmp_path: Path) -> None:
    columns = {sa.Column("n", sa.Integer): len}
    store = SqlStore(f"sqlite:///{tmp_path}/a.db", "tasks", None, columns, False, 4,
                     durable=False, directory="/ignored")
    assert (store.table_name, store.create, store.protocol, store.durable) == (
        "tasks", False, 4, False)
    assert list(store.extra_fields.values()) == [len]


def test_an_unknown_keyword_is_a_type_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="colour"):
        SqlStore(f"sqlite:///{tmp_path}/a.db", colour="red")  # type: ignore[call-arg]


def test_make_store_passes_the_common_keywords(tmp_path: Path) -> None:
    store = make_store(f"sqlite:///{tmp_path}/a.db#table=jobs", create=True, durable=True,
                       directory=str(tmp_path), idfactory=None)
    assert isinstance(store, SqlStore)
    assert store.table_name == "jobs"


def test_table_name_argument_wins_over_the_fragment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/a.db#table=from_url"
    assert SqlStore(url, table_name="given").table_name == "given"
    assert SqlStore(url).table_name == "from_url"
    assert SqlStore(f"sqlite:///{tmp_path}/a.db").table_name == "store"


@pytest.mark.parametrize("fragment", ["table=", "table=jobs&table="])
def test_an_empty_table_in_the_fragment_is_a_value_error_naming_it(tmp_path: Path,
                                                                   fragment: str) -> None:
    url = f"sqlite:///{tmp_path}/a.db#{fragment}"
    with pytest.raises(ValueError, match=rf"#{fragment} of '{url}' names an empty table"):
        SqlStore(url)


def test_nothing_connects_before_the_first_operation(tmp_path: Path) -> None:
    database = tmp_path / "not" / "yet" / "there.db"
    store = SqlStore(f"sqlite:///{database}")
    assert not database.parent.exists()
    store.list()
    assert database.exists()
    store.close()


def test_a_relative_sqlite_path_is_resolved_when_the_store_is_made(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = SqlStore("sqlite:///sub/dir/relative.db")
    monkeypatch.chdir("/")
    id_ = store.save([1, 2])
    store.close()
    assert (tmp_path / "sub" / "dir" / "relative.db").exists()
    assert SqlStore(f"sqlite:///{tmp_path}/sub/dir/relative.db").load(id_) == [1, 2]


@pytest.mark.parametrize("url", [
    f"postgresql://user:{PASSWORD}@host:notaport/db",
    f"not a url://user:{PASSWORD}@host/db",
])
def test_a_malformed_url_fails_at_once_without_its_password(url: str) -> None:
    with pytest.raises(StoreError, match="malformed database URL") as raised:
        SqlStore(url)
    assert PASSWORD not in str(raised.value)


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_sqlite_database_is_refused(url: str) -> None:
    with pytest.raises(StoreError, match="names no database file"):
        SqlStore(url)


def test_an_unsupported_backend_is_refused_naming_the_supported() -> None:
    with pytest.raises(StoreError, match=r"does not support 'oracle'.*sqlite, postgresql"):
        SqlStore(f"oracle://scott:{PASSWORD}@host/db")


@pytest.mark.parametrize(("url", "driver"), [
    ("postgresql://u@h/db", "psycopg"),
    ("postgresql+psycopg://u@h/db", "psycopg"),
    ("mysql://u@h/db", "pymysql"),
    ("mariadb://u@h/db", "pymysql"),
    ("mariadb+pymysql://u@h/db", "pymysql"),
])
def test_bare_server_urls_use_the_installed_drivers(url: str, driver: str) -> None:
    store = SqlStore(url)
    assert store.engine.dialect.driver == driver
    assert store.url == url


@pytest.mark.parametrize(("url", "extra"), [
    ("postgresql+nosuchdriver://u@h/db", "postgresql"),
    ("mysql+nosuchdriver://u@h/db", "mysql"),
    ("mariadb+nosuchdriver://u@h/db", "mysql"),
])
def test_an_unknown_driver_names_the_pip_extra(url: str, extra: str) -> None:
    with pytest.raises(StoreError, match=rf"'nosuchdriver'.*pip install gc3store\[{extra}\]"):
        SqlStore(url)


@pytest.mark.skipif(importlib.util.find_spec("MySQLdb") is not None,
                    reason="mysqlclient is installed: its driver module is not missing")
def test_a_driver_whose_module_is_missing_names_the_module_and_the_extra() -> None:
    with pytest.raises(StoreError, match=r"No module named 'MySQLdb'.*gc3store\[mysql\]"):
        SqlStore("mysql+mysqldb://u@h/db")


def test_the_missing_driver_message_names_module_extra_and_default_driver() -> None:
    message = str(missing_driver_error("postgresql://u@h/db", "postgresql", "psycopg",
                                       "No module named 'psycopg'"))
    assert "No module named 'psycopg'" in message
    assert message.endswith("pip install gc3store[postgresql]")
    assert [pip_extra(name) for name in ("postgresql", "mysql", "mariadb")] == [
        "postgresql", "mysql", "mysql"]
    with pytest.raises(ValueError, match="'sqlite'"):
        pip_extra("sqlite")


def test_create_false_on_a_missing_table_names_it(
        database: Any, db_table: str, open_store: Callable[..., SqlStore]) -> None:
    open_store(database.url(database.new_table())).list()  # the database exists, not the table
    store = open_store(create=False)
    with pytest.raises(StoreError, match=rf"no table '{db_table}'.*create=True\) would create it"):
        store.list()
    with pytest.raises(StoreError, match=db_table):
        store.save(["x"])
    open_store().list()
    assert store.list() == []


def test_create_false_on_a_missing_sqlite_file_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "no such directory" / "store.db"
    store = SqlStore(f"sqlite:///{missing}", create=False)
    with pytest.raises(StoreError, match=r"no SQLite database .*create=True\) would create it"):
        store.list()
    assert not missing.parent.exists()


def test_a_table_made_by_gc3pie_is_refused(
        database: Any, db_table: str, open_store: Callable[..., SqlStore]) -> None:
    sa.Table(db_table, sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("data", sa.LargeBinary), sa.Column("state", sa.String(128)),
             ).create(database.engine)
    with pytest.raises(StoreError, match=r"lacks the column\(s\) 'prefix'.*GC3Pie"):
        open_store().list()


@pytest.mark.parametrize("url", [
    f"postgresql+psycopg://postgres:{PASSWORD}@127.0.0.1:1/test#table=t",
    f"mysql+pymysql://root:{PASSWORD}@127.0.0.1:1/test#table=t",
])
def test_an_unreachable_server_raises_store_unavailable_without_the_password(url: str) -> None:
    store = SqlStore(url)
    for operation in (store.list, lambda: store.save(["x"]), lambda: store.load("T.1")):
        with pytest.raises(StoreUnavailable, match="unreachable") as raised:
            operation()
        assert "127.0.0.1:1" in str(raised.value)
        assert PASSWORD not in str(raised.value)


@pytest.mark.parametrize("backend", ["postgresql"])  # its trust authentication takes any password
def test_the_password_shows_in_no_message_nor_repr(database: Any, db_url: str) -> None:
    with_password = sa.make_url(database.base_url).set(password=PASSWORD)
    url = f"{with_password.render_as_string(hide_password=False)}#{db_url.partition('#')[2]}"
    store = SqlStore(url)
    try:
        assert store.url == url
        shown = [repr(store), store.display_url]
        with pytest.raises(LoadError) as raised:
            store.load("Task.1")
        shown.append(str(raised.value))
        for text in shown:
            assert PASSWORD not in text
            assert "***" in text
    finally:
        store.close()
