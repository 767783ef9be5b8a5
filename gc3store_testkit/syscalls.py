"""Reading strace's output: its lines, as completed system calls, and their arguments
(quoted strings, file descriptors shown with their paths, flags)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Call:
    """One completed system call of the trace."""

    name: str
    arguments: list[str]
    result: str

    @property
    def failed(self) -> bool:
        return not self.result[:1].isdigit()  # -1 ERRNO, or ? for a call that never returned


@dataclass(frozen=True)
class Descriptor:
    """A file descriptor as ``strace -y`` shows it: its number and the path of its file."""

    number: int | None
    path: str | None
    """None for what is not a file (a pipe, a socket) or was shown without its path."""
    deleted: bool = False
    """Whether the path no longer names the file (it was unlinked, or it is an O_TMPFILE)."""


_LINE = re.compile(r"(?:(?P<pid>\d+)\s+)?(?:<\.\.\. (?P<resumed>\w+) resumed>(?P<rest>.*)"
                   r"|(?P<name>\w+)\((?P<arguments>.*))")
_UNFINISHED = " <unfinished ...>"
_DESCRIPTOR = re.compile(r"(?P<number>-?\d+|AT_FDCWD)(?:<(?P<path>(?:[^>\\]|\\.)*)>"
                         r"(?P<deleted>\(deleted\))?)?", re.S)
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)", re.S)
_ESCAPED = {"n": b"\n", "t": b"\t", "r": b"\r", "v": b"\v", "f": b"\f", "a": b"\a", "b": b"\b"}


def calls(trace_text: str) -> Iterator[Call]:
    """The calls of `trace_text` in the order they completed, an unfinished one when resumed."""
    started: dict[str | None, tuple[str, str]] = {}
    for line in trace_text.splitlines():
        match = _LINE.fullmatch(line)
        if match is None:
            continue  # a signal, an exit
        pid = match["pid"]
        if match["resumed"] is not None:
            if pid not in started:
                continue
            name, text = started.pop(pid)
            text += match["rest"]
        else:
            name, text = match["name"], match["arguments"]
        if text.endswith(_UNFINISHED):
            started[pid] = (name, text[:-len(_UNFINISHED)])
            continue
        call = _parsed(name, text)
        if call is not None:
            yield call


def _parsed(name: str, text: str) -> Call | None:
    """The call `name` whose arguments, ``)`` and `` = result`` are `text`."""
    arguments: list[str] = []
    depth = start = index = 0
    while index < len(text):
        char = text[index]
        if char in "\"<":
            index = _closing(text, index, '"' if char == '"' else ">")
        elif char in "([{":
            depth += 1
        elif char == ")" and depth == 0:
            arguments.append(text[start:index].strip())
            result = text[index + 1:].strip()
            if not result.startswith("="):
                return None
            return Call(name, [] if arguments == [""] else arguments, result[1:].strip())
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            arguments.append(text[start:index].strip())
            start = index + 1
        index += 1
    return None


def _closing(text: str, index: int, end: str) -> int:
    """The index of the `end` that closes what opens at `index`, skipping escaped characters."""
    index += 1
    while index < len(text) and text[index] != end:
        index += 2 if text[index] == "\\" else 1
    return index


def _unescaped(text: str) -> str:
    """A path as strace escapes it (``\\n``, ``\\76``, ``\\x3e``), as Python names it."""
    data = bytearray()
    position = 0
    for match in _ESCAPE.finditer(text):
        data += text[position:match.start()].encode("utf-8", "surrogateescape")
        code = match[1]
        if code[0] == "x" and len(code) == 3:
            data.append(int(code[1:], 16))
        elif code[0] in "01234567":
            data.append(int(code, 8) & 0xFF)
        else:
            data += _ESCAPED.get(code, code.encode("utf-8", "surrogateescape"))
        position = match.end()
    data += text[position:].encode("utf-8", "surrogateescape")
    return os.fsdecode(bytes(data))


def string(argument: str) -> str | None:
    """The text of a quoted string argument, None for another argument."""
    if not argument.startswith('"'):
        return None
    return _unescaped(argument[1:_closing(argument, 0, '"')])


def descriptor(argument: str) -> Descriptor:
    match = _DESCRIPTOR.match(argument)
    if match is None:
        return Descriptor(None, None)
    number = None if match["number"] == "AT_FDCWD" else int(match["number"])
    path = None if match["path"] is None else _unescaped(match["path"])
    deleted = match["deleted"] is not None
    if path is not None and path.endswith(" (deleted)"):  # older strace prints the link as is
        path, deleted = path[:-len(" (deleted)")], True
    if path is not None and not path.startswith("/"):
        path = None  # pipe:[123], socket:[456], anon_inode:...
    return Descriptor(number, path, deleted)


def flags(argument: str) -> set[str]:
    """The flags of an ``O_WRONLY|O_CREAT`` argument, or of openat2's ``{flags=...}``."""
    match = re.search(r"flags=([\w|]+)", argument)
    return set((match[1] if match else argument).split("|"))
