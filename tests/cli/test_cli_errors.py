"""Every error of the command: its exit status and a message that names what is wrong, never a
traceback, never a password.

Statuses: 1 an object that cannot be found or loaded; 2 a store that cannot be opened (bad URI,
unknown scheme, missing directory or table); 3 a storage that cannot be reached.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from gc3store import cli, register

PASSWORD = "s3cr3t-Pa55"
UNREACHABLE = {
    "postgresql": f"postgresql+psycopg://alice:{PASSWORD}@127.0.0.1:1/nowhere#table=t",
    "mysql": f"mysql+pymysql://alice:{PASSWORD}@127.0.0.1:1/nowhere",
}


def assert_clean_error(result: Any, status: int, *phrases: str) -> None:
    assert result.status == status, (result.stdout, result.stderr)
    assert result.stderr.startswith("gc3store: error: ")
    for phrase in phrases:
        assert phrase in result.stderr
    assert "Traceback" not in result.stderr
    assert PASSWORD not in result.stdout + result.stderr


@pytest.mark.parametrize("args", [["ls", "bogus://x"], ["show", "bogus://x", "Task.1"],
                                  ["rm", "bogus://x", "Task.1"], ["copy", "bogus://x", "/tmp"],
                                  ["copy", "/tmp", "bogus://x"]])
def test_an_unknown_scheme_exits_2_naming_it(run_gc3store: Callable[..., Any],
                                             args: list[str]) -> None:
    result = run_gc3store(*args)

    assert_clean_error(result, 2, "unknown store URL scheme 'bogus'", "known schemes are")


def refuse_every_url(url: str, **keywords: Any) -> Any:
    raise ValueError(f"this constructor takes no URL, not even {url!r}")


def test_a_store_whose_constructor_refuses_the_uri_exits_2(
        capsys: pytest.CaptureFixture[str]) -> None:
    # no reference store refuses a URL of its own scheme so: a backend's constructor may
    register("cli-refuses", refuse_every_url)

    status = cli.main(["ls", "cli-refuses://x"])

    stderr = capsys.readouterr().err
    assert status == 2
    assert stderr == ("gc3store: error: cannot open the store 'cli-refuses://x': this "
                      "constructor takes no URL, not even 'cli-refuses://x'\n")


def test_a_malformed_database_url_exits_2(run_gc3store: Callable[..., Any]) -> None:
    result = run_gc3store("ls", f"postgresql://alice:{PASSWORD}@host:notaport/db")

    assert_clean_error(result, 2, "malformed database URL")


def test_a_missing_directory_exits_2_and_is_not_created(run_gc3store: Callable[..., Any],
                                                        tmp_path: Path) -> None:
    result = run_gc3store("ls", str(tmp_path / "missing"))

    assert_clean_error(result, 2, f"the store directory '{tmp_path / 'missing'}' does not "
                                  f"exist")
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("options", [[], ["--long"]])
def test_a_missing_table_exits_2_and_is_not_created(run_gc3store: Callable[..., Any],
                                                    server_table: Callable[[str], str],
                                                    options: list[str]) -> None:
    url = server_table("postgresql")

    result = run_gc3store("ls", url, *options)

    assert_clean_error(result, 2, "there is no table 't_")
    base, _, table = url.partition("#table=")
    engine = sa.create_engine(base, poolclass=sa.pool.NullPool)
    try:
        assert table not in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_a_file_url_with_a_password_hides_it(run_gc3store: Callable[..., Any]) -> None:
    result = run_gc3store("ls", f"file://alice:{PASSWORD}@host/x")

    assert_clean_error(result, 2, "file://alice:***@host/x")


@pytest.mark.parametrize(("backend", "command"), [
    ("postgresql", ["ls"]), ("mysql", ["ls", "--where", "state=NEW"]),
    ("postgresql", ["show", "Task.1"]),
    ("mysql", ["rm", "Task.1"])])
def test_an_unreachable_server_exits_3_without_password(run_gc3store: Callable[..., Any],
                                                        backend: str,
                                                        command: list[str]) -> None:
    name, *rest = command

    result = run_gc3store(name, UNREACHABLE[backend], *rest)

    assert_clean_error(result, 3, "cannot connect to", "alice:***@127.0.0.1:1",
                       "unreachable or refused the connection")


def test_copy_from_an_unreachable_server_exits_3(run_gc3store: Callable[..., Any],
                                                 tmp_path: Path) -> None:
    result = run_gc3store("copy", UNREACHABLE["postgresql"], str(tmp_path / "dst"))

    assert_clean_error(result, 3, "cannot connect to")


def test_copy_to_an_unreachable_server_exits_3(run_gc3store: Callable[..., Any],
                                               tmp_path: Path) -> None:
    result = run_gc3store("copy", str(tmp_path), UNREACHABLE["mysql"])

    assert_clean_error(result, 3, "cannot connect to")


@pytest.mark.parametrize("command", ["show", "rm"])
def test_an_unknown_id_exits_1_naming_it(run_gc3store: Callable[..., Any], tmp_path: Path,
                                         command: str) -> None:
    result = run_gc3store(command, str(tmp_path), "Task.404")

    assert_clean_error(result, 1, f"no object with ID 'Task.404' in file://{tmp_path}")


def test_a_malformed_id_exits_1_naming_it(run_gc3store: Callable[..., Any],
                                          tmp_path: Path) -> None:
    result = run_gc3store("show", str(tmp_path), "../../etc/passwd")

    assert_clean_error(result, 1, "malformed object ID '../../etc/passwd'")


def test_an_object_whose_class_cannot_be_imported_exits_1(run_gc3store: Callable[..., Any],
                                                          tmp_path: Path) -> None:
    # a record as GC3Pie writes them, a bare pickle, of an instance of a class nobody has
    (tmp_path / "Stranger.1").write_bytes(b"\x80\x02cno_such_module\nStranger\n)\x81.")

    result = run_gc3store("show", str(tmp_path), "Stranger.1")

    assert_clean_error(result, 1, "cannot load 'Stranger.1'",
                       "No module named 'no_such_module'")
