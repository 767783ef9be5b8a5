"""The tokens that mark the kit's sample objects, and the record of those this process made.

Every sample object carries a token no other carries; the kit removes at
the end of a test every new record that holds one of the test's tokens.
"""

from __future__ import annotations

import uuid

_made: list[str] = []


def new() -> str:
    """A new token, recorded as made by this process."""
    token = uuid.uuid4().hex
    _made.append(token)
    return token


def made() -> int:
    """How many tokens this process has made: a mark for `made_since`."""
    return len(_made)


def made_since(mark: int) -> set[str]:
    """The tokens made since `made` returned `mark`."""
    return set(_made[mark:])
