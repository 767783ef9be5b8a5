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
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

INPUTS = settings.get_profile("gc3store-inputs")


def store_uri(kind: str, root: str) -> str:
    return {"file": f"file://{root}/store", "path": f"{root}/store",
            "memory": f"memory://inputs-{secrets.token_hex(4)}"}[kind]


@INPUTS
@given(kind=st.sampled_from(["file", "path", "memory"]), data=st.data())
def test_hostile_keywords_make_a_store_or_a_documented_error_naming_them(
        kind: str, data: st.DataObject, hostile: Any, sandbox: Any, attempt_inside: Any) -> None:
    keywords = data.draw(hostile.keyword_arguments(), label="keywords")
    with sandbox() as box:
        assert attempt_inside(box.root, store_uri(kind, str(box.root)), **keywords) == []
