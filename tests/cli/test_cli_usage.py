"""The command line itself: help with examples for the command and every subcommand, usage
errors, ``python -m gc3store`` and the ``gc3store`` console script."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gc3store import __version__

SUBCOMMANDS = ("certify", "ls", "show", "rm", "copy")
CONSOLE_SCRIPT = Path(sys.executable).with_name("gc3store")


def test_help_names_every_subcommand_with_examples_and_exit_statuses(
        run_gc3store: Callable[..., Any]) -> None:
    result = run_gc3store("--help")

    assert result.status == 0, result.stderr
    for name in SUBCOMMANDS:
        assert f"\n    {name} " in result.stdout
    assert "examples:" in result.stdout
    assert "exit status:" in result.stdout


@pytest.mark.parametrize("subcommand", SUBCOMMANDS)
def test_every_subcommand_has_help_with_examples(run_gc3store: Callable[..., Any],
                                                subcommand: str) -> None:
    result = run_gc3store(subcommand, "--help")

    assert result.status == 0, result.stderr
    assert result.stdout.startswith(f"usage: gc3store {subcommand} ")
    assert f"examples:\n  gc3store {subcommand} " in result.stdout


def test_version_is_the_package_version(run_gc3store: Callable[..., Any]) -> None:
    result = run_gc3store("--version")

    assert (result.status, result.stdout.strip()) == (0, f"gc3store {__version__}")


@pytest.mark.parametrize(("args", "complaint"), [
    ((), "the following arguments are required: COMMAND"),
    (("frobnicate",), "invalid choice: 'frobnicate'"),
    (("show", "/tmp"), "the following arguments are required: ID"),
    (("rm", "/tmp"), "the following arguments are required: ID"),
    (("ls", "/tmp", "--where", "state"), "expected COLUMN=VALUE"),
])
def test_a_usage_error_exits_2_with_argparse_message(run_gc3store: Callable[..., Any],
                                                    args: tuple[str, ...],
                                                    complaint: str) -> None:
    result = run_gc3store(*args)

    assert result.status == 2
    assert result.stderr.startswith("usage: gc3store")
    assert complaint in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(not CONSOLE_SCRIPT.exists(),
                    reason=f"the gc3store console script is not installed ({CONSOLE_SCRIPT} is "
                           f"missing): pyproject.toml needs [project.scripts] gc3store = "
                           f"\"gc3store.cli:main\" and a reinstall (pip install -e .)")
def test_the_console_script_runs_the_command(tmp_path: Path) -> None:
    completed = subprocess.run([str(CONSOLE_SCRIPT), "ls", str(tmp_path)], capture_output=True,
                               text=True, timeout=60, check=False)

    assert (completed.returncode, completed.stdout, completed.stderr) == (0, "", "")
