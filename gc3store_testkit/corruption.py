"""Damage a stored record in place, for the ``integrity`` extension (clause 14).

The kit damages a record through the store's own ``damage_record(id_,
where)`` method when it has one (every ``gc3store.RecordStore`` does), or
through a ``record_corrupter(store, id_, where)`` fixture defined in the
``-p`` module or the ``StoreContract`` subclass.  With neither, the
extension is not offered.  `flip_byte` is what both should do to the bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gc3store.records import DAMAGE_POSITIONS as POSITIONS
from gc3store.records import flip_byte
from gc3store_testkit.extensions import DAMAGE_HOOK

__all__ = ["POSITIONS", "Damager", "damager_of", "flip_byte"]

Damager = Callable[[Any, str, str], None]
"""``damage(store, id_, where)``: invert one byte of the record of `id_`, where is one of
`POSITIONS`."""


def _through_hook(store: Any, id_: str, where: str) -> None:
    getattr(store, DAMAGE_HOOK)(id_, where)


def damager_of(store: Any, fixture: Damager | None) -> Damager | None:
    """How the kit damages a record of `store`: the fixture, else the store's hook, else None."""
    if fixture is not None:
        return fixture
    if callable(getattr(store, DAMAGE_HOOK, None)):
        return _through_hook
    return None
