"""The contract tests, one module per clause area; `StoreContract` gathers them into one class."""

from __future__ import annotations

from gc3store_testkit.contract.test_batches import TestBatches
from gc3store_testkit.contract.test_durability import TestDurability
from gc3store_testkit.contract.test_failures import TestFailures
from gc3store_testkit.contract.test_fork import TestFork
from gc3store_testkit.contract.test_hostile_ids import TestHostileIds
from gc3store_testkit.contract.test_ids import TestIds
from gc3store_testkit.contract.test_interface import TestInterface
from gc3store_testkit.contract.test_listing import TestListing
from gc3store_testkit.contract.test_loading import TestLoading
from gc3store_testkit.contract.test_model import TestModel
from gc3store_testkit.contract.test_persistable import TestPersistable
from gc3store_testkit.contract.test_registry import TestRegistry
from gc3store_testkit.contract.test_removing import TestRemoving
from gc3store_testkit.contract.test_replacing import TestReplacing
from gc3store_testkit.contract.test_saving import TestSaving

AREAS = (TestInterface, TestIds, TestSaving, TestLoading, TestReplacing, TestRemoving,
         TestListing, TestPersistable, TestFork, TestFailures, TestHostileIds, TestRegistry,
         TestModel, TestBatches, TestDurability)


class StoreContract(TestInterface, TestIds, TestSaving, TestLoading, TestReplacing, TestRemoving,
                    TestListing, TestPersistable, TestFork, TestFailures, TestHostileIds,
                    TestRegistry, TestModel, TestBatches, TestDurability):
    """Every contract test: subclass it, with a ``store_factory`` fixture, to certify a backend.

    ::

        class TestMyStore(StoreContract):
            @pytest.fixture
            def store_factory(self, tmp_path):
                return functools.partial(MyStore, tmp_path / "data")
    """
