"""Clause 16's check (`check_durability`): run a store's writes in a child process traced by
``strace``, the child's side included, and judge the trace with `replay`."""

from __future__ import annotations

import contextlib
import faulthandler
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gc3store_testkit import children, replay
from gc3store_testkit.markers import marked

OPERATIONS = 4
"""How many operations the child runs between markers."""

TASK_FILE, TRACE_FILE, STACK_FILE = "task.pickle", "trace.txt", "stack.txt"
RESULT_FILE, SAVED_FILE = "result.json", "saved.txt"
"""The files `check_durability` and its child share in the work directory."""

HANG_DUMP_FRACTION = 0.8
"""The part of the timeout after which a child that has not finished dumps its stack and exits."""

PROBE_TIMEOUT = 30.0
"""Bounds the run of ``strace`` that finds out whether tracing works here."""

_CHILD_CODE = "import sys; from gc3store_testkit.durability import _child_main; " \
              "_child_main(sys.argv[1], float(sys.argv[2]))"


class TracingUnavailable(Exception):
    """Durability cannot be checked here; str(exc) says why (strace missing, ptrace refused,
    factory not picklable...)."""


def check_durability(factory: Callable[[], Any], *, timeout: float, workdir: Path) -> list[str]:
    """Run the store's writes in a new process under strace; return one line per write that
    returned before its data was flushed (empty: all flushed).

    The child opens the store, saves once to warm it up (that save creates
    the files a store keeps open: it is not judged), then runs four
    operations, each between two markers (`markers.marked`): a save of a new
    object holding a new one, a save of that object changed, a replace and a
    remove.  `replay.unsynced` gives the rules that judge each.  An operation
    that changed no file at all wrote where the trace cannot see (a server, a
    process the store did not start, a memory map): it cannot be judged
    (`TracingUnavailable`).

    `factory` opens a store on the storage under test; it must be picklable.
    The child applies this process's `children.ChildSetup` first, so a
    scheme a ``-p`` module registers exists there too.  A child that does
    not finish within `timeout` raises `children.ChildHung` with its stack;
    one that fails raises `children.ChildError` with its traceback.
    """
    strace = working_strace()
    _prepare(workdir, factory)
    _run_child(strace, workdir, timeout)
    trace = (workdir / TRACE_FILE).read_text(errors="surrogateescape")
    windows = replay.windows(trace, str(workdir))
    if len(windows) != OPERATIONS:
        raise TracingUnavailable(f"the trace in {workdir / TRACE_FILE} shows {len(windows)} of "
                                 f"the {OPERATIONS} operations between their markers: strace "
                                 f"did not trace the opens that mark them")
    unseen = [window.operation for window in windows if not window.changed_files]
    if unseen:
        raise TracingUnavailable(f"{'; '.join(unseen)}: changed no file that the trace of the "
                                 f"store's process shows, so the store writes where strace "
                                 f"cannot watch it flush (a server, a process it did not "
                                 f"start, a memory map)")
    return [problem for window in windows for problem in window.problems]


def strace_options(output: str) -> list[str]:
    """The options of ``strace`` that trace what `unsynced` reads into the file `output`."""
    # "?": a call this architecture lacks (open, rename... on arm64) is no error
    calls = ",".join(f"?{name}" for name in replay.CALLS)
    return ["-f", "-qq", "-y", "-s", "0", "--seccomp-bpf", "-e", "signal=none",
            "-e", f"trace={calls}", "-o", output]


# -- running the child -------------------------------------------------------------------------

def working_strace() -> str:
    """The path of ``strace``, once it traced a process here; `TracingUnavailable` otherwise."""
    strace = shutil.which("strace")
    if strace is None:
        raise TracingUnavailable("strace is not installed (not found on PATH); install it "
                                 "(Debian: apt-get install strace) to check durability")
    try:
        probe = subprocess.run([strace, *strace_options(os.devnull), sys.executable, "-S",
                                "-c", ""], capture_output=True, text=True, errors="replace",
                               timeout=PROBE_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise TracingUnavailable(f"{strace} did not trace an empty Python run within "
                                 f"{PROBE_TIMEOUT:g} s") from None
    if probe.returncode != 0:
        said = probe.stderr.strip() or f"exit code {probe.returncode}"
        raise TracingUnavailable(f"{strace} cannot trace a process here: {said}")
    return strace


def _prepare(workdir: Path, factory: Callable[[], Any]) -> None:
    """Pickle this process's child setup, then `factory`, for the child to load in that order,
    and remove what an earlier check left in `workdir`."""
    try:
        task = pickle.dumps(children.current_setup()) + pickle.dumps(factory)
    except Exception as exc:
        raise TracingUnavailable(f"the store factory {factory!r} cannot be pickled for a child "
                                 f"process: {type(exc).__name__}: {exc}") from None
    for name in (TRACE_FILE, STACK_FILE, RESULT_FILE, SAVED_FILE):
        (workdir / name).unlink(missing_ok=True)
    (workdir / TASK_FILE).write_bytes(task)


def _run_child(strace: str, workdir: Path, timeout: float) -> None:
    """Run the child under `strace`, in `workdir`; raise if it did not run all its operations."""
    command = [strace, *strace_options(str(workdir / TRACE_FILE)), sys.executable, "-c",
               _CHILD_CODE, str(workdir), repr(timeout)]
    # no .pyc written while an operation runs: it would be a file the store never flushed
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    with subprocess.Popen(command, cwd=workdir, env=environment, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace", start_new_session=True) as process:
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.communicate(timeout=timeout)
            raise children.ChildHung(_hang_report(workdir, timeout)) from None
    _check_outcome(workdir, process.returncode, output, timeout)


def _check_outcome(workdir: Path, returncode: int, output: str, timeout: float) -> None:
    result_path = workdir / RESULT_FILE
    if not result_path.exists():
        if (workdir / STACK_FILE).exists() and (workdir / STACK_FILE).stat().st_size:
            raise children.ChildHung(_hang_report(workdir, timeout * HANG_DUMP_FRACTION))
        raise children.ChildError(f"the durability check's child process exited with code "
                                  f"{returncode} before reporting; its output:\n"
                                  f"{output[-3000:]}")
    result = json.loads(result_path.read_text())
    if result["outcome"] == "unpicklable":
        raise TracingUnavailable(f"the store factory cannot be unpickled in a child process:\n"
                                 f"{result['detail']}")
    if result["outcome"] != "ok":
        raise children.ChildError(f"the durability check's child process failed:\n"
                                  f"{result['detail']}")


def _hang_report(workdir: Path, seconds: float) -> str:
    stack_path, saved_path = workdir / STACK_FILE, workdir / SAVED_FILE
    stack = stack_path.read_text(errors="replace") if stack_path.exists() else ""
    saved = saved_path.read_text().splitlines() if saved_path.exists() else []
    report = (f"the durability check's child process did not finish within {seconds:g} s; "
              f"where it was:\n{stack.strip() or '(it dumped no stack)'}")
    if saved:
        report += f"\nit may have left the records {', '.join(saved)} in the store"
    return report


# -- the child ---------------------------------------------------------------------------------

def _child_main(workdir: str, timeout: float) -> None:
    """The child's entry point: run the operations, and say how it went in `RESULT_FILE`."""
    directory = Path(workdir)
    with (directory / STACK_FILE).open("w") as stack, \
            (directory / TASK_FILE).open("rb") as task:
        faulthandler.dump_traceback_later(timeout * HANG_DUMP_FRACTION, exit=True, file=stack)
        try:
            setup: children.ChildSetup = pickle.load(task)
            setup.apply()  # before the factory loads: its module may bind to the API
        except BaseException:
            _report(directory, "error", traceback.format_exc())
            return
        try:
            factory = pickle.load(task)
        except BaseException:
            _report(directory, "unpicklable", traceback.format_exc())
            return
        try:
            _ChildWrites(factory(), directory).run()
        except BaseException:
            _report(directory, "error", traceback.format_exc())
        else:
            _report(directory, "ok", "")
        finally:
            faulthandler.cancel_dump_traceback_later()


def _report(directory: Path, outcome: str, detail: str) -> None:
    (directory / RESULT_FILE).write_text(json.dumps({"outcome": outcome, "detail": detail}))


class _ChildWrites:
    """The operations the child traces, and the records they make, which it removes at the end.

    The IDs go to `SAVED_FILE` as they are made, between markers, so that
    a report of a hang can name the records the child left.
    """

    def __init__(self, store: Any, directory: Path) -> None:
        from gc3store_testkit import samples  # bound to the API that setup.apply() selected

        self._samples = samples
        self._store = store
        self._saved_path = directory / SAVED_FILE
        self._saved: list[str] = []

    def run(self) -> None:
        task, store = self._samples.Task, self._store
        warm_up = task("durability: warm-up")
        warm_up_id = store.save(warm_up)
        self._note(warm_up_id)
        parent = task("durability: parent", child=task("durability: child"))
        try:
            with marked(1, "save(obj) of a new Task holding a new Task"):
                parent_id = store.save(parent)
            self._note(parent_id, getattr(parent.child, "persistent_id", None))
            parent.name, parent.changed = "durability: parent, changed", True
            with marked(2, f"save(obj) of {parent_id!r}, changed"):
                store.save(parent)
            with marked(3, f"replace({warm_up_id!r}, obj)"):
                store.replace(warm_up_id, task("durability: replacement"))
            with marked(4, f"remove({warm_up_id!r})"):
                store.remove(warm_up_id)
            self._saved.remove(warm_up_id)
        finally:
            self._remove_saved()

    def _note(self, *ids: Any) -> None:
        """Remember the IDs saves returned or gave, to remove them at the end."""
        ids = tuple(id_ for id_ in ids if isinstance(id_, str))
        self._saved.extend(ids)
        with self._saved_path.open("a") as saved:
            saved.writelines(f"{id_}\n" for id_ in ids)

    def _remove_saved(self) -> None:
        for id_ in self._saved:
            with contextlib.suppress(Exception):
                self._store.remove(id_)
