"""`Persistable`: the mix-in for objects that are stored as records of their own."""

from __future__ import annotations

from typing import Any, ClassVar


class Persistable:
    """Mark a class whose instances are saved as separate records.

    When an object that refers to a `Persistable` instance is saved, the
    instance is saved as a record of its own (if it is new, or its `changed`
    flag is set) and the referring record holds only its ID.  Loading the
    referring object loads the instance through the store, so objects shared
    between several records load as one object, and cycles between
    `Persistable` objects survive a round trip.

    Two `Persistable` objects are equal when they carry the same
    ``persistent_id``.  Because that ID is assigned only when the object is
    first saved, such objects are not hashable (a hash could not stay
    constant over the object's lifetime and agree with equality).
    """

    changed: bool
    persistent_id: str

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.changed = True
        if "persistent_id" in kwargs:
            self.persistent_id = kwargs.pop("persistent_id")
        super().__init__(*args, **kwargs)

    def __str__(self) -> str:
        try:
            return str(self.persistent_id)
        except AttributeError:
            return super().__str__()

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        mine = getattr(self, "persistent_id", None)
        theirs = getattr(other, "persistent_id", None)
        if mine is None or theirs is None:
            return False
        return bool(mine == theirs)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__: ClassVar[None] = None  # type: ignore[assignment]
