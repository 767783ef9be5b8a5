"""The kit's pytest plugin, run as its users run it: each route in, each verdict and report out."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from gc3store_testkit.clauses import CLAUSES, CONTRACT_VERSION
from gc3store_testkit.contract import StoreContract
from gc3store_testkit.extensions import EXTENSIONS

if TYPE_CHECKING:
    from conftest import KitRun

KIT_OPTIONS = ("--store-timeout=10", "--store-examples=10")
CONTRACT_TESTS = len([name for name in dir(StoreContract) if name.startswith("test_")])


def contract_tests_marked(mark: str, *args: object) -> list[str]:
    """The contract tests marked ``mark(*args)``."""
    return [name for name in dir(StoreContract) if name.startswith("test_") and any(
        marker.name == mark and marker.args == args
        for marker in getattr(getattr(StoreContract, name), "pytestmark", ()))]


DURABILITY_TESTS = len(contract_tests_marked("gc3store_clause", 16))
MEMORY_SKIPPED = DURABILITY_TESTS + len(
    contract_tests_marked("gc3store_requires", "shared_between_processes"))
"""The tests a memory store skips: it declares shared_between_processes unsupported, and it
does not offer durability."""

DECLARING_STORES = '''
"""Stores whose classes declare capabilities unsupported; registered as declare-*:// schemes."""

import multiprocessing
import threading
from urllib.parse import urlsplit

from gc3store import FilesystemStore, Store, register


class CannotListStore(FilesystemStore):
    unsupported_capabilities = frozenset({"list"})
    list = Store.list


class ListsAfterAllStore(FilesystemStore):
    unsupported_capabilities = frozenset({"list"})


class MisspeltStore(FilesystemStore):
    unsupported_capabilities = frozenset({"listing"})


class HangsInChildrenStore(FilesystemStore):
    def save(self, obj):
        if multiprocessing.parent_process() is not None:
            threading.Event().wait()
        return super().save(obj)


class IntegrityWithoutMeansStore(FilesystemStore):
    offered_extensions = frozenset({"integrity"})
    damage_record = None


class WithdrawsBatchStore(FilesystemStore):
    unsupported_capabilities = frozenset({"batch"})


SCHEMES = {"declare-no-list": CannotListStore, "declare-stale": ListsAfterAllStore,
           "declare-misspelt": MisspeltStore, "hangs-in-children": HangsInChildrenStore,
           "integrity-without-means": IntegrityWithoutMeansStore,
           "withdraws-batch": WithdrawsBatchStore}
for scheme, cls in SCHEMES.items():
    register(scheme, lambda url, cls=cls: cls(urlsplit(url).path, url=url, durable=False))
'''


@pytest.fixture
def declaring_stores(pytester: pytest.Pytester) -> tuple[str, ...]:
    """The plugin option that registers the declare-* and hangs-in-children schemes."""
    pytester.makepyfile(declaring_stores=DECLARING_STORES)
    return ("-p", "declaring_stores")


def test_the_fixture_route_certifies_a_store_contract_subclass(
        pytester: pytest.Pytester, run_kit: Callable[..., KitRun], storage: Path) -> None:
    pytester.makepyfile(test_my_store=f'''
        import functools

        import pytest

        from gc3store import FilesystemStore
        from gc3store_testkit import StoreContract


        class TestMyStore(StoreContract):
            @pytest.fixture
            def store_factory(self):
                return functools.partial(FilesystemStore, {str(storage)!r}, durable=False)

            @pytest.fixture
            def other_store_factory(self):
                return functools.partial(FilesystemStore, {str(storage) + "-other"!r},
                                         durable=False)
    ''')
    run = run_kit(*KIT_OPTIONS)
    assert run.outcome.ret == 0, run.describe()
    # a store that is not durable does not offer durability
    run.outcome.assert_outcomes(passed=CONTRACT_TESTS - DURABILITY_TESTS,
                                skipped=DURABILITY_TESTS)
    assert run.labels() == ["test_my_store.py::TestMyStore"]
    assert run.verdict == "CERTIFIED", run.describe()
    assert "store: test_my_store.py::TestMyStore" in run.output


def test_the_fixture_route_fails_a_broken_store(
        pytester: pytest.Pytester, run_kit: Callable[..., KitRun], storage: Path) -> None:
    pytester.makepyfile(test_broken_store=f'''
        import functools

        import pytest

        from broken_stores import ReplaceCreatesStore
        from gc3store_testkit import StoreContract


        class TestBrokenStore(StoreContract):
            @pytest.fixture
            def store_factory(self):
                return functools.partial(ReplaceCreatesStore, {str(storage)!r})
    ''')
    run = run_kit("-p", "broken_stores", "-k", "test_replace", *KIT_OPTIONS)
    assert run.outcome.ret == pytest.ExitCode.TESTS_FAILED, run.describe()
    assert run.verdict == "FAILED", run.describe()
    assert run.clauses_with("failed") == {5}, run.describe()


def test_store_factory_option_certifies_the_stores_a_callable_opens(
        pytester: pytest.Pytester, run_kit: Callable[..., KitRun], storage: Path) -> None:
    pytester.makepyfile(my_backend=f'''
        from gc3store import FilesystemStore


        def open_store():
            return FilesystemStore({str(storage)!r}, durable=False)


        def open_other_store():
            return FilesystemStore({str(storage) + "-other"!r}, durable=False)


        open_store.other_storage = open_other_store
    ''')
    run = run_kit("--store-factory=my_backend:open_store", *KIT_OPTIONS)
    assert run.outcome.ret == 0, run.describe()
    assert run.labels() == ["my_backend:open_store"]
    assert run.verdict == "CERTIFIED", run.describe()


def test_store_factory_option_refuses_what_is_not_a_callable(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(my_backend="NOT_A_FACTORY = 42\n")
    outcome = pytester.runpytest_subprocess("--store-factory=my_backend:NOT_A_FACTORY")
    assert outcome.ret == pytest.ExitCode.USAGE_ERROR
    outcome.stderr.fnmatch_lines(["*--store-factory 'my_backend:NOT_A_FACTORY' names a int, "
                                  "not a callable*"])


def test_store_api_option_certifies_through_a_shim_module(
        pytester: pytest.Pytester, run_kit: Callable[..., KitRun], storage: Path) -> None:
    pytester.makepyfile(my_api='''
        """Another implementation's API, as a shim: here, gc3store's own names."""

        from gc3store import LoadError, Persistable, Store, StoreError, make_store, register
    ''')
    run = run_kit("-p", "broken_stores", "--store-api=my_api",
                  f"--store-uri=zoo-file://{storage}", *KIT_OPTIONS)
    assert run.outcome.ret == 0, run.describe()
    assert run.verdict == "CERTIFIED", run.describe()
    assert f"gc3store contract version {CONTRACT_VERSION}, store API my_api" in run.output


def test_several_store_uris_are_each_certified(
        run_kit: Callable[..., KitRun], storage: Path) -> None:
    uris = [f"file://{storage}", "memory://several"]
    run = run_kit(*(f"--store-uri={uri}" for uri in uris), *KIT_OPTIONS)
    assert run.outcome.ret == 0, run.describe()
    assert run.labels() == uris
    run.outcome.stdout.fnmatch_lines([f"store: {uris[0]}", "*verdict: CERTIFIED",
                                      f"store: {uris[1]}", "*verdict: CERTIFIED",
                                      "overall verdict: CERTIFIED"])
    run.outcome.assert_outcomes(passed=2 * CONTRACT_TESTS - MEMORY_SKIPPED,
                                skipped=MEMORY_SKIPPED)


def test_a_declared_unsupported_capability_reads_not_supported(
        declaring_stores: tuple[str, ...], run_kit: Callable[..., KitRun],
        storage: Path) -> None:
    run = run_kit(*declaring_stores, f"--store-uri=declare-no-list://{storage}", *KIT_OPTIONS)
    assert run.outcome.ret == 0, run.describe()
    assert run.verdict == "CERTIFIED", run.describe()
    assert run.statuses()[7] == "unsupported", run.describe()
    assert run.clauses_with("unsupported") == {7}, run.describe()
    run.outcome.stdout.fnmatch_lines(["*7. Listing ...* not supported (declared)  "
                                      "(declared: list)"])


def test_a_stale_declaration_is_flagged(
        declaring_stores: tuple[str, ...], run_kit: Callable[..., KitRun],
        storage: Path) -> None:
    run = run_kit(*declaring_stores, f"--store-uri=declare-stale://{storage}", "-k",
                  "TestListing", *KIT_OPTIONS)
    assert run.store()["stale_declarations"] == ["list"], run.describe()
    assert run.statuses()[7] == "passed", run.describe()
    run.outcome.stdout.fnmatch_lines(["*stale declaration: 'list' is declared unsupported, "
                                      "but its tests passed*"])


def test_an_unknown_capability_name_is_an_error(
        declaring_stores: tuple[str, ...], run_kit: Callable[..., KitRun],
        storage: Path) -> None:
    run = run_kit(*declaring_stores, f"--store-uri=declare-misspelt://{storage}",
                  "-k", "TestInterface or TestListing", *KIT_OPTIONS)
    assert run.outcome.ret == pytest.ExitCode.TESTS_FAILED, run.describe()
    assert run.verdict == "FAILED", run.describe()
    assert run.clauses_with("failed") == {1}, run.describe()
    assert "MisspeltStore.unsupported_capabilities names unknown capabilities ['listing']" \
        in run.output


def test_deselected_tests_make_the_verdict_incomplete(
        run_kit: Callable[..., KitRun], storage: Path) -> None:
    run = run_kit("-p", "broken_stores", f"--store-uri=zoo-file://{storage}", "-k",
                  "not test_ids_are_strings", *KIT_OPTIONS)
    assert run.outcome.ret != 0, run.describe()
    assert run.verdict == "INCOMPLETE", run.describe()
    assert run.clauses_with("incomplete") == {2}, run.describe()
    clause_2 = run.store()["clauses"][1]
    assert clause_2["reason"] == "not run: test_ids_are_strings", run.describe()
    run.outcome.stdout.fnmatch_lines(["*2. Unique IDs ...* INCOMPLETE  "
                                      "(not run: test_ids_are_strings)",
                                      "*verdict: INCOMPLETE"])


def test_a_child_that_hangs_is_reported_hung_within_the_timeout(
        declaring_stores: tuple[str, ...], run_kit: Callable[..., KitRun],
        storage: Path) -> None:
    run = run_kit(*declaring_stores, f"--store-uri=hangs-in-children://{storage}",
                  "--store-timeout=2", "--store-examples=10")
    assert run.outcome.ret != 0, run.describe()
    assert run.verdict == "INCOMPLETE", run.describe()
    assert run.clauses_with("hung") == {2, 9, 10}, run.describe()
    assert run.clauses_with("failed") == set(), run.describe()
    assert "did not finish within 2 s" in run.output or "sent nothing for 2 s" in run.output
    run.outcome.stdout.fnmatch_lines(["*9. Fork ...* HUNG  (a child process hung in *)"])
    # each hung child wrote where it waited: in the store's save, on the event it never gets
    assert re.search(r"was waiting in:\n(.*\n)*.* in wait\n(.*\n)*.* in save\n",
                     run.output), run.describe()


def test_the_json_report_holds_the_verdict_of_every_clause(
        run_kit: Callable[..., KitRun], storage: Path) -> None:
    run = run_kit("-p", "broken_stores", f"--store-uri=zoo-file://{storage}", *KIT_OPTIONS)
    assert run.report["contract_version"] == CONTRACT_VERSION
    assert run.report["verdict"] == "CERTIFIED"
    store = run.store()
    assert store["store"] == f"zoo-file://{storage}"
    assert store["verdict"] == "CERTIFIED"
    assert [(c["number"], c["title"]) for c in store["clauses"]] == [
        (clause.number, clause.title) for clause in CLAUSES]
    # the zoo's file store is not durable, and so does not offer durability
    assert {c["number"]: c["status"] for c in store["clauses"]} == {
        clause.number: "not offered" if clause.extension == "durability" else "passed"
        for clause in CLAUSES}
    tests = {name: outcome for clause in store["clauses"] for name, outcome
             in clause["tests"].items()}
    assert len(tests) == CONTRACT_TESTS
    assert tests == {name: "not offered" if name in contract_tests_marked("gc3store_clause", 16)
                     else "passed" for name in tests}
    assert store["extensions"] == [
        {"name": extension.name, "clause": extension.clause,
         "status": "not offered" if extension.name == "durability" else "passed",
         "offered": extension.name != "durability", "required": False, "reason": ""}
        for extension in EXTENSIONS.values()]


def test_a_failure_message_names_the_clause_then_expected_and_seen_then_the_calls(
        run_kit: Callable[..., KitRun], storage: Path) -> None:
    run = run_kit("-p", "broken_stores", f"--store-uri=replace-returns-id://{storage}",
                  "-k", "test_replace_stores_a_copy_under_the_id", *KIT_OPTIONS)
    section = run.output.split("= FAILURES =")[1].split("= gc3store certification =")[0]
    body = section.split("\n", 2)[2]
    assert body.startswith("Clause 5 (Replacing): replace(id, obj) stores a copy"), body
    assert "ContractFailure: replace() returns None\n" in body, body
    assert re.search(r"expected: None\n.* seen: +'Task\.\d+'\n", body), body
    listed = body.split("Store calls made by this test:\n")[1]
    calls = [line.strip() for line in listed.splitlines() if re.match(r" *\d+\. ", line)]
    assert len(calls) == 3, calls
    assert re.fullmatch(r"1\. store1 = store_factory\(\) -> ReplaceReturnsIdStore\(.*", calls[0])
    assert re.fullmatch(r"3\. store1\.replace\('Task\.\d+', <.*>\) -> 'Task\.\d+'", calls[2])


def test_pytest_xdist_gives_the_same_verdicts(
        run_kit: Callable[..., KitRun], storage: Path) -> None:
    correct, broken = f"file://{storage}/correct", f"replace-creates://{storage}/broken"
    run = run_kit("-p", "broken_stores", "-n", "2", f"--store-uri={correct}",
                  f"--store-uri={broken}", *KIT_OPTIONS)
    assert run.outcome.ret == pytest.ExitCode.TESTS_FAILED, run.describe()
    assert run.store(correct)["verdict"] == "CERTIFIED", run.describe()
    assert run.store(broken)["verdict"] == "FAILED", run.describe()
    assert run.clauses_with("failed", broken) == {5}, run.describe()
    assert run.clauses_with("passed", correct) == {clause.number for clause in CLAUSES}


def test_the_kit_runs_in_an_empty_directory(
        pytester: pytest.Pytester, run_kit: Callable[..., KitRun]) -> None:
    assert list(pytester.path.iterdir()) == []
    run = run_kit("--store-uri=memory://empty-directory", *KIT_OPTIONS)
    assert run.outcome.ret == 0, run.describe()
    run.outcome.assert_outcomes(passed=CONTRACT_TESTS - MEMORY_SKIPPED, skipped=MEMORY_SKIPPED)
    assert run.verdict == "CERTIFIED", run.describe()


def test_tests_of_processes_sharing_the_storage_run_after_all_others(
        pytester: pytest.Pytester) -> None:
    # a store that declares it cannot be shared has those tests run too; whatever damage they do
    # to its storage must not fail the tests of clauses it keeps
    recorded = pytester.inline_run("--collect-only", "-p", "no:cacheprovider",
                                   "--store-uri=memory://order")
    items = recorded.getcalls("pytest_collection_finish")[0].session.items
    concurrent = [item.get_closest_marker("gc3store_requires") is not None and
                  item.get_closest_marker("gc3store_requires").args[0] ==
                  "shared_between_processes" for item in items]
    assert any(concurrent)
    assert not any(concurrent) or concurrent == sorted(concurrent)


def test_extensions_are_reported_offered_or_not(run_kit: Callable[..., KitRun]) -> None:
    run = run_kit("--store-uri=memory://extensions", *KIT_OPTIONS)
    assert run.outcome.ret == 0, run.describe()
    assert run.verdict == "CERTIFIED", run.describe()
    assert {e["name"]: e["status"] for e in run.store()["extensions"]} == {
        "batch": "passed", "integrity": "passed", "changed_flag": "passed",
        "durability": "not offered"}
    run.outcome.stdout.fnmatch_lines(["  extensions, checked where offered:",
                                      "   13. batch ...* offered, passed",
                                      "   16. durability ...* not offered"])


def test_a_required_extension_the_store_does_not_offer_fails_the_run(
        run_kit: Callable[..., KitRun]) -> None:
    run = run_kit("--store-uri=memory://required", "--store-require=batch,durability",
                  "-k", "TestDurability or TestBatches", *KIT_OPTIONS)
    assert run.outcome.ret == pytest.ExitCode.TESTS_FAILED, run.describe()
    assert run.verdict == "FAILED", run.describe()
    extensions = {e["name"]: e for e in run.store()["extensions"]}
    assert extensions["durability"]["required"] is True
    assert (extensions["durability"]["status"], extensions["durability"]["offered"]) == (
        "not offered", False), run.describe()
    assert "the 'durability' extension is required, but not offered" in run.output
    assert (extensions["batch"]["required"], extensions["batch"]["status"]) == (True, "passed")
    run.outcome.stdout.fnmatch_lines(["   16. durability (required) ...* not offered  (required, "
                                      "but not offered*"])


def test_an_unknown_extension_required_is_a_usage_error(pytester: pytest.Pytester) -> None:
    outcome = pytester.runpytest_subprocess("--store-uri=memory://x", "--store-require=batches")
    assert outcome.ret == pytest.ExitCode.USAGE_ERROR
    assert ("--store-require names unknown extensions ['batches']; the extensions are "
            "['batch', 'changed_flag', 'durability', 'integrity']") in outcome.stderr.str()


def test_a_scheme_nobody_registered_is_a_usage_error_before_any_test(
        pytester: pytest.Pytester) -> None:
    outcome = pytester.runpytest_subprocess("--store-uri=theirs:///data/store")
    assert outcome.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in outcome.stderr.lines if line.strip()]
    assert len(errors) == 1, errors
    assert "no store is registered for the scheme 'theirs' (known: file, mariadb, memory" \
        in errors[0], errors
    assert "load it with -p MODULE" in errors[0]
    assert "passed" not in outcome.stdout.str()
    assert "failed" not in outcome.stdout.str()


def test_an_extension_declared_without_a_means_to_check_it_is_not_run(
        declaring_stores: tuple[str, ...], run_kit: Callable[..., KitRun],
        storage: Path) -> None:
    run = run_kit(*declaring_stores, f"--store-uri=integrity-without-means://{storage}",
                  *KIT_OPTIONS)
    assert run.outcome.ret == 0, run.describe()
    assert run.verdict == "CERTIFIED", run.describe()
    [integrity] = [e for e in run.store()["extensions"] if e["name"] == "integrity"]
    assert (integrity["status"], integrity["offered"]) == ("not run", True), run.describe()
    assert "define damage_record(id_, where) on the class" in integrity["reason"]
    run.outcome.stdout.fnmatch_lines(["   14. integrity ...* offered, NOT-RUN  (*"])


CORRUPTING_PLUGIN = '''
"""A record_corrupter fixture, for stores that keep a record per file and have no damage_record."""

import pytest

from gc3store.records import flip_byte


@pytest.fixture
def record_corrupter():
    def damage(store, id_, where):
        path = f"{store.directory}/{id_}"
        with open(path, "rb") as record:
            data = record.read()
        with open(path, "wb") as record:
            record.write(flip_byte(data, where))
    return damage
'''


def test_a_record_corrupter_fixture_in_a_plugin_module_checks_integrity(
        declaring_stores: tuple[str, ...], pytester: pytest.Pytester,
        run_kit: Callable[..., KitRun], storage: Path) -> None:
    pytester.makepyfile(corrupting=CORRUPTING_PLUGIN)
    run = run_kit(*declaring_stores, "-p", "corrupting", "-k", "damaged",
                  f"--store-uri=integrity-without-means://{storage}", *KIT_OPTIONS)
    [integrity] = [e for e in run.store()["extensions"] if e["name"] == "integrity"]
    assert integrity["status"] == "passed", run.describe()


def test_a_batch_declared_unsupported_withdraws_the_offer(
        declaring_stores: tuple[str, ...], run_kit: Callable[..., KitRun],
        storage: Path) -> None:
    run = run_kit(*declaring_stores, f"--store-uri=withdraws-batch://{storage}", "-k",
                  "TestBatches", *KIT_OPTIONS)
    [batch] = [e for e in run.store()["extensions"] if e["name"] == "batch"]
    assert batch["status"] == "not offered", run.describe()
