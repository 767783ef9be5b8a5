"""The kit against the zoo: every broken store fails the clauses it breaks, and no other clause.

Each kit run is a whole ``pytest --store-uri=...`` run in a new process,
read back through its JSON report.  To keep the zoo quick, one run
certifies a few broken stores at once (``--store-uri`` given several
times); each store is judged on its own, in a subtest named after it.  The
correct parent stores, opened directly and through the zoo's plumbing,
must be certified: a kit that failed everything would pass the rest.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import broken_apis
import broken_stores
import pytest

from gc3store import MemoryStore
from gc3store_testkit.clauses import CLAUSES

if TYPE_CHECKING:
    from conftest import KitRun

KIT_OPTIONS = ("--store-timeout=10", "--store-examples=10")
STORES_PER_RUN = 6


@dataclass(frozen=True)
class Flaw:
    """One broken implementation, and what the kit must say about it."""

    name: str
    clause: int
    also_breaks: frozenset[int] = frozenset()
    hangs: bool = False
    scheme: str = "file"
    in_memory: bool = False
    api: str | None = None

    @classmethod
    def of_store(cls, store: Any) -> Flaw:
        return cls(store.scheme, store.clause, store.also_breaks, store.hangs, store.scheme,
                   issubclass(store, MemoryStore))

    @classmethod
    def of_api(cls, module: ModuleType) -> Flaw:
        return cls(module.__name__.rpartition(".")[2], module.CLAUSE, scheme="zoo-file",
                   api=module.__name__)

    def uri(self, storage: Path) -> str:
        if self.in_memory:
            return f"{self.scheme}://{self.name}"
        return f"{self.scheme}://{storage / self.name}"


def broken_api_modules() -> list[ModuleType]:
    return [importlib.import_module(module.name) for module in
            pkgutil.iter_modules(broken_apis.__path__, f"{broken_apis.__name__}.")]


def store_batches() -> Iterator[Any]:
    # the runs that wait out a hang go first, so that the others fill the time
    flaws = sorted((Flaw.of_store(store) for store in broken_stores.ZOO.values()),
                   key=lambda flaw: not flaw.hangs)
    for start in range(0, len(flaws), STORES_PER_RUN):
        batch = tuple(flaws[start:start + STORES_PER_RUN])
        yield pytest.param(batch, id="+".join(flaw.name for flaw in batch))


def check_reported(run: KitRun, flaw: Flaw, label: str) -> None:
    """The kit failed (or, for a hang, reported hung) the flaw's clauses, and no other."""
    store = run.store(label)
    reasons = {number: reason for number, reason in run.reasons(label).items() if reason}
    described = (f"{label}: verdict {store['verdict']}, clauses {run.statuses(label)}, "
                 f"because {reasons}")
    if flaw.hangs:
        assert store["verdict"] == "INCOMPLETE", described
        assert run.clauses_with("hung", label) == {flaw.clause}, described
        assert run.clauses_with("failed", label) == set(flaw.also_breaks), described
    else:
        assert store["verdict"] == "FAILED", described
        assert run.clauses_with("failed", label) == {flaw.clause} | flaw.also_breaks, described
    broken = {flaw.clause} | flaw.also_breaks
    for number, status in run.statuses(label).items():
        if number not in broken:
            assert status in ("passed", "unsupported", "not offered") or checked_elsewhere(
                run.reasons(label)[number], broken), f"clause {number}: {described}"


def checked_elsewhere(reason: str, broken: set[int]) -> bool:
    """Whether an incomplete clause's tests all ran, some failing on a clause the flaw breaks."""
    failed_on = {int(number) for number in re.findall(r"failed on clause (\d+)", reason)}
    return reason.startswith("not checked: ") and ";" not in reason and failed_on <= broken


@pytest.mark.parametrize("batch", list(store_batches()))
def test_kit_fails_exactly_the_clauses_broken_stores_break(
        batch: tuple[Flaw, ...], run_kit: Callable[..., KitRun], storage: Path,
        subtests: pytest.Subtests) -> None:
    labels = [flaw.uri(storage) for flaw in batch]
    run = run_kit("-p", "broken_stores", *(f"--store-uri={label}" for label in labels),
                  *KIT_OPTIONS)
    assert run.outcome.ret != 0, run.describe()
    assert run.labels() == labels, run.describe()
    for flaw, label in zip(batch, labels, strict=True):
        with subtests.test(flaw.name):
            check_reported(run, flaw, label)


@pytest.mark.parametrize("flaw", [pytest.param(Flaw.of_api(module), id=module.__name__)
                                  for module in broken_api_modules()])
def test_kit_fails_the_registry_clause_of_a_broken_api(
        flaw: Flaw, run_kit: Callable[..., KitRun], storage: Path) -> None:
    label = flaw.uri(storage)
    run = run_kit("-p", "broken_stores", f"--store-api={flaw.api}", f"--store-uri={label}",
                  *KIT_OPTIONS)
    assert run.outcome.ret != 0, run.describe()
    check_reported(run, flaw, label)


def test_correct_stores_are_certified(run_kit: Callable[..., KitRun], storage: Path) -> None:
    uris = [f"file://{storage}/file", "memory://control"]
    uris += [f"{scheme}://control" if issubclass(store, MemoryStore)
             else f"{scheme}://{storage / scheme}"
             for scheme, store in broken_stores.CONTROLS.items()]
    run = run_kit("-p", "broken_stores", *(f"--store-uri={uri}" for uri in uris), *KIT_OPTIONS)
    assert run.outcome.ret == 0, run.describe()
    assert run.verdict == "CERTIFIED", run.describe()
    assert run.labels() == uris
    for uri in uris:
        assert run.store(uri)["verdict"] == "CERTIFIED", run.describe()
        assert set(run.statuses(uri).values()) <= {"passed", "unsupported", "not offered"}, \
            run.describe()


def test_every_flaw_names_its_clause_in_its_docstring() -> None:
    for scheme, store in broken_stores.ZOO.items():
        assert (store.__doc__ or "").startswith(f"Clause {store.clause}: "), scheme
    for module in broken_api_modules():
        assert (module.__doc__ or "").startswith(f"Clause {module.CLAUSE}: "), module.__name__


def test_the_zoo_breaks_every_clause() -> None:
    broken = {store.clause for store in broken_stores.ZOO.values()}
    broken |= {module.CLAUSE for module in broken_api_modules()}
    assert broken == {clause.number for clause in CLAUSES}
