"""Damage a stored record in place, for the clause on damaged records.

The kit knows two layouts: stores built on ``gc3store.RecordStore`` (it
rewrites the record through the store's own record primitives) and
GC3Pie-style directory stores (one file per ID).  For any other backend,
override the ``record_corrupter`` fixture.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

POSITIONS = ("start", "middle", "end")


def flip_byte(data: bytes, where: str) -> bytes:
    """`data` with one byte inverted, at its start, middle or end."""
    if where not in POSITIONS:
        raise ValueError(f"where is one of {POSITIONS}, not {where!r}")
    if not data:
        return b"\xff"
    index = {"start": 0, "middle": len(data) // 2, "end": len(data) - 1}[where]
    return data[:index] + bytes((data[index] ^ 0xFF,)) + data[index + 1:]


def corrupt_record(store: Any, id_: str, where: str) -> None:
    """Invert one byte of the record of `id_` in `store`."""
    if all(hasattr(store, name) for name in ("_check_id", "_read", "_update", "_lock")):
        with store._lock:
            checked = store._check_id(id_)
            store._update(checked, flip_byte(store._read(checked), where), None)
        return
    directory = getattr(store, "directory", None) or getattr(store, "_directory", None)
    path = os.path.join(str(directory), str(id_)) if directory else ""
    if path and os.path.isfile(path):
        with open(path, "rb") as record:
            data = record.read()
        with open(path, "wb") as record:
            record.write(flip_byte(data, where))
        return
    pytest.skip(f"the kit cannot damage a record of a {type(store).__qualname__}; define a "
                f"record_corrupter(store, id_, where) fixture that inverts one byte of the "
                f"stored record")
