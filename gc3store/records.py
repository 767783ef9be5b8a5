"""The byte format of a stored record: a checked header followed by a pickle.

Layout (format version 1)::

    b"G3S"  version:u8  flags:u8  protocol:u8  crc32:u32 (big endian)  [tag:32 bytes]  payload

The CRC-32 covers the version, flags and protocol bytes and everything after
the header, so a flipped byte anywhere in a record is detected before
anything is unpickled.  A record written by a store that has a secret is
*signed*: flag `FLAG_SIGNED` is set and `tag` is the HMAC-SHA256, under the
secret, of the ID the record is stored under (its length as a big-endian u16,
then its UTF-8 bytes), the version, flags and protocol bytes and the payload,
so that a signed record moved to another ID is refused too.  A reader
with the secret refuses, before unpickling anything, a record that is not
signed or whose tag does not match: unpickling runs code, so a record
written by someone without the secret must never be unpickled.  Records
written by GC3Pie (a bare pickle, protocol 2 or newer) are read as format
version 0, by readers without a secret only.

The state of the object a record holds leaves out its ID attributes
(`ID_ATTRIBUTES`) where they name the ID the record is stored under: a store
sets them on the object at every load, and pickling an ID costs more than
the rest of a small object.  Objects that restore their own state
(``__setstate__``) keep them.

References to `Persistable` objects are pickled as calls to
`load_reference` with the referenced object's ID (GC3Pie's records use
persistent IDs, which are read too).  The
record of a `Persistable` object itself is pickled in two parts (how to
create the object, then its state), so that loading can register the empty
object before its state refers back to it: this is what lets cycles
between `Persistable` objects load.
"""

from __future__ import annotations

import contextvars
import copyreg
import hashlib
import hmac
import io
import pickle
import struct
import sys
import types
from collections.abc import Callable
from typing import Any

from gc3store.persistable import Persistable

try:
    # the CRC-32 of zlib, computed with SIMD: ten times as fast on a record of 1 MiB
    from isal.isal_zlib import crc32
except ImportError:  # pragma: no cover - isal is a dependency, but not built for every platform
    from zlib import crc32

MAGIC = b"G3S"
FORMAT_VERSION = 1
HEADER = struct.Struct(">3sBBBI")
FLAG_TWO_PART = 0x01
FLAG_SIGNED = 0x02
KNOWN_FLAGS = FLAG_TWO_PART | FLAG_SIGNED
TAG_SIZE = hashlib.sha256().digest_size
_META = slice(len(MAGIC), len(MAGIC) + 3)
"""Where the version, flags and protocol bytes are in a record."""
_LEGACY_PICKLE_START = pickle.PROTO  # every pickle of protocol 2 or newer starts with it

ID_ATTRIBUTES = ("persistent_id", "_id")
"""The attributes through which an object carries its ID (GC3Pie sets the first only)."""

Reference = Callable[[Persistable], str]
"""Given a `Persistable` met while pickling, save it if needed and return its ID."""

Resolve = Callable[[str], Any]
"""Given a persistent ID met while unpickling, return the object it names."""


class CorruptRecord(Exception):
    """The bytes of a record are not a record this module wrote."""


class UntrustedRecord(CorruptRecord):
    """A record a reader with a secret must not unpickle: unsigned, or signed with another key."""


_resolving: contextvars.ContextVar[Resolve] = contextvars.ContextVar("gc3store_resolving")


def load_reference(id_: str) -> Any:
    """The object a reference in a record names, as the record being loaded resolves it."""
    if not isinstance(id_, str):
        raise pickle.UnpicklingError(f"reference {id_!r} is not an object ID")
    try:
        resolve = _resolving.get()
    except LookupError:
        raise pickle.UnpicklingError(f"a reference to {id_!r} outside of a gc3store record "
                                     f"being loaded") from None
    return resolve(id_)


class _Pickler(pickle.Pickler):
    """Pickle references to `Persistable` objects as calls to `load_reference`.

    ``reducer_override`` is consulted for instances of classes only, not for
    strings, numbers and containers, which keeps pickling at the speed of C.
    """

    _reference: Reference
    _inline: object
    _leaves_out: str
    """The ID whose attributes the state of `_inline` leaves out, or "" to pickle it as it is."""
    _protocol: int

    def reducer_override(self, obj: Any) -> Any:
        if obj is self._inline:
            if not self._leaves_out:
                return NotImplemented
            return _reduced_without_own_id(obj, self._protocol, self._leaves_out)
        if isinstance(obj, Persistable):
            return load_reference, (self._reference(obj),)
        return NotImplemented


def _carries_id(obj: object, id_: str) -> bool:
    """Whether an ID attribute in the ``__dict__`` of `obj` is `id_` (there is one to leave out)."""
    attributes = getattr(obj, "__dict__", None)
    if type(attributes) is not dict:
        return False
    for name in ID_ATTRIBUTES:  # noqa: SIM110 - any() of a generator costs more, at every save
        if attributes.get(name) == id_:
            return True
    return False


def _reduced_without_own_id(obj: Any, protocol: int, bound_to: str) -> Any:
    """``obj.__reduce_ex__(protocol)``, its state without the ID attributes naming `bound_to`."""
    if isinstance(obj, (type, types.FunctionType)) or type(obj) in copyreg.dispatch_table:
        # pickled as pickle pickles them: classes and functions by name, and what copyreg
        # knows (a compiled pattern, say) by its function; none of them carries an ID
        return NotImplemented
    reduced = obj.__reduce_ex__(protocol)
    if type(reduced) is not tuple or len(reduced) < 3:
        return reduced
    state = _without_own_id(obj, reduced[2], bound_to)
    return reduced if state is reduced[2] else (*reduced[:2], state, *reduced[3:])


def _without_own_id(obj: Any, state: Any, bound_to: str) -> Any:
    """`state`, less the ID attributes whose value is `bound_to` (the loader sets them)."""
    if not bound_to or type(state) is not dict or hasattr(type(obj), "__setstate__"):
        return state
    own = [name for name in ID_ATTRIBUTES if state.get(name) == bound_to]
    if not own:
        return state
    state = state.copy()
    for name in own:
        del state[name]
    return state


class _Unpickler(pickle.Unpickler):
    def __init__(self, stream: io.BytesIO, resolve: Resolve) -> None:
        super().__init__(stream)
        self._resolve = resolve

    def persistent_load(self, pid: Any) -> Any:
        if not isinstance(pid, str):
            raise pickle.UnpicklingError(f"persistent reference {pid!r} is not an object ID")
        return self._resolve(pid)


def encode(obj: object, protocol: int, reference: Reference, secret: bytes | None = None,
           bound_to: str = "") -> bytes:
    """Return the record bytes for `obj`, signed with `secret` if given.

    A signed record is bound to the ID `bound_to` it is stored under: read under
    another ID, its signature does not match.

    `reference` handles the `Persistable` objects met inside `obj`.
    """
    parts = _two_parts(obj, protocol, bound_to) if isinstance(obj, Persistable) else None
    stream, pickler = _take_pickler(protocol)
    stream.write(bytes(HEADER.size + (TAG_SIZE if secret is not None else 0)))
    flags = 0 if secret is None else FLAG_SIGNED
    pickler._reference = reference
    if parts is None:
        pickler._inline = obj
        pickler._leaves_out = bound_to if _carries_id(obj, bound_to) else ""
        pickler.dump(obj)
    else:
        flags |= FLAG_TWO_PART
        pickler._inline = None
        pickler.dump(parts[0])
        pickler.dump(parts[1])
    record = stream.getbuffer()
    meta = bytes((FORMAT_VERSION, flags, protocol))
    if secret is not None:
        record[HEADER.size:HEADER.size + TAG_SIZE] = _tag(secret, bound_to, meta,
                                                          record[HEADER.size + TAG_SIZE:])
    crc = crc32(record[HEADER.size:], crc32(meta))
    HEADER.pack_into(record, 0, MAGIC, FORMAT_VERSION, flags, protocol, crc)
    del record
    data = stream.getvalue()
    _give_back_pickler(protocol, stream, pickler)
    return data


_idle_picklers: dict[int, list[tuple[io.BytesIO, _Pickler]]] = {}
"""Picklers not in use, by protocol: making one costs about as much as pickling a small object.
A record saved while another is being pickled (a `Persistable` inside it) takes another one;
one whose pickling failed is not given back."""
_IDLE_PICKLERS_LIMIT = 8


def _take_pickler(protocol: int) -> tuple[io.BytesIO, _Pickler]:
    try:
        return _idle_picklers.setdefault(protocol, []).pop()
    except IndexError:
        stream = io.BytesIO()
        # the attributes are set here and when used: an __init__ of our own would cost a call
        pickler = _Pickler(stream, protocol)
        pickler._protocol = protocol
        return stream, pickler


def _give_back_pickler(protocol: int, stream: io.BytesIO, pickler: _Pickler) -> None:
    pickler.clear_memo()  # the memo holds every object pickled: let them go
    pickler._reference = pickler._inline = None  # type: ignore[assignment]
    stream.seek(0)
    stream.truncate()
    idle = _idle_picklers.setdefault(protocol, [])
    if len(idle) < _IDLE_PICKLERS_LIMIT:
        idle.append((stream, pickler))


def _tag(secret: bytes, bound_to: str, meta: bytes, payload: memoryview) -> bytes:
    id_bytes = bound_to.encode("utf-8", "surrogatepass")
    signer = hmac.new(secret, struct.pack(">H", len(id_bytes)) + id_bytes, hashlib.sha256)
    signer.update(meta)
    signer.update(payload)
    return signer.digest()


def _two_parts(obj: object, protocol: int,
               bound_to: str) -> tuple[tuple[Any, ...], tuple[Any, ...]] | None:
    reduced = obj.__reduce_ex__(protocol)
    if isinstance(reduced, str):
        return None
    create, args, state, listitems, dictitems, setter = (tuple(reduced) + (None,) * 4)[:6]
    if setter is None:
        state = _without_own_id(obj, state, bound_to)
    return ((create, args),
            (state,
             None if listitems is None else list(listitems),
             None if dictitems is None else list(dictitems),
             setter))


def decode(data: bytes, resolve: Resolve, on_created: Callable[[Any], None],
           secret: bytes | None = None, bound_to: str = "") -> Any:
    """Return the object stored in `data`, checked against `secret` if given.

    A signed record must have been signed for the ID `bound_to`.

    `resolve` loads the objects that `data` refers to; `on_created` is called
    with a two-part record's object as soon as it exists, before its state is
    set.  Raises `CorruptRecord` when the bytes fail their checks, and
    `UntrustedRecord` when a `secret` is given and the record is not signed
    with it; in both cases before anything is unpickled.
    """
    if data[:len(MAGIC)] != MAGIC:
        return _decode_legacy(data, resolve, secret)
    payload, two_part = _check_header(memoryview(data), secret, bound_to)
    token = _resolving.set(resolve)
    try:
        if not two_part:
            # references in a record of ours are calls to load_reference, never persistent IDs
            return pickle.loads(payload)
        # a BytesIO of the bytes themselves shares them, where one of a memoryview would copy them
        stream = io.BytesIO(data)
        stream.seek(len(data) - len(payload))
        return _unpickle_two_parts(pickle.Unpickler(stream), on_created)
    finally:
        _resolving.reset(token)


def _unpickle_two_parts(unpickler: pickle.Unpickler, on_created: Callable[[Any], None]) -> Any:
    create, args = unpickler.load()
    obj = create(*args)
    on_created(obj)
    state, listitems, dictitems, setter = unpickler.load()
    # in pickle's order: the items first, then the state
    if listitems is not None:
        _extend(obj, listitems)
    for key, value in dictitems or ():
        obj[key] = value
    _set_state(obj, state, setter)
    return obj


def _decode_legacy(data: bytes, resolve: Resolve, secret: bytes | None) -> Any:
    """The object in `data`, a bare pickle as GC3Pie writes them (format version 0)."""
    if data[:1] != _LEGACY_PICKLE_START:
        raise CorruptRecord("the data is neither a gc3store record nor a GC3Pie pickle")
    if secret is not None:
        raise UntrustedRecord("the record is a bare pickle without signature (format version "
                              "0), and this store has a secret")
    token = _resolving.set(resolve)
    try:
        return _Unpickler(io.BytesIO(data), resolve).load()
    finally:
        _resolving.reset(token)


def is_current(data: bytes, secret: bytes | None) -> bool:
    """Whether `data` is a record of the current format, signed if `secret` is given."""
    if data[:len(MAGIC)] != MAGIC or len(data) < HEADER.size:
        return False
    _, version, flags, _, _ = HEADER.unpack_from(data)
    return version == FORMAT_VERSION and (secret is None or bool(flags & FLAG_SIGNED))


def _check_header(view: memoryview, secret: bytes | None,
                  bound_to: str) -> tuple[memoryview, bool]:
    if len(view) < HEADER.size:
        raise CorruptRecord(f"the record is {len(view)} bytes long, shorter than its header")
    _, version, flags, _, crc = HEADER.unpack_from(view)
    if version != FORMAT_VERSION:
        raise CorruptRecord(f"unknown record format version {version} "
                            f"(this gc3store reads versions 0 and {FORMAT_VERSION})")
    body = view[HEADER.size:]
    if crc32(body, crc32(view[_META])) != crc:
        raise CorruptRecord("the record's checksum does not match its contents")
    if flags & ~KNOWN_FLAGS:
        raise CorruptRecord(f"unknown record flags {flags:#04x}")
    signed = bool(flags & FLAG_SIGNED)
    if signed and len(body) < TAG_SIZE:
        raise CorruptRecord("the record is shorter than its signature")
    payload = body[TAG_SIZE:] if signed else body
    if secret is not None:
        if not signed:
            raise UntrustedRecord("the record is not signed, and this store has a secret")
        meta = bytes(view[_META])
        if not hmac.compare_digest(bytes(body[:TAG_SIZE]), _tag(secret, bound_to, meta, payload)):
            raise UntrustedRecord("the record's signature does not match this store's secret "
                                  "and its ID (signed with another key, or for another ID)")
    return payload, bool(flags & FLAG_TWO_PART)


def _set_state(obj: Any, state: Any, setter: Callable[[Any, Any], None] | None) -> None:
    """Apply `state` to `obj` exactly as pickle's BUILD opcode does."""
    if setter is not None:
        setter(obj, state)
        return
    if state is None:
        return
    setstate = getattr(obj, "__setstate__", None)
    if setstate is not None:
        setstate(state)
        return
    slotstate = None
    if isinstance(state, tuple) and len(state) == 2:
        state, slotstate = state
    if state:
        instance_dict = obj.__dict__
        for key, value in state.items():
            instance_dict[sys.intern(key) if type(key) is str else key] = value
    for key, value in (slotstate or {}).items():
        setattr(obj, key, value)


def _extend(obj: Any, items: list[Any]) -> None:
    extend = getattr(obj, "extend", None)
    if extend is not None:
        extend(items)
        return
    for item in items:
        obj.append(item)


DAMAGE_POSITIONS = ("start", "middle", "end")


def flip_byte(data: bytes, where: str) -> bytes:
    """`data` with one byte inverted, at its ``start``, ``middle`` or ``end`` (for damage tests)."""
    if where not in DAMAGE_POSITIONS:
        raise ValueError(f"where is one of {DAMAGE_POSITIONS}, not {where!r}")
    if not data:
        return b"\xff"
    index = {"start": 0, "middle": len(data) // 2, "end": len(data) - 1}[where]
    return data[:index] + bytes((data[index] ^ 0xFF,)) + data[index + 1:]
