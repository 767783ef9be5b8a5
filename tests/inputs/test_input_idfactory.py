"""Clause 12 under a hostile ``idfactory``: a value that is no `IdFactory` (nor anything with a
``new(obj)`` method), or an `IdFactory` that makes malformed IDs, is refused by the constructor
with a `TypeError` naming it, or by the first save with a `SaveError`; never with another
exception."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gc3store import IdFactory, make_store

INPUTS = settings.get_profile("gc3store-inputs")

FACTORIES = st.sampled_from([
    IdFactory(prefix="bad prefix"), IdFactory(prefix="x" * 300), IdFactory(prefix="../x"),
    IdFactory(next_id_fn=lambda: -1),
    IdFactory(next_id_fn=lambda: "1"),  # type: ignore[arg-type,return-value]
    IdFactory(next_id_fn=lambda: 10 ** 30),
    IdFactory(id_class=lambda prefix, seqno: 5)])  # type: ignore[arg-type,return-value]


def store_uri(kind: str, root: str) -> str:
    return {"file": f"file://{root}/store", "memory": f"memory://inputs-{secrets.token_hex(4)}",
            "sqlite": f"sqlite:///{root}/store.db"}[kind]


@INPUTS
@given(kind=st.sampled_from(["file", "memory", "sqlite"]),
       idfactory=st.one_of(FACTORIES, st.none(), st.booleans(), st.integers(), st.text(max_size=3),
                           st.just(object()), st.just(IdFactory)))
def test_a_hostile_idfactory_makes_a_store_or_a_documented_error(
        kind: str, idfactory: Any, sandbox: Any, attempt_inside: Any) -> None:
    with sandbox() as box:
        assert attempt_inside(box.root, store_uri(kind, str(box.root)), idfactory=idfactory) == []


@pytest.mark.parametrize("idfactory", [False, 5, "job", object()],
                         ids=["bool", "int", "str", "object"])
def test_an_idfactory_without_a_new_method_is_a_type_error_naming_it(
        tmp_path: Path, idfactory: Any) -> None:
    with pytest.raises(TypeError) as raised:
        make_store(f"file://{tmp_path}/store", idfactory=idfactory)
    assert repr(idfactory) in str(raised.value)
