"""Child processes for the multi-process clauses: started by fork or spawn, every wait bounded.

A child first imports the modules the parent's pytest run loaded as
plugins (``-p`` modules and ``pytest11`` entry points) and selects the same
store API, so a scheme that a user's plugin registers exists in the child
too.  A child that does not answer in time is reported as a hang
(`ChildHung`), never waited for without end: shortly before the parent
gives up on it, the child's `Watchdog` writes the stack of every thread
(`faulthandler`) and ends it, and the report shows where it waited.
"""

from __future__ import annotations

import contextlib
import faulthandler
import importlib
import multiprocessing
import os
import signal
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from gc3store_testkit.api import API_ENVIRONMENT_VARIABLE, DEFAULT_API
from gc3store_testkit.harness import ChildFailure, ContractFailure

WATCHDOG_SHARE = 0.9
"""The share of the parent's timeout after which a silent child dumps its stack and ends."""


class ChildHung(Exception):
    """A child process did not finish within the kit's timeout; it was killed."""


class ChildError(AssertionError):
    """A child process failed with an error that is not a contract failure."""


@dataclass(frozen=True)
class ChildSetup:
    """What a child process imports before it runs its task."""

    api: str = field(default_factory=lambda: os.environ.get(API_ENVIRONMENT_VARIABLE)
                     or DEFAULT_API)
    modules: tuple[str, ...] = ()

    def apply(self) -> None:
        os.environ[API_ENVIRONMENT_VARIABLE] = self.api
        for module in self.modules:
            importlib.import_module(module)


_setup = ChildSetup()


def configure(setup: ChildSetup) -> None:
    """Make `setup` what every child process started from now on applies."""
    global _setup
    _setup = setup


class Watchdog:
    """A file in which a child that goes silent too long writes its stack before it ends."""

    def __init__(self, timeout: float) -> None:
        fd, self.path = tempfile.mkstemp(prefix="gc3store-kit-stack-", suffix=".txt")
        os.close(fd)
        self.timeout = timeout

    def arm(self) -> None:
        """In the child: dump the stack and exit unless `arm` is called again in time."""
        global _stack_file
        if _stack_file is None:
            _stack_file = open(self.path, "w")  # noqa: SIM115 (faulthandler writes it later)
        faulthandler.dump_traceback_later(self.timeout * WATCHDOG_SHARE, exit=True,
                                          file=_stack_file)

    def stack(self) -> str:
        """In the parent: the stack the child wrote, or "" if it wrote none."""
        try:
            with open(self.path) as dumped:
                return dumped.read().strip()
        except OSError:
            return ""

    def remove(self) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self.path)


_stack_file: Any = None


def hang_report(pid: int | None, stack: str) -> str:
    """Where the child `pid` waited, for a `ChildHung` message."""
    if not stack:
        return f"child {pid} left no stack"
    return f"child {pid} was waiting in:\n{stack}"


@contextlib.contextmanager
def environment(changes: Mapping[str, str | None]) -> Iterator[None]:
    """Set (or, for None, unset) environment variables for processes spawned in the block."""
    saved = {name: os.environ.get(name) for name in changes}
    try:
        for name, value in changes.items():
            _set_variable(name, value)
        yield
    finally:
        for name, value in saved.items():
            _set_variable(name, value)


def _set_variable(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _child_main(setup: ChildSetup, task: Callable[..., Any], args: tuple[Any, ...],
                channel: Connection, watchdog: Watchdog) -> None:
    try:
        watchdog.arm()
        setup.apply()
        channel.send(("ok", task(*args)))
    except ContractFailure as failure:
        channel.send(("failure", str(failure), failure.clause))
    except BaseException:
        channel.send(("error", traceback.format_exc(), None))
    finally:
        channel.close()


def _outcome(message: tuple[Any, ...]) -> Any:
    kind, value, *rest = message
    if kind == "ok":
        return value
    if kind == "failure":
        raise ChildFailure(value, rest[0])
    raise ChildError(f"a child process failed:\n{value}")


def run_children(task: Callable[..., Any], args_per_child: Sequence[tuple[Any, ...]], *,
                 method: str, timeout: float, synchronized: bool = False,
                 environs: Sequence[Mapping[str, str | None]] | None = None) -> list[Any]:
    """Run ``task(*args)`` in one child per entry of `args_per_child`; return their results.

    With ``method="fork"`` the arguments are inherited, not pickled, so they
    may include store instances; with ``"spawn"`` they must be picklable.
    When `synchronized`, each child gets one more argument, a barrier shared
    by all of them, so that they can start their work at the same moment.
    `environs` sets (None: unsets) environment variables of spawned children, one mapping
    per child.
    """
    context: Any = multiprocessing.get_context(method)
    if synchronized:
        barrier = context.Barrier(len(args_per_child))
        args_per_child = [(*args, barrier) for args in args_per_child]
    channels, processes, watchdogs = [], [], []
    try:
        for number, args in enumerate(args_per_child):
            receiver, sender = context.Pipe(duplex=False)
            watchdog = Watchdog(timeout)
            process = context.Process(target=_child_main,
                                      args=(_setup, task, args, sender, watchdog), daemon=True)
            with environment(environs[number] if environs else {}):
                process.start()
            sender.close()
            channels.append(receiver)
            processes.append(process)
            watchdogs.append(watchdog)
        return _collect(channels, processes, watchdogs, timeout, method)
    except BaseException:
        for process in processes:
            process.kill()  # a child that hung or failed is not given more time
        raise
    finally:
        _reap(processes, timeout)
        for watchdog in watchdogs:
            watchdog.remove()


def _collect(channels: list[Connection], processes: list[Any], watchdogs: list[Watchdog],
             timeout: float, method: str) -> list[Any]:
    results: dict[int, tuple[Any, ...]] = {}
    waiting = dict(enumerate(channels))
    deadline = _Deadline(timeout)
    hung: list[int] = []
    while waiting:
        ready = wait(list(waiting.values()), timeout=deadline.remaining())
        if not ready:
            hung += waiting
            break
        for index, channel in list(waiting.items()):
            if channel in ready:
                try:
                    results[index] = channel.recv()
                except EOFError:
                    processes[index].join(timeout)
                    if watchdogs[index].stack():
                        hung.append(index)
                    results[index] = ("error", f"child {processes[index].pid} died with "
                                               f"exit code {processes[index].exitcode} "
                                               f"before reporting", None)
                del waiting[index]
    if hung:
        where = "\n".join(hang_report(processes[index].pid, watchdogs[index].stack())
                          for index in sorted(hung))
        raise ChildHung(f"{len(hung)} of {len(channels)} child processes (started by "
                        f"{method}) did not finish within {timeout:g} s; {where}")
    return [_outcome(results[index]) for index in range(len(channels))]


def _reap(processes: list[Any], timeout: float) -> None:
    for process in processes:
        process.join(timeout)
        if process.is_alive():
            process.kill()
            process.join(timeout)


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self._end - time.monotonic())


class StreamingChild:
    """A child that sends values through a pipe while it runs, and can be SIGKILLed."""

    def __init__(self, task: Callable[..., Any], args: tuple[Any, ...], *, method: str,
                 timeout: float) -> None:
        context: Any = multiprocessing.get_context(method)
        self._receiver, sender = context.Pipe(duplex=False)
        self.timeout = timeout
        self.watchdog = Watchdog(timeout)
        self.process = context.Process(target=_stream_main,
                                       args=(_setup, task, args, sender, self.watchdog),
                                       daemon=True)
        self.process.start()
        sender.close()

    def _next_message(self) -> tuple[Any, ...] | None:
        """The child's next message, None once it exited; `ChildHung` if it goes silent."""
        if not self._receiver.poll(self.timeout):
            self._hung()
        try:
            message: tuple[Any, ...] = self._receiver.recv()
        except EOFError:
            self.process.join(self.timeout)
            if self.watchdog.stack():
                self._hung()
            return None
        return message

    def _hung(self) -> None:
        raise ChildHung(f"child {self.process.pid} sent nothing for {self.timeout:g} s; "
                        f"{hang_report(self.process.pid, self.watchdog.stack())}")

    def receive(self) -> Any:
        """The next value the child sent; `ChildHung` if none comes in time."""
        message = self._next_message()
        if message is None:
            raise ChildError(f"child {self.process.pid} died with exit code "
                             f"{self.process.exitcode}")
        return _outcome(message)

    def receive_all(self) -> list[Any]:
        """Every value the child sends until it exits; `ChildHung` if it goes silent too long."""
        values: list[Any] = []
        while (message := self._next_message()) is not None:
            values.append(_outcome(message))
        return values

    def drain(self) -> list[Any]:
        """The values the child sent that were not received yet; call it after `kill`."""
        values = []
        while self._receiver.poll(0):
            try:
                message = self._receiver.recv()
            except EOFError:
                break
            values.append(_outcome(message))
        return values

    def kill(self) -> None:
        """SIGKILL the child and wait for it to be gone."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.join(self.timeout)

    def close(self) -> None:
        self.kill()
        self._receiver.close()
        self.watchdog.remove()


def _stream_main(setup: ChildSetup, task: Callable[..., Any], args: tuple[Any, ...],
                 channel: Connection, watchdog: Watchdog) -> None:
    try:
        watchdog.arm()
        setup.apply()
        for value in task(*args):
            channel.send(("ok", value))
            watchdog.arm()
    except ContractFailure as failure:
        channel.send(("failure", str(failure), failure.clause))
    except BaseException:
        channel.send(("error", traceback.format_exc(), None))
    finally:
        channel.close()


@contextlib.contextmanager
def streaming_child(task: Callable[..., Iterator[Any]], args: tuple[Any, ...], *, method: str,
                    timeout: float) -> Iterator[StreamingChild]:
    """Start a `StreamingChild` running the generator `task(*args)`; kill it on exit."""
    child = StreamingChild(task, args, method=method, timeout=timeout)
    try:
        yield child
    finally:
        child.close()


def current_setup() -> ChildSetup:
    """What every child process started now applies (see `configure`)."""
    return _setup
