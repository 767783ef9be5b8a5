"""The examples of README.md and docs/certify.md run as they are written."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"


@pytest.fixture
def examples_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        filter(None, [str(EXAMPLES), os.environ.get("PYTHONPATH")])))


@pytest.mark.usefixtures("examples_importable")
def test_the_dbm_example_is_certified_from_the_command_line(
        run_kit: Callable[..., Any], storage: Path) -> None:
    storage.mkdir()
    run = run_kit("-p", "dbm_store", f"--store-uri=dbm://{storage}/example.dbm")
    assert run.verdict == "CERTIFIED", run.describe()
    # dbm.dumb files are unsafe for concurrent writers, though a short test may not show it
    assert run.statuses()[9] in ("unsupported", "passed")
    assert run.outcome.ret == 0


@pytest.mark.usefixtures("examples_importable")
def test_the_dbm_example_is_certified_through_store_contract(
        run_kit: Callable[..., Any], pytester: pytest.Pytester) -> None:
    certify = (ROOT / "docs" / "certify.md").read_text()
    start = certify.index("import functools")
    pytester.makepyfile(test_dbm=certify[start:certify.index("```", start)])
    run = run_kit()
    assert run.verdict == "CERTIFIED", run.describe()
    assert run.outcome.ret == 0


def test_the_readme_example_saves_and_loads(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("from gc3store import Persistable, make_store")
    code = readme[start:readme.index("```", start)].replace("/tmp/tasks.db",
                                                          str(tmp_path / "tasks.db"))
    script = tmp_path / "example.py"
    script.write_text(code)
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            timeout=60, check=False)
    assert (result.returncode, result.stdout, result.stderr) == (0, "align reads\n", "")
