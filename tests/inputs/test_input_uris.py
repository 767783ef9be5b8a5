"""Clause 12 under hostile URIs: whatever `make_store` is given, it returns a store or raises a
documented exception naming what it refused, a store it returns works or raises `StoreError` on
first use, and nothing outside the sandbox the URI points into is read or written.

`make_store` documents `StoreError` (an unknown scheme, a URI naming no usable storage;
`StoreUnavailable` is one), `TypeError` (a URI that is neither a string nor a path, a keyword of
the wrong name or type) and `ValueError` (a keyword of the right type with a wrong value).
The SQL store's URLs (SQLite, and the test servers at 127.0.0.1) are in ``test_input_sql_urls.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gc3store import StoreError, make_store
from gc3store.registry import known_schemes

INPUTS = settings.get_profile("gc3store-inputs")
LOOPBACK = "127.0.0.1"


def file_and_memory_uris(hostile: Any, cwd: str) -> st.SearchStrategy[str]:
    """Directory paths, ``file://`` and ``memory://`` URLs and unknown schemes, every path in
    them inside the sandbox whose working directory is `cwd`: the check that nothing else was
    touched comes after the fact, so the URIs must never name anything else."""
    path = hostile.relative_paths
    absolute = path.map(lambda p: f"{cwd}/{p}")
    quoted = hostile.quoted
    return st.one_of(
        path, absolute,
        st.builds(lambda p, q: f"file://{quoted(p)}{q}", absolute, st.sampled_from(["", "?x"])),
        absolute.map(lambda p: f"file://{p}"),                    # not quoted
        absolute.map(lambda p: f"file://localhost{quoted(p)}"),
        absolute.map(lambda p: f"FILE://{quoted(p)}"),
        absolute.map(lambda p: f"file://{quoted(p)}#fragment"),
        path.filter(lambda p: p.partition("/")[0].lower() != "localhost").map(
            lambda p: f"file://{quoted(p)}"),                     # a host name, not a path
        st.sampled_from(["file://", "file:", "file://localhost"]),
        path.map(lambda p: "file:" + p),                          # a relative directory
        hostile.text.map(lambda name: "memory://" + name),
        st.builds(lambda scheme, p: f"{scheme}://{p}", UNKNOWN_SCHEMES, path),
        st.builds(lambda scheme, p: f"{scheme}://{p}", hostile.text.filter(unknown), path),
    )


def unknown(scheme: str) -> bool:
    """Whether `scheme` is bound to no store: the rest of its URL must not name a host to
    connect to, or a directory outside the sandbox."""
    return scheme.lower().partition("+")[0] not in known_schemes()


UNKNOWN_SCHEMES = st.from_regex(r"[A-Za-z][A-Za-z0-9+.-]{0,8}", fullmatch=True).filter(unknown)


@INPUTS
@given(data=st.data())
def test_a_hostile_file_or_memory_uri_makes_a_store_or_a_documented_error_inside_its_sandbox(
        data: st.DataObject, hostile: Any, sandbox: Any, attempt_inside: Any) -> None:
    with sandbox() as box:
        uri = data.draw(file_and_memory_uris(hostile, str(box.cwd)), label="uri")
        assert attempt_inside(box.root, uri) == []


def test_a_directory_path_that_utf8_cannot_encode_is_a_store_error_naming_it(
        tmp_path: Path) -> None:
    path = f"{tmp_path}/undecodable-\udcff"
    with pytest.raises(StoreError, match="UTF-8") as raised:
        make_store(path)
    assert repr(path) in str(raised.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("uri", [None, 42, b"/tmp/store", ["memory://x"], object()],
                         ids=lambda uri: type(uri).__name__)
def test_a_uri_that_is_no_string_or_path_is_a_type_error_naming_its_type(uri: Any) -> None:
    with pytest.raises(TypeError) as raised:
        make_store(uri)
    assert type(uri).__name__ in str(raised.value)
