"""``gc3store certify URI [pytest options]``: runs the kit as ``pytest --store-uri=URI`` does,
from an empty temporary directory, and exits with pytest's status."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def test_certify_a_file_store_given_by_a_relative_path(run_gc3store: Callable[..., Any],
                                                       tmp_path: Path) -> None:
    # the command runs in tmp_path; pytest runs elsewhere, so the path must be made absolute
    result = run_gc3store("certify", "relative-store", "-q", "--store-report=report.json")

    assert result.status == 0, result.stdout[-3000:] + result.stderr
    assert f"store: {tmp_path / 'relative-store'}" in result.stdout
    assert "verdict: CERTIFIED" in result.stdout
    assert (tmp_path / "relative-store").is_dir()
    assert "CERTIFIED" in json.dumps(json.loads((tmp_path / "report.json").read_text()))


def test_certify_passes_options_to_pytest_and_exits_with_its_status(
        run_gc3store: Callable[..., Any], tmp_path: Path) -> None:
    # one test of clause 1 runs: the kit calls that INCOMPLETE, and pytest's status is 1
    result = run_gc3store("certify", "sqlite:///relative.db", "-k",
                          "test_store_has_every_method_of_the_interface",
                          "--store-report", "partial.json")

    assert result.status == 1, result.stdout[-3000:] + result.stderr
    assert "1 passed" in result.stdout
    assert f"certifying: sqlite:///{tmp_path}/relative.db" in result.stdout
    assert "verdict: INCOMPLETE" in result.stdout
    assert "INCOMPLETE" in json.dumps(json.loads((tmp_path / "partial.json").read_text()))
