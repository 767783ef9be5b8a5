"""What every contract test class shares: the `kit` fixture and the clause marker.

The implementer supplies one fixture, ``store_factory`` (a callable that
opens a new store instance on the storage under test); the kit's own
``--store-uri`` and ``--store-factory`` options supply it through the
plugin.  Nobody overrides `kit`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from gc3store_testkit.clauses import clause as lookup_clause
from gc3store_testkit.harness import KitOptions, StoreHarness

HARNESS_KEY = pytest.StashKey[StoreHarness]()
CLAUSE_MARK = "gc3store_clause"
REQUIRES_MARK = "gc3store_requires"

_Test = TypeVar("_Test", bound=Callable[..., Any])


def clause(number: int, *, requires: str | None = None) -> Callable[[_Test], _Test]:
    """Mark a test as checking clause `number`, needing capability `requires` if given."""
    lookup_clause(number)

    def mark(test: _Test) -> _Test:
        marked = getattr(pytest.mark, CLAUSE_MARK)(number)(test)
        if requires is not None:
            marked = getattr(pytest.mark, REQUIRES_MARK)(requires)(marked)
        return marked  # type: ignore[no-any-return]

    return mark


def kit_options(config: pytest.Config) -> KitOptions:
    """The kit's settings from the command line, or their defaults."""
    defaults = KitOptions()
    return KitOptions(
        timeout=float(config.getoption("store_timeout", default=defaults.timeout)),
        examples=int(config.getoption("store_examples", default=defaults.examples)))


class ContractTests:
    """Base of the contract test classes."""

    @pytest.fixture
    def kit(self, store_factory: Callable[[], Any],
            request: pytest.FixtureRequest) -> Iterator[StoreHarness]:
        harness = StoreHarness(store_factory, kit_options(request.config))
        request.node.stash[HARNESS_KEY] = harness
        yield harness
        harness.cleanup()
