"""The kit certifies `plain_store`, a backend on `gc3store.Store` alone, as its author would.

The kit runs in a new pytest process in an empty directory, with ``-p plain_store`` and a
``plain://`` URI, exactly as ``docs/certify.md`` tells a third-party author to run it.  The store
offers no extension, so every extension reads "not offered", and requiring one fails the run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import KitRun

CONTRACT_CLAUSES = range(1, 13)
EXTENSIONS = {"batch", "integrity", "changed_flag", "durability"}
EXTENSION_KEYS = {"name", "clause", "status", "offered", "required", "reason"}


def run_on_plain_store(run_kit: Callable[..., KitRun], storage: Path, *args: str) -> KitRun:
    return run_kit("-p", "plain_store", f"--store-uri=plain://{storage}", *args)


def contract_statuses(run: KitRun) -> dict[int, str | None]:
    statuses = run.statuses()
    return {number: statuses.get(number) for number in CONTRACT_CLAUSES}


def extensions_by_name(run: KitRun) -> dict[str, dict[str, object]]:
    extensions = run.store()["extensions"]
    assert isinstance(extensions, list), run.describe()
    assert all(isinstance(entry, dict) and set(entry) == EXTENSION_KEYS
               for entry in extensions), extensions
    return {str(entry["name"]): entry for entry in extensions}


def test_the_plain_store_is_certified_and_offers_no_extension(
        run_kit: Callable[..., KitRun], storage: Path) -> None:
    run = run_on_plain_store(run_kit, storage)
    assert run.outcome.ret == 0, run.describe()
    assert run.verdict == "CERTIFIED", run.describe()
    assert contract_statuses(run) == dict.fromkeys(CONTRACT_CLAUSES, "passed"), run.describe()
    extensions = extensions_by_name(run)
    assert set(extensions) == EXTENSIONS, extensions
    offered = {name: (entry["status"], entry["offered"]) for name, entry in extensions.items()}
    assert offered == dict.fromkeys(EXTENSIONS, ("not offered", False)), run.describe()


def test_requiring_batches_of_the_plain_store_fails_the_run(
        run_kit: Callable[..., KitRun], storage: Path) -> None:
    run = run_on_plain_store(run_kit, storage, "--store-require=batch")
    assert run.outcome.ret == 1, run.describe()
    assert run.verdict == "FAILED", run.describe()
    # the requirement alone fails it: the store keeps every clause of the contract
    assert contract_statuses(run) == dict.fromkeys(CONTRACT_CLAUSES, "passed"), run.describe()
    batch = extensions_by_name(run)["batch"]
    assert batch["required"] is True, batch
    assert batch["offered"] is False, f"the store has no batch(), so requiring it does not " \
                                      f"make it offered: {batch}"
    assert batch["reason"], batch
