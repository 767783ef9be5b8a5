"""The objects the kit saves: importable by name, so every process can unpickle them.

`Task` derives from the `Persistable` of the implementation under test, so
this module binds to that implementation when it is first imported.
"""

from __future__ import annotations

from typing import Any

from gc3store_testkit import tokens
from gc3store_testkit.api import current_api

API = current_api()
ID_ATTRIBUTES = frozenset({"persistent_id", "_id", "changed"})

_Persistable: Any = API.Persistable


def new_token() -> str:
    """A value no other sample object carries, to recognise an object in any process."""
    return tokens.new()


class Task(_Persistable):  # type: ignore[misc]
    """A `Persistable` object with a little state and room for references."""

    def __init__(self, name: str = "task", **attributes: Any) -> None:
        super().__init__()
        self.name = name
        self.token = new_token()
        self.__dict__.update(attributes)


class StatefulTask(Task):
    """A `Task` that pickles its state its own way (``__getstate__`` and ``__setstate__``)."""

    def __getstate__(self) -> dict[str, Any]:
        return {"reversed": {key: value for key, value in vars(self).items()}, "version": 2}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state["reversed"])
        self.restored_from_version = state["version"]


class TaskList(_Persistable, list):  # type: ignore[misc,type-arg]
    """A `Persistable` list: pickled with its items as well as its attributes."""

    def __init__(self, items: Any = (), **attributes: Any) -> None:
        _Persistable.__init__(self)  # which calls list.__init__, emptying the list
        self.extend(items)
        self.token = new_token()
        self.__dict__.update(attributes)


class Record:
    """A plain object with a ``__dict__``: it can carry an ID but is not `Persistable`."""

    def __init__(self, **attributes: Any) -> None:
        self.token = new_token()
        self.__dict__.update(attributes)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Record) and state_of(self) == state_of(other)

    __hash__ = None  # type: ignore[assignment]


class Slotted:
    """An object that can carry neither an ID nor a weak reference."""

    __slots__ = ("token", "value")

    def __init__(self, value: Any) -> None:
        self.token = new_token()
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Slotted) and (self.token, self.value) == (other.token,
                                                                           other.value)

    __hash__ = None  # type: ignore[assignment]


class Unpicklable:
    """An object whose pickling always fails."""

    def __reduce__(self) -> Any:
        raise TypeError("Unpicklable objects refuse to be pickled (a deliberate failure)")


class Interrupted(BaseException):
    """Not an `Exception`: what a KeyboardInterrupt or a SystemExit is to a store."""


class InterruptsPickling:
    """An object whose pickling is interrupted by an `Interrupted`, as by a Ctrl-C."""

    def __reduce__(self) -> Any:
        raise Interrupted("pickling interrupted (a deliberate interruption)")


def state_of(obj: Any) -> dict[str, Any]:
    """The attributes of `obj` that a store must keep, without the ones it sets itself."""
    return {key: value for key, value in vars(obj).items() if key not in ID_ATTRIBUTES}
