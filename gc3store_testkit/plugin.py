"""The pytest plugin: the kit's options, the ``store_factory`` fixture, and the certification.

Registered under the ``pytest11`` entry point, so ``pytest --store-uri=URI``
works in any directory: the contract tests are collected from the
installed package.  This module holds only pytest hooks; the clause
vocabulary, the harness and the report live in their own modules.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from gc3store_testkit import certification, children
from gc3store_testkit.api import API_ENVIRONMENT_VARIABLE, DEFAULT_API, current_api
from gc3store_testkit.extensions import EXTENSIONS, ExtensionError, required_from_options
from gc3store_testkit.harness import ContractFailure, NotOffered, NotRun, StoreHarness
from gc3store_testkit.targets import Target, TargetError, check_schemes, targets_from_options

CONTRACT_PACKAGE = "gc3store_testkit.contract"
TARGETS_KEY = pytest.StashKey[list[Target]]()
CERTIFYING_KEY = pytest.StashKey[bool]()
REQUIRED_KEY = pytest.StashKey[frozenset[str]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gc3store", "certify a gc3store/gc3libs.persistence Store backend")
    group.addoption("--store-uri", action="append", default=[], metavar="URI",
                    help="certify the store make_store(URI) opens; may be given several times")
    group.addoption("--store-factory", action="append", default=[],
                    metavar="MODULE:CALLABLE",
                    help="certify the stores CALLABLE() opens (for stores that need more than "
                         "a URI); may be given several times")
    group.addoption("--store-api", default=None, metavar="MODULE",
                    help=f"the module providing make_store, register, Persistable and "
                         f"LoadError for the implementation under test (default {DEFAULT_API})")
    group.addoption("--store-require", action="append", default=[], metavar="NAME[,NAME]",
                    help=f"fail the run unless the store offers these extensions and they pass "
                         f"(of: {', '.join(EXTENSIONS)}); may be given several times")
    group.addoption("--store-report", default=None, metavar="PATH",
                    help="also write the certification summary as JSON to PATH")
    group.addoption("--store-timeout", type=float, default=60.0, metavar="SECONDS",
                    help="how long a child process the kit starts may take (default 60)")
    group.addoption("--store-examples", type=int, default=30, metavar="N",
                    help="hypothesis examples for the model-based test (default 30)")


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser,
                                  args: list[str]) -> None:
    # conftest files may import the kit, which binds to the API when imported
    _select_api(early_config.known_args_namespace.store_api)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "gc3store_clause(number): the contract clause a test "
                            "checks")
    config.addinivalue_line("markers", "gc3store_requires(capability): the optional "
                            "capability a test needs")
    _select_api(config.getoption("store_api"))
    children.configure(children.ChildSetup(os.environ[API_ENVIRONMENT_VARIABLE],
                                           _plugin_modules(config)))
    uris = config.getoption("store_uri")
    try:
        targets = targets_from_options(uris, config.getoption("store_factory"))
        known = current_api().known_schemes
        if uris and known is not None:
            check_schemes(uris, known())
        config.stash[REQUIRED_KEY] = required_from_options(config.getoption("store_require"))
    except (TargetError, ExtensionError) as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[TARGETS_KEY] = targets
    config.stash[CERTIFYING_KEY] = bool(targets)
    if targets:
        _collect_contract(config)
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(CertificationReport(config), "gc3store-certification")


def _select_api(name: str | None) -> None:
    if name:
        os.environ[API_ENVIRONMENT_VARIABLE] = name
    os.environ.setdefault(API_ENVIRONMENT_VARIABLE, DEFAULT_API)


def _plugin_modules(config: pytest.Config) -> tuple[str, ...]:
    """The modules this run loaded as plugins by -p or entry point: children import them too."""
    names = [name for name in config.known_args_namespace.plugins or ()
             if not name.startswith("no:")]
    names += [getattr(plugin, "__name__", "") for plugin, _ in
              config.pluginmanager.list_plugin_distinfo()]
    return tuple(dict.fromkeys(name for name in names if name and name != __name__))


def _collect_contract(config: pytest.Config) -> None:
    """Make the run collect the contract tests from the installed package."""
    import gc3store_testkit.contract as contract

    directory = str(Path(contract.__file__).parent)
    if config.args_source == pytest.Config.ArgsSource.ARGS:
        if directory not in config.args:
            config.args.append(directory)
    else:
        config.args[:] = [directory]


def pytest_report_header(config: pytest.Config) -> list[str]:
    from gc3store_testkit.clauses import CONTRACT_VERSION

    lines = [f"gc3store contract version {CONTRACT_VERSION}, store API "
             f"{os.environ[API_ENVIRONMENT_VARIABLE]}"]
    lines += [f"certifying: {target.label}" for target in config.stash[TARGETS_KEY]]
    return lines


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    targets = metafunc.config.stash[TARGETS_KEY]
    if (targets and "store_factory" in metafunc.fixturenames
            and metafunc.module.__name__.startswith(CONTRACT_PACKAGE + ".")):
        metafunc.parametrize("store_factory", targets, indirect=True,
                             ids=[target.label for target in targets])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # the kit runs the tests of a capability a store declares unsupported too (to flag a stale
    # declaration); several processes writing a storage not made for it may damage it, and the
    # tests that run after would fail on clauses the store keeps
    from gc3store_testkit.capabilities import CONCURRENT_CAPABILITY
    from gc3store_testkit.contract.base import REQUIRES_MARK

    def concurrent(item: pytest.Item) -> bool:
        marker = item.get_closest_marker(REQUIRES_MARK)
        return marker is not None and marker.args[0] == CONCURRENT_CAPABILITY

    items.sort(key=concurrent)


@pytest.fixture
def store_factory(request: pytest.FixtureRequest) -> Any:
    """The store under test, from --store-uri or --store-factory; a StoreContract subclass
    defines its own instead."""
    target = getattr(request, "param", None)
    if not isinstance(target, Target):
        pytest.fail("no store to certify: give --store-uri=URI or --store-factory="
                    "MODULE:CALLABLE, or define a store_factory fixture in your StoreContract "
                    "subclass", pytrace=False)
    return target.factory


@pytest.fixture
def required_extensions(request: pytest.FixtureRequest) -> frozenset[str]:
    """The extensions the store must offer and pass: those --store-require names.

    A StoreContract subclass may define it to require extensions of its store.
    """
    return request.config.stash[REQUIRED_KEY]


@pytest.fixture
def other_store_factory(store_factory: Any) -> Any:
    """Opens stores on a second storage beside store_factory's (see `UriFactory.sibling`).

    A StoreContract subclass whose ``store_factory`` is not a ``--store-uri``
    one defines it, or the test that needs two storages reads not run.
    """
    sibling = getattr(store_factory, "sibling", None)
    return sibling() if callable(sibling) else None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item,
                              call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    test_report: pytest.TestReport = yield
    from gc3store_testkit.contract.base import (
        CLAUSE_MARK,
        HARNESS_KEY,
        REQUIRES_MARK,
        extension_of,
    )

    marker = item.get_closest_marker(CLAUSE_MARK)
    if marker is None:
        return test_report
    harness = item.stash.get(HARNESS_KEY, None)
    requires = item.get_closest_marker(REQUIRES_MARK)
    capability = requires.args[0] if requires else None
    declared = harness is not None and capability in _unsupported(harness)
    number = marker.args[0]
    if call.excinfo is not None and isinstance(call.excinfo.value, ContractFailure):
        number = call.excinfo.value.clause or number
    outcome = _outcome(test_report, call, declared)
    required = harness.required if harness is not None else frozenset()
    extension = extension_of(item)
    if outcome in (certification.NOT_OFFERED, certification.NOT_RUN):
        assert call.excinfo is not None
        if extension is not None and extension.name in required:
            # the test fails, and the report still says what the store offers
            test_report.longrepr = (f"the {extension.name!r} extension is required, but "
                                    f"{outcome}: {call.excinfo.value}")
        else:
            _as_skipped(test_report, item, f"{outcome}: {call.excinfo.value}")
    if outcome == certification.UNSUPPORTED:
        _as_skipped(test_report, item, f"not supported (declared: {capability!r} in "
                    f"{type(harness.store.wrapped).__qualname__}.unsupported_capabilities)"
                    if harness else "not supported (declared)")
    elif test_report.failed:
        _explain(test_report, number, harness)
    if test_report.when == "call" or not test_report.passed:
        store = _store_label(item)
        reason = _skip_reason(test_report) if test_report.skipped else ""
        test_report.user_properties.append((certification.PROPERTY, certification.TestOutcome(
            store, getattr(item, "originalname", item.name), number, outcome, capability,
            reason, tuple(sorted(required))).__dict__))
    return test_report


def _unsupported(harness: StoreHarness) -> frozenset[str]:
    try:
        return harness.unsupported
    except Exception:
        return frozenset()


def _outcome(test_report: pytest.TestReport, call: pytest.CallInfo[None], declared: bool) -> str:
    if call.excinfo is not None and isinstance(call.excinfo.value, NotOffered):
        return certification.NOT_OFFERED
    if call.excinfo is not None and isinstance(call.excinfo.value, NotRun):
        return certification.NOT_RUN
    if test_report.passed:
        return certification.STALE if declared else certification.PASSED
    if test_report.skipped:
        return certification.SKIPPED
    if call.excinfo is not None and isinstance(call.excinfo.value, children.ChildHung):
        return certification.HUNG
    return certification.UNSUPPORTED if declared else certification.FAILED


def _as_skipped(test_report: pytest.TestReport, item: pytest.Item, reason: str) -> None:
    path, line, _ = item.location
    test_report.outcome = "skipped"
    test_report.longrepr = (path, (line or 0) + 1, f"Skipped: {reason}")


def _skip_reason(test_report: pytest.TestReport) -> str:
    longrepr = test_report.longrepr
    return str(longrepr[2]) if isinstance(longrepr, tuple) else str(longrepr)


def _explain(test_report: pytest.TestReport, number: int, harness: StoreHarness | None) -> None:
    """Put the clause first and the store calls last in a failure's message."""
    from gc3store_testkit.clauses import clause

    calls = harness.log.render() if harness is not None else "(no store was opened)"
    test_report.longrepr = (f"{clause(number)}\n\n{test_report.longrepr}\n\n"
                            f"Store calls made by this test:\n{calls}")


def _store_label(item: pytest.Item) -> str:
    callspec = getattr(item, "callspec", None)
    target = callspec.params.get("store_factory") if callspec else None
    if isinstance(target, Target):
        return target.label
    owner = item.parent.nodeid if item.parent is not None else item.nodeid
    return f"{owner}[{callspec.id}]" if callspec else owner


class CertificationReport:
    """Gathers the contract tests' outcomes and prints the certification summary."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.outcomes: dict[str, list[certification.TestOutcome]] = {
            target.label: [] for target in config.stash[TARGETS_KEY]}
        self._results: list[certification.StoreResult] | None = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, value in report.user_properties:
            if name == certification.PROPERTY and isinstance(value, dict):
                outcome = certification.TestOutcome(**value)
                self.outcomes.setdefault(outcome.store, []).append(outcome)

    def results(self) -> list[certification.StoreResult]:
        if self._results is None:
            expected = certification.expected_tests()
            required = self.config.stash[REQUIRED_KEY]
            self._results = [certification.judge(store, outcomes, expected, required)
                             for store, outcomes in self.outcomes.items()]
        return self._results

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if not self.outcomes:
            return
        results = self.results()
        path = self.config.getoption("store_report")
        if path:
            Path(path).write_text(certification.as_json(results) + "\n")
        certifying = self.config.stash[CERTIFYING_KEY]
        if certifying and certification.overall(results) != certification.CERTIFIED and \
                session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.outcomes:
            return
        terminalreporter.section("gc3store certification")
        for line in certification.render(self.results()):
            terminalreporter.write_line(line)

