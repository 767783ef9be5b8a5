"""Object IDs (``"Prefix.N"`` strings) and the factories that make them."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

ID_FORM = "'PREFIX.N' (PREFIX a Python identifier of at most 200 characters, N a decimal number)"

_ID_PATTERN = re.compile(r"(?P<prefix>[^\W\d]\w{0,199})\.(?P<seqno>0|[1-9][0-9]{0,17})")
_SEQNO_LIMIT = 10**18
_KNOWN_PREFIXES_LIMIT = 10_000

_known_prefixes: set[str] = set()
"""Prefixes already found well formed: a new ID of one of them only needs its number checked."""


class Id(str):
    """A store-assigned object ID: the string ``"PREFIX.N"``.

    `prefix` is by default the class name of the object the ID was made for,
    and `seqno` a number drawn from the store's sequence.  IDs with the same
    prefix sort by `seqno` (so ``Task.9 < Task.10``); equality and hashing are
    those of the plain string, so ``Id("Task", 3) == "Task.3"``.
    """

    prefix: str
    seqno: int

    def __new__(cls, prefix: str, seqno: int) -> Id:
        # every save makes one: the pattern is matched once per prefix, not once per ID
        if type(prefix) is str and prefix in _known_prefixes and type(seqno) is int \
                and 0 <= seqno < _SEQNO_LIMIT:
            return cls._checked(f"{prefix}.{seqno}", prefix, seqno)
        text = f"{prefix}.{seqno}"
        if not isinstance(seqno, int) or _ID_PATTERN.fullmatch(text) is None:
            raise ValueError(f"cannot make an ID from prefix {prefix!r} and number {seqno!r}: "
                             f"IDs have the form {ID_FORM}")
        if type(prefix) is str and len(_known_prefixes) < _KNOWN_PREFIXES_LIMIT:
            _known_prefixes.add(prefix)
        return cls._checked(text, prefix, seqno)

    @classmethod
    def _checked(cls, text: str, prefix: str, seqno: int) -> Id:
        """The ID `text`, already known to be well formed, made of `prefix` and `seqno`."""
        instance = str.__new__(cls, text)
        instance.prefix = prefix
        instance.seqno = seqno
        return instance

    @classmethod
    def parse(cls, value: object) -> Id:
        """Return `value` as an `Id`.

        Raises `TypeError` when `value` is not a string and `ValueError` when
        it is not of the form ``PREFIX.N``.
        """
        if isinstance(value, Id):
            return value
        if not isinstance(value, str):
            raise TypeError(f"an object ID is a string of the form {ID_FORM}, "
                            f"not {type(value).__name__} {value!r}")
        match = _ID_PATTERN.fullmatch(value)
        if match is None:
            raise ValueError(f"malformed object ID {value!r}: IDs have the form {ID_FORM}")
        return cls._checked(value, match["prefix"], int(match["seqno"]))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Id, (self.prefix, self.seqno))

    def _key(self, other: object) -> tuple[tuple[str, int], tuple[str, int]] | None:
        if isinstance(other, Id):
            return (self.prefix, self.seqno), (other.prefix, other.seqno)
        return None

    def __lt__(self, other: object) -> bool:
        keys = self._key(other)
        return keys[0] < keys[1] if keys else str.__lt__(self, other)  # type: ignore[operator]

    def __le__(self, other: object) -> bool:
        keys = self._key(other)
        return keys[0] <= keys[1] if keys else str.__le__(self, other)  # type: ignore[operator]

    def __gt__(self, other: object) -> bool:
        keys = self._key(other)
        return keys[0] > keys[1] if keys else str.__gt__(self, other)  # type: ignore[operator]

    def __ge__(self, other: object) -> bool:
        keys = self._key(other)
        return keys[0] >= keys[1] if keys else str.__ge__(self, other)  # type: ignore[operator]

    __eq__ = str.__eq__
    __hash__ = str.__hash__


class IdFactory:
    """Make new IDs: ``new(obj)`` returns ``id_class(prefix, next_id_fn())``.

    The prefix is `prefix`, or else the class name of `obj`.  When
    `next_id_fn` is None, a store that is given this factory draws the numbers
    from its own sequence, so IDs stay unique across processes; a factory
    with its own `next_id_fn` is responsible for that uniqueness itself.
    """

    def __init__(self, prefix: str | None = None, next_id_fn: Callable[[], int] | None = None,
                 id_class: Callable[[str, int], str] = Id) -> None:
        self.prefix = prefix
        self.next_id_fn = next_id_fn
        self.id_class = id_class

    def bound_to(self, next_id_fn: Callable[[], int]) -> IdFactory:
        """This factory, drawing its numbers from `next_id_fn` unless it has a source of its own."""
        if self.next_id_fn is not None:
            return self
        bound = copy.copy(self)
        bound.next_id_fn = next_id_fn
        return bound

    def new(self, obj: object) -> str:
        """Return a new ID for `obj`."""
        if self.next_id_fn is None:
            raise TypeError("this IdFactory has no next_id_fn: pass it to a store, "
                            "which supplies its own sequence, or give it a next_id_fn")
        return self.id_class(self.prefix or type(obj).__name__, self.next_id_fn())


class JobIdFactory(IdFactory):
    """An `IdFactory` whose IDs all have the prefix ``job``."""

    def __init__(self, next_id_fn: Callable[[], int] | None = None) -> None:
        super().__init__("job", next_id_fn)
