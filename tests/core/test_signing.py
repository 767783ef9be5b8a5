"""Stores with a secret sign every record and refuse, before unpickling, what is not theirs."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from gc3store import LoadError, MemoryStore, Persistable
from gc3store.records import FLAG_SIGNED, HEADER, MAGIC


class Task(Persistable):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class Explodes:
    """Unpickling it would run code: the test fails if that ever happens."""

    ran = False

    def __reduce__(self) -> Any:
        return (Explodes.mark, ())

    @staticmethod
    def mark() -> Explodes:
        Explodes.ran = True
        return Explodes()


def test_a_store_with_a_secret_loads_what_it_signed(backend: Any) -> None:
    id_ = backend.open(secret="s3cret").save(Task("signed"))
    data = backend.read_raw(id_)
    assert data[:len(MAGIC)] == MAGIC
    assert HEADER.unpack_from(data)[2] & FLAG_SIGNED
    assert backend.open(secret=b"s3cret").load(id_).name == "signed"


@pytest.mark.parametrize("writer_secret", [None, "another key"])
def test_a_store_with_a_secret_refuses_records_not_signed_with_it(
        backend: Any, writer_secret: str | None) -> None:
    Explodes.ran = False
    id_ = backend.open(secret=writer_secret).save(Explodes())
    with pytest.raises(LoadError, match=r"signature|not signed") as raised:
        backend.open(secret="s3cret").load(id_)
    assert str(id_) in str(raised.value)
    assert not Explodes.ran


def test_a_signed_record_moved_to_another_id_is_refused(backend: Any) -> None:
    # whoever can write the storage but has no key can still move records around: the
    # signature covers the ID, so a record read under another ID is not taken for it
    store = backend.open(secret="s3cret")
    genuine, other = store.save(Task("genuine")), store.save(Task("other"))
    backend.write_raw(str(genuine), backend.read_raw(other))
    with pytest.raises(LoadError, match="for another ID") as raised:
        backend.open(secret="s3cret").load(genuine)
    assert str(genuine) in str(raised.value)
    assert backend.open(secret="s3cret").load(other).name == "other"


def test_a_store_with_a_secret_refuses_a_bare_gc3pie_pickle(backend: Any) -> None:
    Explodes.ran = False
    backend.write_raw("Explodes.1", pickle.dumps(Explodes(), 2))
    with pytest.raises(LoadError, match="without signature"):
        backend.open(secret="s3cret").load("Explodes.1")
    assert not Explodes.ran


def test_a_store_without_a_secret_reads_signed_records(backend: Any) -> None:
    id_ = backend.open(secret="s3cret").save(Task("signed"))
    assert backend.open().load(id_).name == "signed"


def test_a_flipped_byte_in_a_signed_record_is_refused_at_every_position(backend: Any) -> None:
    id_ = backend.open(secret="s3cret").save(Task("signed"))
    data = backend.read_raw(id_)
    for position in range(len(data)):
        damaged = bytearray(data)
        damaged[position] ^= 0x01
        backend.write_raw(id_, bytes(damaged))
        with pytest.raises(LoadError):
            backend.open(secret="s3cret").load(id_)


def test_upgrade_rewrites_gc3pie_and_unsigned_records_in_place(backend: Any) -> None:
    legacy = Task("from GC3Pie")
    legacy.persistent_id = "Task.999"
    backend.write_raw("Task.999", pickle.dumps(legacy, 2))
    unsigned = backend.open().save(Task("unsigned"))
    store = backend.open(secret="s3cret")
    signed = store.save(Task("signed"))
    upgraded = store.upgrade_records(trust_unsigned=True)
    assert set(upgraded) == {"Task.999", unsigned}
    reader = backend.open(secret="s3cret")
    assert [reader.load(id_).name for id_ in ("Task.999", unsigned, signed)] == [
        "from GC3Pie", "unsigned", "signed"]
    assert backend.open(secret="s3cret").upgrade_records() == []


def test_upgrade_without_trusting_unsigned_records_refuses_them(backend: Any) -> None:
    unsigned = backend.open().save(Task("unsigned"))
    with pytest.raises(LoadError, match="not signed"):
        backend.open(secret="s3cret").upgrade_records()
    assert backend.open().load(unsigned).name == "unsigned"


def test_upgrade_of_gc3pie_records_without_a_secret(backend: Any) -> None:
    legacy = Task("from GC3Pie")
    backend.write_raw("Task.7", pickle.dumps(legacy, 2))
    assert backend.open().upgrade_records() == ["Task.7"]
    assert backend.read_raw("Task.7")[:len(MAGIC)] == MAGIC


@pytest.mark.parametrize("secret", ["", b"", 42])
def test_a_secret_must_be_a_non_empty_string_or_bytes(secret: Any) -> None:
    with pytest.raises(TypeError, match="secret"):
        MemoryStore("memory://secret-check", secret=secret)
