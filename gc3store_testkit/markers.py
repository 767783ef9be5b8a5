"""The markers that bound each traced operation: failed opens of paths under
`MARKER_DIRECTORY`, made by the traced child and recognised in its trace."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from urllib.parse import quote

MARKER_DIRECTORY = "/gc3store-durability-marker"
"""A directory that does not exist: the child's markers are failed opens of paths in it."""

MARKING_CALLS = {"open": 0, "openat": 1}
"""The calls a marker may be, with the position of their path."""

MARKER_PATH = re.compile(re.escape(MARKER_DIRECTORY)
                         + r"/(?P<number>\d+)-(?P<phase>begin|end)(?:-(?P<operation>.*))?")
"""A marker's path: its operation's number, its phase and, at the beginning, the operation."""


def marker_paths(number: int, operation: str) -> tuple[str, str]:
    """The paths whose opens mark the beginning and the end of operation `number`."""
    return (f"{MARKER_DIRECTORY}/{number}-begin-{quote(operation, safe='')}",
            f"{MARKER_DIRECTORY}/{number}-end")


@contextlib.contextmanager
def marked(number: int, operation: str) -> Iterator[None]:
    """Mark the block, in the trace, as operation `number`, described as `operation`.

    The end is marked only when the block returns: an operation that
    raised did not return.
    """
    begin, end = marker_paths(number, operation)
    _mark(begin)
    yield
    _mark(end)


def _mark(path: str) -> None:
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_RDONLY | os.O_CLOEXEC))
