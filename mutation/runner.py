"""Run the installed kit against mutated copies of the ``gc3store`` package.

Each mutant gets a copy of the package, taken once at the start from the
checkout (`Snapshot`), with one file mutated.  The copy comes first on
``PYTHONPATH``; pytest runs with ``--import-mode=importlib`` so that it puts
no directory of the checkout before it (the contract tests live in the
checkout, and pytest's default mode would prepend its root, which a spawned
child would then import ``gc3store`` from).  `check_probes` proves, before
any mutant runs, that the pytest process and the children the kit spawns
or executes import the copy.

A mutant is run against the stores its code can reach (a mutant of
``memory.py`` against the memory store only, one of ``filesystem.py``
against the file store only, the others against all three), cheapest
first, each run in a new empty directory, bounded by a timeout; it is
killed by the first run that does not certify.  A run in which the kit
reports a hung child process is run once more, so that a loaded machine
does not pass for a kill.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from mutation.mutants import Mutant
from mutation.scope import FILES
from mutation.source import Source

REPOSITORY = Path(__file__).resolve().parents[1]
PACKAGE = "gc3store"
KIT = "gc3store_testkit"

CERTIFIED, FAILED, TIMEOUT = "certified", "failed", "timeout"
"""How one run of the kit ended."""


@dataclass(frozen=True)
class StoreRun:
    """One store the kit certifies: its name, its URI (``{tmp}`` a new directory) and the
    extensions it must pass."""

    name: str
    uri: str
    require: str

    def command(self, directory: Path, report: Path, settings: Settings,
                fail_fast: bool = True) -> list[str]:
        """The pytest command line that certifies this store, its storage under `directory`."""
        return [*pytest_command(), "-p", "no:cacheprovider", "-q", *(["-x"] * fail_fast),
                "--import-mode=importlib", f"--store-uri={self.uri.format(tmp=directory)}",
                f"--store-require={self.require}", f"--store-timeout={settings.kit_timeout:g}",
                f"--store-examples={settings.examples}", "--hypothesis-seed=0",
                f"--store-report={report}"]


COMMON_EXTENSIONS = "batch,integrity,changed_flag"
STORES = (
    StoreRun("memory", "memory://mutation", COMMON_EXTENSIONS),
    StoreRun("file", "file://{tmp}/file", COMMON_EXTENSIONS + ",durability"),
    StoreRun("sqlite", "sqlite:///{tmp}/db.sqlite", COMMON_EXTENSIONS + ",durability"),
)
"""The stores every mutant may be certified on, cheapest first."""

OWN_STORE = {"memory.py": "memory", "filesystem.py": "file"}
"""The modules only one store runs: their mutants are certified on that store alone."""


@dataclass(frozen=True)
class Settings:
    """How the kit is run for each mutant."""

    stores: tuple[StoreRun, ...] = STORES
    run_timeout: float = 300.0
    """The longest one pytest run may take; a run still going then kills the mutant."""
    kit_timeout: float = 10.0
    examples: int = 10

    def stores_for(self, mutant: Mutant) -> tuple[StoreRun, ...]:
        own = OWN_STORE.get(mutant.path)
        return tuple(store for store in self.stores if own is None or store.name == own)


def pytest_command() -> list[str]:
    """The installed pytest, run by the Python that runs this tool."""
    script = Path(sys.executable).with_name("pytest")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pytest"]


# -- the package copied ----------------------------------------------------------------------

@dataclass(frozen=True)
class Snapshot:
    """The ``gc3store`` package as it was when the run began: every mutant is made from it."""

    files: dict[str, bytes]
    """Every file of the package (no ``__pycache__``), by path relative to it."""

    @classmethod
    def take(cls, package: Path = REPOSITORY / PACKAGE) -> Snapshot:
        files = {str(path.relative_to(package)): path.read_bytes()
                 for path in sorted(package.rglob("*"))
                 if path.is_file() and "__pycache__" not in path.parts}
        return cls(files)

    def sources(self) -> list[Source]:
        """The modules that are mutated, in the order of `FILES`."""
        return [Source(name, self.files[name].decode("utf-8")) for name in FILES]

    def digest(self) -> str:
        return tree_digest(self.files)

    def write(self, root: Path, changes: dict[str, str] | None = None) -> Path:
        """Write the package under `root`, with `changes` (path -> text); return `root`."""
        for name, data in self.files.items():
            path = root / PACKAGE / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        for name, text in (changes or {}).items():
            (root / PACKAGE / name).write_text(text, encoding="utf-8")
        return root


def tree_digest(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()[:16]


def kit_digest() -> str:
    """A digest of the kit's sources as they are now: a change during the run shows in it."""
    kit = REPOSITORY / KIT
    return tree_digest({str(path.relative_to(kit)): path.read_bytes()
                        for path in sorted(kit.rglob("*.py"))})


# -- one run of the kit ----------------------------------------------------------------------

@dataclass(frozen=True)
class RunResult:
    """How one store's certification ended for one copy of the package."""

    store: str
    status: str
    seconds: float
    clauses: tuple[int, ...] = ()
    """The clauses that failed or hung (a required extension not passed counts as failed)."""
    detail: str = ""
    output: str = ""
    """The end of the run's output."""

    @property
    def certified(self) -> bool:
        return self.status == CERTIFIED

    @property
    def hung(self) -> bool:
        """Whether the kit reported a child process that hung (under load, one may be slow)."""
        return "hung" in self.detail


class _Processes:
    """The pytest processes running now, so that an interrupt can end them (and only them)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()

    @contextlib.contextmanager
    def started(self, command: list[str], **options: object) -> Iterator[subprocess.Popen[bytes]]:
        process = subprocess.Popen(command, start_new_session=True, **options)  # type: ignore[call-overload]
        with self._lock:
            self._running.add(process)
        try:
            yield process
        finally:
            with self._lock:
                self._running.discard(process)

    def kill_all(self) -> None:
        with self._lock:
            for process in self._running:
                _kill_group(process)


PROCESSES = _Processes()


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process group of `process`, which it leads (it was started in a session of
    its own, with the kit's children)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def child_environment(package_root: Path) -> dict[str, str]:
    """The environment of a kit run: the copy under `package_root` first on the path."""
    environment = dict(os.environ)
    paths = [str(package_root), *filter(None, environment.get("PYTHONPATH", "").split(os.pathsep))]
    environment["PYTHONPATH"] = os.pathsep.join(paths)
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    for name in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "COVERAGE_PROCESS_START"):
        environment.pop(name, None)
    return environment


def run_kit(store: StoreRun, package_root: Path, work: Path, settings: Settings,
            fail_fast: bool = True) -> RunResult:
    """Certify `store` with the copy of the package under `package_root`; `work` is empty."""
    directory, report, log = work / "storage", work / "report.json", work / "output.txt"
    cwd = work / "cwd"
    directory.mkdir(parents=True)
    cwd.mkdir()
    command = store.command(directory, report, settings, fail_fast)
    started = time.monotonic()
    with log.open("wb") as output, PROCESSES.started(
            command, cwd=cwd, env=child_environment(package_root), stdin=subprocess.DEVNULL,
            stdout=output, stderr=subprocess.STDOUT) as process:
        try:
            returncode = process.wait(timeout=settings.run_timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            process.wait()
            returncode = None
    seconds = time.monotonic() - started
    text = log.read_text(errors="replace")
    if returncode is None:
        return RunResult(store.name, TIMEOUT, seconds, (),
                         f"timeout after {settings.run_timeout:g} s", _tail(text))
    if returncode == 0:
        return RunResult(store.name, CERTIFIED, seconds, output=_tail(text))
    clauses, detail = _failures(report, text, returncode)
    return RunResult(store.name, FAILED, seconds, clauses, detail, _tail(text))


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _failures(report: Path, text: str, returncode: int) -> tuple[tuple[int, ...], str]:
    """The failed clauses the report names, and a phrase saying how the run failed."""
    try:
        document = json.loads(report.read_text())
    except (OSError, ValueError):
        return (), f"exit {returncode}, no report: {_last_error(text)}"
    failed: set[int] = set()
    hung: set[int] = set()
    missing: set[int] = set()
    for result in document["stores"]:
        for clause in result["clauses"]:
            {"failed": failed, "hung": hung}.get(clause["status"], set()).add(clause["number"])
        for extension in result.get("extensions", []):
            if extension["required"] and extension["status"] in ("not offered", "not run"):
                missing.add(extension["clause"])
    phrases = [_clauses(failed)] * bool(failed) + [f"hung in {_clauses(hung)}"] * bool(hung)
    if failed or hung:
        # with -x the run stops at the first failure, leaving the required extensions not run
        return tuple(sorted(failed | hung)), "; ".join(phrases)
    if missing:
        return tuple(sorted(missing)), f"required {_clauses(missing)} not run or not offered"
    return (), f"exit {returncode}: {_last_error(text)}"


def _clauses(numbers: set[int]) -> str:
    return ("clause " if len(numbers) == 1 else "clauses ") + ", ".join(map(str, sorted(numbers)))


def _last_error(text: str) -> str:
    """The last line of `text` that reads like an error, for a run that wrote no report."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if "Error" in line or "error" in line]
    return (errors or lines or ["no output"])[-1][:200]


# -- one mutant -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """What the kit did with one mutant: ``killed`` by a run, or ``survived`` them all."""

    mutant: Mutant
    status: str
    runs: tuple[RunResult, ...] = field(default_factory=tuple)

    @property
    def seconds(self) -> float:
        return sum(run.seconds for run in self.runs)

    @property
    def killer(self) -> RunResult | None:
        return next((run for run in self.runs if not run.certified), None)


def evaluate(mutant: Mutant, source: Source, snapshot: Snapshot, settings: Settings) -> Outcome:
    """Certify the copy of the package with `mutant` made, store by store, until one fails."""
    runs: list[RunResult] = []
    with tempfile.TemporaryDirectory(prefix="gc3store-mutant-") as temporary:
        root = Path(temporary)
        package_root = snapshot.write(root / "package", {mutant.path: mutant.apply(source)})
        for number, store in enumerate(settings.stores_for(mutant)):
            result = _run_confirmed(store, package_root, root / f"run-{number}", settings)
            runs.append(result)
            if not result.certified:
                return Outcome(mutant, "killed", tuple(runs))
    return Outcome(mutant, "survived", tuple(runs))


def _run_confirmed(store: StoreRun, package_root: Path, work: Path,
                   settings: Settings) -> RunResult:
    """`run_kit`, once more if a child process hung: a kill by a hang must hang twice.

    A run that outlives `Settings.run_timeout` (20 times what a run takes) is not run again.
    """
    first = run_kit(store, package_root, work, settings)
    if not first.hung:
        return first
    again = run_kit(store, package_root, work.with_name(work.name + "-again"), settings)
    if again.certified:
        return replace(again, detail=f"certified on a second run after: {first.detail}",
                       seconds=first.seconds + again.seconds)
    return replace(again, seconds=first.seconds + again.seconds)


# -- before the mutants ---------------------------------------------------------------------

IMPORT_PROBE = '\nraise RuntimeError("mutation probe: this copy of gc3store was imported")\n'
CHILD_PROBE = (
    "\nimport os as _probe_os\n"
    "if _probe_os.environ.setdefault('GC3STORE_MUTATION_PROBE_PID', str(_probe_os.getpid())) "
    "!= str(_probe_os.getpid()):\n"
    "    raise ImportError('mutation probe: a child process imported this copy of gc3store')\n")
CHILD_PROBE_TESTS = ("test_ids_are_unique_across_processes_started_by_spawn",
                     "test_writes_are_flushed_before_they_return")
"""Tests whose children are spawned or executed, not forked: the child probe must fail them."""


class SetupError(Exception):
    """The mutants cannot be judged: the unmutated stores fail, or the copy is not imported."""


def baseline(snapshot: Snapshot, settings: Settings) -> list[RunResult]:
    """Certify the unmutated copy on every store; `SetupError` unless each is certified."""
    results = _run_copy(snapshot, settings, {}, settings.stores)
    failing = [result for result in results if not result.certified]
    if failing:
        said = "; ".join(f"{result.store}: {result.detail}\n{result.output}" for result in failing)
        raise SetupError(f"the unmutated stores are not certified, so no mutant can be judged "
                         f"(fix the store, or give --require STORE=EXTENSIONS): {said}")
    return results


def check_probes(snapshot: Snapshot, settings: Settings) -> list[str]:
    """Prove that each run imports the copy: in pytest's process and in the kit's children."""
    init = snapshot.files["__init__.py"].decode()
    proofs = []
    for result in _run_copy(snapshot, settings, {"__init__.py": init + IMPORT_PROBE},
                            settings.stores):
        if result.certified or "mutation probe: this copy" not in result.output:
            raise SetupError(f"the {result.store} run did not import the mutated copy: a probe "
                             f"raising at import left it {result.status}:\n{result.output}")
        proofs.append(f"{result.store}: a copy raising at import fails the run")
    proofs.append(_check_child_probe(snapshot, settings, init))
    return proofs


def _check_child_probe(snapshot: Snapshot, settings: Settings, init: str) -> str:
    """Certify a copy that raises when a process other than pytest's imports it: each test
    whose children are spawned or executed must fail, with the probe's message."""
    store = next((store for store in reversed(settings.stores) if "durability" in store.require),
                 settings.stores[-1])
    with tempfile.TemporaryDirectory(prefix="gc3store-mutation-setup-") as temporary:
        root = Path(temporary)
        package_root = snapshot.write(root / "package", {"__init__.py": init + CHILD_PROBE})
        result = run_kit(store, package_root, root / "run", settings, fail_fast=False)
        sections = _failure_sections((root / "run" / "output.txt").read_text(errors="replace"))
    missed = [test for test in CHILD_PROBE_TESTS
              if "mutation probe: a child process" not in sections.get(test, "")]
    if result.certified or missed:
        raise SetupError(f"children of the {store.name} run did not import the mutated copy: a "
                         f"copy raising when a child imports it did not fail {missed}:\n"
                         f"{result.output}")
    return (f"{store.name}: a copy raising when a spawned or executed child imports it fails "
            f"{', '.join(CHILD_PROBE_TESTS)}, with the probe's message")


_SECTION = re.compile(r"^_+ \w+\.(?P<test>test_\w+)(?:\[.*\])? _+$", re.MULTILINE)


def _failure_sections(text: str) -> dict[str, str]:
    """The text of each failure pytest reported in `text`, by test name."""
    heads = list(_SECTION.finditer(text))
    ends = [head.start() for head in heads[1:]] + [len(text)]
    return {head["test"]: text[head.end():end] for head, end in zip(heads, ends, strict=True)}


def _run_copy(snapshot: Snapshot, settings: Settings, changes: dict[str, str],
              stores: tuple[StoreRun, ...]) -> list[RunResult]:
    with tempfile.TemporaryDirectory(prefix="gc3store-mutation-setup-") as temporary:
        root = Path(temporary)
        package_root = snapshot.write(root / "package", changes)
        return [run_kit(store, package_root, root / f"run-{number}", settings)
                for number, store in enumerate(stores)]
