"""What a replay knows of each file and directory of a trace: a file's names and its changes
since its last flush, a directory's changed entries."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(eq=False)
class File:
    """A file (an inode) as the trace shows it: its names, and what was done to it unflushed."""

    names: dict[str, None] = field(default_factory=dict)
    """Its current names, the last one given last."""
    unflushed: dict[str, None] = field(default_factory=dict)
    """What was done to its data since it was last flushed: written, truncated, allocated."""


@dataclass
class Opened:
    file: File
    flushes_every_write: bool


@dataclass
class Entries:
    """How the entries of one directory changed since it was last flushed."""

    changes: dict[str, str] = field(default_factory=dict)
    """Each changed name: created, linked, renamed, renamed away, removed, exchanged."""
    new: set[str] = field(default_factory=set)
    """The changed names that the directory did not hold when it was last flushed."""

    def add(self, name: str, how: str, existed: bool) -> None:
        if name not in self.changes and not existed:
            self.new.add(name)
        self.changes[name] = how

    def remove(self, name: str, how: str) -> None:
        if name in self.new:  # made since the last flush: the directory is as it was
            self.new.discard(name)
            del self.changes[name]
        else:
            self.changes[name] = how

    def describe(self) -> str:
        names_by_how: dict[str, list[str]] = {}
        for name, how in self.changes.items():
            names_by_how.setdefault(how, []).append(name)
        return ", ".join(f"{how}: {', '.join(names)}" for how, names in names_by_how.items())
