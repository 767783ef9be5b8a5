"""Clause 12 for ``file://`` URLs: the directory a URL names is the one the store opens, or the URL
is refused with a `StoreError` naming it.  A tab or a line end in the path is no reason to open
another directory (``urlsplit`` drops them), and neither is a %-escaped byte that is not UTF-8
(``unquote`` turns it into U+FFFD by default)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gc3store import StoreError, make_store

REFUSED = "refused with a StoreError naming the URL"


def opened(url: str) -> str:
    """The directory the store made from `url` opens, or how it was refused."""
    try:
        return str(make_store(url).directory)  # type: ignore[attr-defined]
    except StoreError as exc:
        return REFUSED if repr(url) in str(exc) else f"refused: {exc}"


@pytest.mark.parametrize("name", ["a\tb", "a\nb", "a\rb"], ids=["tab", "line feed", "return"])
def test_a_control_character_in_a_file_url_is_kept_or_refused(tmp_path: Path, name: str) -> None:
    assert opened(f"file://{tmp_path}/{name}") in {f"{tmp_path}/{name}", REFUSED}


def test_a_byte_that_is_not_utf8_is_that_byte_or_refused(tmp_path: Path) -> None:
    assert opened(f"file://{tmp_path}/%FF") in {os.fsdecode(bytes(tmp_path) + b"/\xff"), REFUSED}


def test_a_malformed_host_is_a_store_error_naming_the_url() -> None:
    assert opened("file://[unclosed/tmp/store") == REFUSED
