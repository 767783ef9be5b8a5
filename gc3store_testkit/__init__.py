"""gc3store_testkit: certify that a Store backend keeps the gc3store / gc3libs.persistence contract.

Two ways to run the contract suite:

- ``pytest --store-uri=URI`` (or ``--store-factory=MODULE:CALLABLE``) in any
  directory runs every contract test against that store;
- in your own tests, subclass `StoreContract` and define a ``store_factory``
  fixture returning a callable that opens a new store instance.

`validate` wraps a store in a proxy that checks the contract on every call.
"""

from __future__ import annotations

from typing import Any

from gc3store_testkit.capabilities import CAPABILITIES, DECLARATION_ATTRIBUTE
from gc3store_testkit.clauses import CLAUSES, CONTRACT_VERSION, Clause
from gc3store_testkit.harness import ContractFailure
from gc3store_testkit.validate import ValidatingStore, validate

__all__ = [
    "CAPABILITIES",
    "CLAUSES",
    "CONTRACT_VERSION",
    "DECLARATION_ATTRIBUTE",
    "Clause",
    "ContractFailure",
    "StoreContract",
    "ValidatingStore",
    "validate",
]


def __getattr__(name: str) -> Any:
    # the contract tests bind to the store API when first imported, so only on demand
    if name == "StoreContract":
        from gc3store_testkit.contract import StoreContract
        return StoreContract
    raise AttributeError(f"module 'gc3store_testkit' has no attribute {name!r}")
