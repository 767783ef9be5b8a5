"""Clause 12 under hostile keywords: `make_store(uri, **kwargs)` passes them to the constructor,
which accepts GC3Pie's cross-store keywords (``idfactory``, ``protocol``, ``table_name``,
``create``, ``extra_fields``, ``directory``) and gc3store's ``durable`` and ``secret``, ignoring
those that do not apply.  With values of the wrong type or value, or keywords it does not know,
it returns a store that works (or raises `StoreError` on first use), or raises `TypeError` or
`ValueError` naming the keyword or its value; nothing outside the sandbox is touched.

Wrong `idfactory` values are in ``test_input_idfactory.py``, the SQL store's keywords in
``test_input_sql.py``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

INPUTS = settings.get_profile("gc3store-inputs")

WRONG_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 10), st.integers(), st.floats(allow_nan=False),
    st.text(max_size=5), st.binary(max_size=5), st.just(object()), st.just([]), st.just({}),
    st.just({"state": len}), st.just({sa.Column("state", sa.String): len}),
    st.just({sa.Column("x", sa.String, nullable=False): len}), st.just({sa.Column("x"): 5}))
"""Values of the wrong type or value for one keyword or another (or right for some)."""

KNOWN = ["protocol", "durable", "create", "table_name", "extra_fields", "directory", "secret"]


def keywords(names: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(names, WRONG_VALUES, min_size=1, max_size=3)


UNKNOWN = st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True).filter(
    lambda name: name not in (*KNOWN, "idfactory"))
ANY_BUT_IDFACTORY = st.one_of(st.sampled_from(KNOWN), UNKNOWN)


def store_uri(kind: str, root: str) -> str:
    return {"file": f"file://{root}/store", "path": f"{root}/store",
            "memory": f"memory://inputs-{secrets.token_hex(4)}"}[kind]


@INPUTS
@given(kind=st.sampled_from(["file", "path", "memory"]),
       given_keywords=keywords(ANY_BUT_IDFACTORY))
def test_hostile_keywords_make_a_store_or_a_documented_error_naming_them(
        kind: str, given_keywords: dict[str, Any], sandbox: Any, recorder: Any,
        touched_outside: Any, attempt: Callable[..., str]) -> None:
    with sandbox() as box:
        uri = store_uri(kind, str(box.root))
        with recorder.recording() as touches:
            attempt(uri, **given_keywords)
        assert touched_outside(touches, box.root) == []
