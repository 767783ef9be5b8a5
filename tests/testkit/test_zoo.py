"""The kit against the zoo: every broken store fails the clauses it breaks, and no other clause.

Each run is a whole kit run (``pytest --store-uri=...``) in a new process,
read back through its JSON report.  The correct parent stores, opened both
directly and through the zoo's plumbing, must be certified: a kit that
failed everything would otherwise pass this module too.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import broken_apis
import broken_stores
import pytest
from conftest import KitRun

from gc3store import MemoryStore

KIT_OPTIONS = ("--store-timeout=10", "--store-examples=10")


@dataclass(frozen=True)
class Flaw:
    """One broken implementation, and what the kit must say about it."""

    name: str
    clause: int
    also_breaks: frozenset[int]
    hangs: bool
    scheme: str = "file"
    api: str | None = None
    in_memory: bool = False

    def arguments(self, storage: Path) -> list[str]:
        uri = f"{self.scheme}://{self.name}" if self.in_memory else f"{self.scheme}://{storage}"
        api = [f"--store-api={self.api}"] if self.api else []
        return ["-p", "broken_stores", f"--store-uri={uri}", *api, *KIT_OPTIONS]


def broken_api_modules() -> Iterator[ModuleType]:
    for module in pkgutil.iter_modules(broken_apis.__path__, f"{broken_apis.__name__}."):
        yield importlib.import_module(module.name)


def flaws() -> Iterator[object]:
    for scheme, store in broken_stores.ZOO.items():
        yield pytest.param(Flaw(scheme, store.clause, store.also_breaks, store.hangs, scheme,
                                in_memory=issubclass(store, MemoryStore)), id=scheme)
    for module in broken_api_modules():
        name = module.__name__.rpartition(".")[2]
        yield pytest.param(Flaw(name, module.CLAUSE, frozenset(), False, api=module.__name__),
                           id=f"api-{name}")


def describe(run: KitRun) -> str:
    return f"verdict {run.verdict}, clauses {run.statuses()}\n{run.describe()}"


@pytest.mark.parametrize("flaw", flaws())
def test_kit_fails_exactly_the_clauses_a_broken_store_breaks(
        flaw: Flaw, run_kit: Callable[..., KitRun], storage: Path) -> None:
    run = run_kit(*flaw.arguments(storage))
    assert run.outcome.ret != 0, describe(run)
    if flaw.hangs:
        assert run.verdict == "INCOMPLETE", describe(run)
        assert run.clauses_with("hung") == {flaw.clause}, describe(run)
        assert run.clauses_with("failed") == set(flaw.also_breaks), describe(run)
    else:
        assert run.verdict == "FAILED", describe(run)
        assert run.clauses_with("failed") == {flaw.clause} | flaw.also_breaks, describe(run)
    untouched = set(run.statuses()) - {flaw.clause} - flaw.also_breaks
    others = {number: run.statuses()[number] for number in untouched}
    assert set(others.values()) <= {"passed", "unsupported"}, describe(run)


def test_correct_stores_are_certified(run_kit: Callable[..., KitRun], storage: Path) -> None:
    uris = [f"file://{storage}/file", "memory://control",
            f"zoo-file://{storage}/zoo-file", "zoo-memory://control"]
    run = run_kit("-p", "broken_stores", *(f"--store-uri={uri}" for uri in uris), *KIT_OPTIONS)
    assert run.outcome.ret == 0, run.describe()
    assert run.verdict == "CERTIFIED", run.describe()
    assert run.labels() == uris
    for uri in uris:
        assert run.store(uri)["verdict"] == "CERTIFIED", run.describe()


def test_every_broken_store_names_one_clause_in_its_docstring() -> None:
    for scheme, store in broken_stores.ZOO.items():
        assert (store.__doc__ or "").startswith(f"Clause {store.clause}: "), scheme
    for module in broken_api_modules():
        assert (module.__doc__ or "").startswith(f"Clause {module.CLAUSE}: "), module.__name__


def test_the_zoo_has_a_flaw_for_every_clause() -> None:
    broken = {store.clause for store in broken_stores.ZOO.values()}
    broken |= {module.CLAUSE for module in broken_api_modules()}
    assert broken == set(range(1, 13))
