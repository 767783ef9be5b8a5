"""Child processes for the multi-process clauses: started by fork or spawn, every wait bounded.

A child first imports the modules the parent's pytest run loaded as
plugins (``-p`` modules and ``pytest11`` entry points) and selects the same
store API, so a scheme that a user's plugin registers exists in the child
too.  A child that does not answer in time is killed and reported as a
hang (`ChildHung`), never waited for without end.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import signal
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from gc3store_testkit.api import API_ENVIRONMENT_VARIABLE, DEFAULT_API
from gc3store_testkit.harness import ContractFailure

START_METHODS = ("fork", "spawn")


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


def _child_main(setup: ChildSetup, task: Callable[..., Any], args: tuple[Any, ...],
                channel: Connection) -> None:
    try:
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
        raise ContractFailure(f"in a child process: {value}", "see above", "see above", rest[0])
    raise ChildError(f"a child process failed:\n{value}")


def run_children(task: Callable[..., Any], args_per_child: Sequence[tuple[Any, ...]], *,
                 method: str, timeout: float, synchronized: bool = False) -> list[Any]:
    """Run ``task(*args)`` in one child per entry of `args_per_child`; return their results.

    With ``method="fork"`` the arguments are inherited, not pickled, so they
    may include store instances; with ``"spawn"`` they must be picklable.
    When `synchronized`, each child gets one more argument, a barrier shared
    by all of them, so that they can start their work at the same moment.
    """
    context: Any = multiprocessing.get_context(method)
    if synchronized:
        barrier = context.Barrier(len(args_per_child))
        args_per_child = [(*args, barrier) for args in args_per_child]
    channels, processes = [], []
    for args in args_per_child:
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_child_main, args=(_setup, task, args, sender),
                                  daemon=True)
        process.start()
        sender.close()
        channels.append(receiver)
        processes.append(process)
    try:
        return _collect(channels, processes, timeout, method)
    except BaseException:
        for process in processes:
            process.kill()  # a child that hung or failed is not given more time
        raise
    finally:
        _reap(processes, timeout)


def _collect(channels: list[Connection], processes: list[Any], timeout: float,
             method: str) -> list[Any]:
    results: dict[int, tuple[Any, ...]] = {}
    waiting = dict(enumerate(channels))
    deadline = _Deadline(timeout)
    while waiting:
        ready = wait(list(waiting.values()), timeout=deadline.remaining())
        if not ready:
            raise ChildHung(f"{len(waiting)} of {len(channels)} child processes (started by "
                            f"{method}) did not finish within {timeout:g} s")
        for index, channel in list(waiting.items()):
            if channel in ready:
                try:
                    results[index] = channel.recv()
                except EOFError:
                    results[index] = ("error", f"child {processes[index].pid} died with "
                                               f"exit code {processes[index].exitcode} "
                                               f"before reporting", None)
                del waiting[index]
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
        self.process = context.Process(target=_stream_main,
                                       args=(_setup, task, args, sender), daemon=True)
        self.process.start()
        sender.close()

    def receive(self) -> Any:
        """The next value the child sent; `ChildHung` if none comes in time."""
        if not self._receiver.poll(self.timeout):
            raise ChildHung(f"child {self.process.pid} sent nothing for {self.timeout:g} s")
        try:
            return _outcome(self._receiver.recv())
        except EOFError:
            raise ChildError(f"child {self.process.pid} died with exit code "
                             f"{self.process.exitcode}") from None

    def receive_all(self) -> list[Any]:
        """Every value the child sends until it exits; `ChildHung` if it goes silent too long."""
        values: list[Any] = []
        while True:
            if not self._receiver.poll(self.timeout):
                raise ChildHung(f"child {self.process.pid} sent nothing for {self.timeout:g} s")
            try:
                message = self._receiver.recv()
            except EOFError:
                return values
            values.append(_outcome(message))

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


def _stream_main(setup: ChildSetup, task: Callable[..., Any], args: tuple[Any, ...],
                 channel: Connection) -> None:
    try:
        setup.apply()
        for value in task(*args):
            channel.send(("ok", value))
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
