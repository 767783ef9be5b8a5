"""Clause 12 under hostile SQL store URLs: SQLite files named every way a URL can name them, and
the test servers with hostile users, databases, ports, options and table names.  Whatever the
URL, `make_store` returns a store or raises a documented exception naming it, the store works
or raises `StoreError` on first use, and no file outside the case's sandbox is touched.

Server URLs point at 127.0.0.1 and nowhere else; their query options come from a fixed list,
since some (``host``, ``read_default_file``, ``init_command``) would reach other hosts or files,
or run SQL.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from gc3store import StoreError, make_store

INPUTS = settings.get_profile("gc3store-inputs")
LOOPBACK = "127.0.0.1"


def sqlite_urls(hostile: Any, cwd: str) -> st.SearchStrategy[str]:
    """``sqlite://`` URLs of files inside the sandbox whose working directory is `cwd`."""
    path = hostile.relative_paths
    absolute = path.map(lambda p: f"{cwd}/{p}")
    quoted = hostile.quoted
    query = st.sampled_from(["", "?mode=ro", "?uri=true", "?timeout=abc", "?vfs=nope",
                             "?x=%00", "?mode=rwc&uri=true", "?cache=shared"])
    fragment = st.one_of(st.just(""), hostile.text.map(lambda name: "#table=" + quoted(name)),
                         hostile.text.map(lambda junk: "#" + junk),
                         st.sampled_from(["#table=a&table=b", "#table="]))
    return st.one_of(
        st.sampled_from(["sqlite://", "sqlite:///", "sqlite:///:memory:"]),
        st.builds(lambda p, q, f: f"sqlite:///{p}{q}{f}", path, query, fragment),
        st.builds(lambda p, q, f: f"sqlite:///{quoted(p)}{q}{f}", absolute, query, fragment),
        st.builds(lambda p, f: f"sqlite:///file:{quoted(p)}?uri=true{f}", absolute, fragment),
        st.builds(lambda p, f: f"sqlite+pysqlite:///{quoted(p)}{f}", absolute, fragment),
    )


@INPUTS
@given(data=st.data())
def test_a_hostile_sqlite_url_makes_a_store_or_a_documented_error_inside_its_sandbox(
        data: st.DataObject, hostile: Any, sandbox: Any, attempt_inside: Any) -> None:
    with sandbox() as box:
        uri = data.draw(sqlite_urls(hostile, str(box.cwd)), label="uri")
        assert attempt_inside(box.root, uri) == []


# -- the database servers, at 127.0.0.1 only -----------------------------------------------------

def server_urls(hostile: Any, base: sa.URL, prefix: str) -> st.SearchStrategy[str]:
    """URLs of `base`'s server, at 127.0.0.1, with hostile users, databases, ports, queries and
    table names; every table name starts with `prefix`, so that a case can drop what it made."""
    backend = base.get_backend_name()
    schemes = {"postgresql": ["postgresql", "postgresql+psycopg", "postgresql+nosuch"],
               "mysql": ["mysql", "mysql+pymysql", "mariadb", "mariadb+pymysql"]}[backend]
    queries = {"postgresql": ["", "connect_timeout=2", "sslmode=disable", "application_name=%00",
                              "application_name=%27%3B", "connect_timeout=abc"],
               "mysql": ["", "charset=utf8mb4", "charset=nonesuch", "connect_timeout=2",
                         "no_such_option=1", "binary_prefix=true"]}[backend]
    port = base.port or {"postgresql": 5432, "mysql": 3306}[backend]

    def url(scheme: str, user: str | None, database: str | None, port: int, query: str,
            table: str) -> str:
        user = (base.username or "") if user is None else user
        database = (base.database or "") if database is None else database
        password = f":{quote(base.password, safe='')}" if base.password else ""
        return (f"{scheme}://{quote(user, safe='', errors='surrogateescape')}{password}"
                f"@{LOOPBACK}:{port}/{quote(database, safe='', errors='surrogateescape')}"
                f"{'?' + query if query else ''}"
                f"#table={quote(prefix + table, safe='', errors='surrogateescape')}")

    # libpq reads a database name holding '=' or '://' as connection options, a host among them
    database = hostile.text.filter(lambda name: "=" not in name and "://" not in name)
    return st.builds(url, st.sampled_from(schemes), st.one_of(st.none(), hostile.text),
                     st.one_of(st.none(), st.none(), database),
                     st.sampled_from([port, port, port, 1]), st.sampled_from(queries),
                     hostile.text)


@pytest.mark.parametrize("backend", ["postgresql", "mysql"])
def test_a_hostile_server_url_makes_a_store_or_a_documented_error(
        backend: str, hostile: Any, test_server_url: Callable[[str], str],
        server_tables: Callable[[str, str], None], sandbox: Any, attempt_inside: Any) -> None:
    base = sa.make_url(test_server_url(backend))
    if base.host != LOOPBACK:
        pytest.skip(f"the {backend} test server is at {base.host}, and hostile URLs go to "
                    f"{LOOPBACK} only")
    prefix = f"t_in_{secrets.token_hex(4)}_"

    @settings(INPUTS, max_examples=25)
    @given(url=server_urls(hostile, base, prefix))
    def case(url: str) -> None:
        with contextlib.suppress(sa.exc.ArgumentError, ValueError):  # unparsable: refused
            assert sa.make_url(url.partition("#")[0]).host == LOOPBACK
        try:
            with sandbox() as box:
                assert attempt_inside(box.root, url) == []
        finally:
            server_tables(test_server_url(backend), prefix)

    case()


# -- the SQL store's keywords ----------------------------------------------------------------------

@INPUTS
@given(data=st.data())
def test_hostile_keywords_make_a_sqlite_store_or_a_documented_error_naming_them(
        data: st.DataObject, hostile: Any, sandbox: Any, attempt_inside: Any) -> None:
    keywords = data.draw(hostile.keyword_arguments(), label="keywords")
    with sandbox() as box:
        assert attempt_inside(box.root, f"sqlite:///{box.root}/store.db", **keywords) == []


# -- what the properties above found, as plain cases ---------------------------------------------

@pytest.mark.parametrize("path", ["nul\0byte/store.db", "x" * 300 + "/store.db", "?uri=true"],
                         ids=["NUL byte", "too long a name", "uri=true, no directory"])
def test_a_sqlite_file_that_cannot_be_made_is_a_store_error_on_first_save(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    monkeypatch.chdir(tmp_path)
    query = path.partition("?")[2]
    url = f"sqlite:///{tmp_path}/{path}" if not query else f"sqlite:///bare-name?{query}"
    with pytest.raises(StoreError):
        make_store(url).save({"name": "first"})


@pytest.mark.parametrize("extra_fields", [5, True, "state", object()],
                         ids=["int", "bool", "str", "object"])
def test_extra_fields_that_are_no_mapping_are_a_type_error_naming_them(
        tmp_path: Path, extra_fields: Any) -> None:
    with pytest.raises(TypeError) as raised:
        make_store(f"sqlite:///{tmp_path}/store.db", extra_fields=extra_fields)
    assert repr(extra_fields) in str(raised.value)


def test_an_option_the_sqlite_driver_refuses_is_a_store_error_naming_the_url(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/store.db?timeout=abc"
    with pytest.raises(StoreError) as raised:
        make_store(url).save({"name": "first"})
    assert url in str(raised.value)


@pytest.mark.parametrize("query", ["no_such_option=1", "charset=nonesuch"])
def test_an_option_the_mysql_driver_refuses_is_a_store_error_on_first_save(
        query: str, test_server_url: Callable[[str], str]) -> None:
    url = f"{test_server_url('mysql')}?{query}#table=t_in_{secrets.token_hex(4)}"
    with pytest.raises(StoreError):
        make_store(url).save({"name": "first"})
