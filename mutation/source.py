"""One Python source file, parsed: its text, syntax tree and tokens, with positions in characters.

`ast` gives columns in UTF-8 bytes and `tokenize` in characters; every
position here is ``(line, column)`` with the line counted from 1 and the
column in characters from 0, so that an edit can be spliced into the text.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

Position = tuple[int, int]
"""(line from 1, column in characters from 0)."""


@dataclass(frozen=True)
class Span:
    """The text from `start` up to, not including, `end`."""

    start: Position
    end: Position

    def contains(self, position: Position) -> bool:
        return self.start <= position < self.end

    @property
    def lines(self) -> str:
        """The lines it covers, as ``12`` or ``12-30``."""
        first, last = self.start[0], self.end[0]
        return str(first) if first == last else f"{first}-{last}"


class Source:
    """The text of one module, with its tree, its tokens and position arithmetic."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.tree = ast.parse(text, filename=path)
        self._line_starts = [0]
        for line in self.lines:
            self._line_starts.append(self._line_starts[-1] + len(line))

    @cached_property
    def tokens(self) -> list[tokenize.TokenInfo]:
        return list(tokenize.generate_tokens(io.StringIO(self.text).readline))

    def position(self, lineno: int, byte_col: int) -> Position:
        """The position of `ast`'s (lineno, col_offset), whose column counts UTF-8 bytes."""
        line = self.lines[lineno - 1].encode("utf-8")
        return lineno, len(line[:byte_col].decode("utf-8"))

    def start(self, node: ast.AST) -> Position:
        return self.position(node.lineno, node.col_offset)  # type: ignore[attr-defined]

    def end(self, node: ast.AST) -> Position:
        return self.position(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]

    def span(self, node: ast.AST) -> Span:
        return Span(self.start(node), self.end(node))

    def offset(self, position: Position) -> int:
        """Where `position` is in `text`."""
        line, column = position
        return self._line_starts[line - 1] + column

    def first_line(self, node: ast.AST) -> str:
        """The text of the line `node` starts on, stripped."""
        return self.lines[node.lineno - 1].strip()  # type: ignore[attr-defined]

    def tokens_between(self, start: Position, end: Position) -> Iterator[tokenize.TokenInfo]:
        """The tokens that lie wholly within [start, end)."""
        for token in self.tokens:
            if token.start >= start and token.end <= end:
                yield token
            elif token.start >= end:
                return

    def token_after(self, position: Position) -> tokenize.TokenInfo:
        """The first token that starts at or after `position`, skipping line ends and comments."""
        skipped = {tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT}
        return next(token for token in self.tokens
                    if token.start >= position and token.type not in skipped)
