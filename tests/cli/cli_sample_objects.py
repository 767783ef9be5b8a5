"""Objects the command's tests save, importable by the ``gc3store`` subprocess via PYTHONPATH."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from gc3store import Persistable

GATE_VARIABLE = "GC3STORE_TEST_GATE"
GATE_REACHED = "gate: reached"


class Node(Persistable):
    """A named object that refers to other `Node` objects: shared, in cycles, or to itself."""

    def __init__(self, name: str, links: list[Node] | None = None) -> None:
        super().__init__()
        self.name = name
        self.links = links if links is not None else []


class Execution:
    """Where GC3Pie keeps a task's state, which `SqlStore` copies into its ``state`` column."""

    def __init__(self, state: str) -> None:
        self.state = state


class Job(Persistable):
    """A task with a state and the attributes the tests' extra SQL columns hold."""

    def __init__(self, jobname: str, state: str, priority: int) -> None:
        super().__init__()
        self.jobname = jobname
        self.execution = Execution(state)
        self.priority = priority


class Tripwire(Persistable):
    """An object that creates the file `marker` when any of its methods runs but unpickling."""

    def __init__(self, marker: str, inner: Tripwire | None = None) -> None:
        super().__init__()
        self.marker = marker
        self.inner = inner
        self.numbers = [1, 2, 3]

    def _trip(self) -> Any:
        Path(self.marker).write_text(f"a method of {type(self).__name__} ran\n")
        return 0

    def __repr__(self) -> str:
        return str(self._trip())

    def __str__(self) -> str:
        return str(self._trip())

    def __format__(self, spec: str) -> str:
        return str(self._trip())

    def __len__(self) -> int:
        return int(self._trip())

    def __iter__(self) -> Any:
        return iter([self._trip()])

    def __bool__(self) -> bool:
        return bool(self._trip())


class Gate:
    """An object whose pickling, when $GC3STORE_TEST_GATE is set, says so on stdout and then
    waits for stdin to close: a copy saving it stops there, in the middle of a save."""

    def __init__(self) -> None:
        self.label = "gate"

    def __getstate__(self) -> dict[str, Any]:
        if os.environ.get(GATE_VARIABLE):
            print(GATE_REACHED, flush=True)
            sys.stdin.read()
        return dict(self.__dict__)


class Restless(Persistable):
    """An object that loads with its ``changed`` flag set, as if modified since its save."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.changed = True


class Slotted:
    """An object with slots and no ``__dict__``: a private slot, and one never set."""

    __slots__ = ("__private", "never_set", "values")

    def __init__(self, values: Any, private: Any) -> None:
        self.values = values
        self.__private = private

    def __reduce__(self) -> Any:
        return (Slotted, (self.values, self.__private))
