"""Clause 12: URL schemes are case-insensitive (RFC 3986), and `make_store` looks them up so;
every reference store must then take its own scheme in capitals too, as the file store does."""

from __future__ import annotations

from pathlib import Path

import pytest

from gc3store import make_store


@pytest.mark.parametrize("scheme", ["FILE", "MEMORY", "SQLITE", "Sqlite+Pysqlite"])
def test_a_scheme_in_capitals_opens_the_same_store_as_in_small_letters(
        tmp_path: Path, scheme: str) -> None:
    rest = {"file": f"{tmp_path}/store", "memory": f"scheme-case-{tmp_path.name}",
            "sqlite": f"/{tmp_path}/store.db"}[scheme.lower().partition("+")[0]]
    id_ = make_store(f"{scheme.lower()}://{rest}").save({"name": "saved"})
    assert make_store(f"{scheme}://{rest}").load(id_) == {"name": "saved"}
