"""Fixtures for testing the kit: `run_kit` runs it in a new pytest process and reads its report."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

TESTKIT_DIRECTORY = Path(__file__).parent
"""Holds broken_stores.py and broken_apis/, which the kit's child processes must import too."""

KIT_RUN_TIMEOUT = 180.0
"""Bounds one whole kit run, hangs included (the kit bounds its own children's waits)."""


@dataclass
class KitRun:
    """What one run of the kit printed, returned, and wrote to its JSON report."""

    outcome: pytest.RunResult
    report: dict[str, Any]

    @property
    def verdict(self) -> str:
        return str(self.report["verdict"])

    @property
    def output(self) -> str:
        return self.outcome.stdout.str()

    def store(self, label: str | None = None) -> dict[str, Any]:
        """The report of the store labelled `label` (the only store, by default)."""
        stores = self.report["stores"]
        if label is None:
            assert len(stores) == 1, f"the run certified several stores: {self.labels()}"
            return dict(stores[0])
        matching = [store for store in stores if store["store"] == label]
        assert matching, f"no store {label!r} in the report, only {self.labels()}"
        return dict(matching[0])

    def labels(self) -> list[str]:
        return [store["store"] for store in self.report["stores"]]

    def statuses(self, label: str | None = None) -> dict[int, str]:
        """Each clause's status for one store: passed, failed, hung, incomplete, unsupported."""
        return {clause["number"]: clause["status"] for clause in self.store(label)["clauses"]}

    def reasons(self, label: str | None = None) -> dict[int, str]:
        """Why each clause has its status, where the kit says why."""
        return {clause["number"]: clause["reason"] for clause in self.store(label)["clauses"]}

    def clauses_with(self, status: str, label: str | None = None) -> set[int]:
        return {number for number, seen in self.statuses(label).items() if seen == status}

    def describe(self) -> str:
        """The run's certification summary and failures, for assertion messages."""
        return self.output[-6000:]


@pytest.fixture
def run_kit(pytester: pytest.Pytester,
            monkeypatch: pytest.MonkeyPatch) -> Callable[..., KitRun]:
    """Run ``pytest ARGS`` in a new process, in an empty directory, with the zoo importable.

    The kit's summary goes to a JSON report that the returned `KitRun` holds.
    """
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        filter(None, [str(TESTKIT_DIRECTORY), os.environ.get("PYTHONPATH")])))
    numbers = itertools.count(1)

    def run(*args: str) -> KitRun:
        report = pytester.path / f"report-{next(numbers)}.json"
        outcome = pytester.runpytest_subprocess("-p", "no:cacheprovider",
                                                f"--store-report={report}", *args,
                                                timeout=KIT_RUN_TIMEOUT)
        assert report.exists(), f"the kit wrote no report:\n{outcome.stdout.str()[-3000:]}\n" \
                                f"{outcome.stderr.str()[-3000:]}"
        return KitRun(outcome, json.loads(report.read_text()))

    return run


@pytest.fixture
def storage(pytester: pytest.Pytester) -> Path:
    """A directory for the store under test (the store creates it)."""
    return pytester.path / "storage"
