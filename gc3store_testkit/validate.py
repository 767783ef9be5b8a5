"""`validate(store)`: a proxy that checks the contract on every call, for applications' own tests.

Like ``wsgiref.validate`` for WSGI applications: wrap the store an
application uses in its tests, and any call whose outcome breaks the
contract raises `ContractFailure` naming the clause.  It checks what one
proxy can see: the IDs it handed out, removed and loaded.
"""

from __future__ import annotations

import contextlib
import weakref
from typing import Any

from gc3store_testkit.harness import ContractFailure, expect, short

_UNSET = object()


def _carries_attributes(obj: Any) -> bool:
    return hasattr(obj, "__dict__")


class ValidatingStore:
    """Forward every call to the wrapped store and check its outcome against the contract."""

    def __init__(self, store: Any) -> None:
        self.wrapped = store
        self._removed: set[str] = set()
        self._loaded: dict[str, weakref.ref[Any]] = {}
        self._replaced: dict[str, weakref.ref[Any]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)

    def __repr__(self) -> str:
        return f"validate({self.wrapped!r})"

    def save(self, obj: Any) -> Any:
        id_ = self.wrapped.save(obj)
        expect(isinstance(id_, str), "save() returns a str ID", "a str", short(id_), clause=2)
        expect(id_ not in self._removed, "the ID of a removed object is never handed out again",
               f"an ID other than {id_!r}", repr(id_), clause=2)
        self._check_ids_set(obj, id_, "save", clause=3)
        return id_

    def load(self, id_: Any) -> Any:
        removed = id_ in self._removed if isinstance(id_, str) else False
        obj = self.wrapped.load(id_)
        expect(not removed, f"load({id_!r}) of a removed ID raises LoadError",
               "LoadError", f"returned {short(obj)}", clause=6)
        if _carries_attributes(obj):
            seen = getattr(obj, "persistent_id", _UNSET)
            expect(seen == id_, "a loaded object's persistent_id is the ID it was loaded by",
                   repr(id_), "not set" if seen is _UNSET else short(seen), clause=4)
        replaced = self._replaced.pop(id_, None)
        stale = replaced() if replaced is not None else None
        expect(stale is None or stale is not obj, f"load({id_!r}) after replace() returns the "
               f"new version, not the object loaded before", "another object",
               f"the replaced object at {id(obj):#x}", clause=5)
        earlier = self._loaded.get(id_)
        alive = earlier() if earlier is not None else None
        expect(alive is None or alive is obj, f"load({id_!r}) while the object it returned "
               f"before is alive returns that object", f"the object at {id(alive):#x}",
               f"another object at {id(obj):#x}", clause=4)
        with contextlib.suppress(TypeError):
            self._loaded[id_] = weakref.ref(obj)
        return obj

    def replace(self, id_: Any, obj: Any) -> None:
        removed = id_ in self._removed if isinstance(id_, str) else False
        result = self.wrapped.replace(id_, obj)
        expect(not removed, f"replace({id_!r}, obj) of a removed ID raises LoadError",
               "LoadError", "it returned", clause=5)
        self._check_ids_set(obj, id_, "replace", clause=5)
        earlier = self._loaded.pop(id_, None)
        if earlier is not None and earlier() is not obj:
            self._replaced[id_] = earlier
        return result  # type: ignore[no-any-return]

    def remove(self, id_: Any) -> None:
        removed = id_ in self._removed if isinstance(id_, str) else False
        self.wrapped.remove(id_)
        expect(not removed, f"remove({id_!r}) of a removed ID raises LoadError", "LoadError",
               "it returned", clause=6)
        self._removed.add(id_)
        self._loaded.pop(id_, None)

    def list(self, *args: Any, **kwargs: Any) -> Any:
        ids = self.wrapped.list(*args, **kwargs)
        strange = [short(id_) for id_ in ids if not isinstance(id_, str)]
        expect(not strange, "list() returns str IDs", "only str", strange[:5], clause=7)
        listed_removed = sorted(self._removed.intersection(ids))
        expect(not listed_removed, "list() holds no removed ID", "none", listed_removed,
               clause=7)
        return ids

    def invalidate_cache(self) -> None:
        self.wrapped.invalidate_cache()
        self._loaded.clear()

    @staticmethod
    def _check_ids_set(obj: Any, id_: Any, method: str, clause: int) -> None:
        if not _carries_attributes(obj):
            return
        for attribute in ("persistent_id", "_id"):
            seen = getattr(obj, attribute, _UNSET)
            expect(seen == id_, f"after {method}(), obj.{attribute} is the ID", repr(id_),
                   "not set" if seen is _UNSET else short(seen), clause=clause)


def validate(store: Any) -> ValidatingStore:
    """Wrap `store` so that every call checks the contract; see `ValidatingStore`."""
    return ValidatingStore(store)


__all__ = ["ContractFailure", "ValidatingStore", "validate"]
