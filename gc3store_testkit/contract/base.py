"""What every contract test class shares: the `kit` fixture and the clause marker.

The implementer supplies one fixture, ``store_factory`` (a callable that
opens a new store instance on the storage under test); the kit's own
``--store-uri`` and ``--store-factory`` options supply it through the
plugin.  Nobody overrides `kit`, which also ends a test of an extension
the store does not offer before it begins (`NotOffered`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import pytest

from gc3store_testkit.clauses import clause as lookup_clause
from gc3store_testkit.extensions import BY_CLAUSE, Extension, checked_names
from gc3store_testkit.harness import KitOptions, NotOffered, StoreHarness

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


def extension_of(item: pytest.Item) -> Extension | None:
    """The extension whose clause `item` checks, or None for a clause of the contract."""
    marker = item.get_closest_marker(CLAUSE_MARK)
    return None if marker is None else BY_CLAUSE.get(marker.args[0])


def _fixture_or_none(request: pytest.FixtureRequest, name: str) -> Any:
    """The value of the fixture `name`, which the kit does not define: None if nobody did."""
    try:
        return request.getfixturevalue(name)
    except pytest.FixtureLookupError:
        return None


def _offered(harness: StoreHarness, extension: Extension) -> bool:
    # a -p module or a StoreContract subclass may bring the means to damage records itself
    return harness.offers(extension.name) or (
        extension.name == "integrity" and harness.record_corrupter is not None)


class ContractTests:
    """Base of the contract test classes."""

    @pytest.fixture
    def kit(self, store_factory: Callable[[], Any], other_store_factory: Callable[[], Any] | None,
            required_extensions: Iterable[str],
            request: pytest.FixtureRequest) -> Iterator[StoreHarness]:
        required = checked_names(required_extensions, "the required_extensions fixture")
        harness = StoreHarness(store_factory, kit_options(request.config), other_store_factory,
                               required)
        request.node.stash[HARNESS_KEY] = harness
        harness.record_corrupter = _fixture_or_none(request, "record_corrupter")
        extension = extension_of(request.node)
        try:
            if extension is not None and not _offered(harness, extension):
                raise NotOffered(f"{type(harness.store.wrapped).__qualname__} does not offer "
                                 f"the {extension.name!r} extension")
            yield harness
        finally:
            harness.cleanup()
            harness.close()
