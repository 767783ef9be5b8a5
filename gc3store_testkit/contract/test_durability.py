"""Clause 16, the ``durability`` extension: a write is on disk before the call returns.

What must hold: when save, replace or remove returns, every file it wrote
has been flushed (``fsync`` or ``fdatasync``) since it last wrote it, and
every directory whose entries it changed (a name created, linked, renamed
or removed) has been flushed since; a database file has had the sync its
journal mode requires (SQLite in WAL mode: the WAL, at each commit).  A
file the call created and removed again, and SQLite's shared-memory index,
need nothing.

How it is provoked: the store's own calls, watched from outside.  A new
process opens the store under ``strace -f``, saves once to warm it up,
then saves a new object holding a new one, saves that object again
changed, replaces an object and removes it; the kit replays each call's
system calls (`gc3store_testkit.durability`).  The contract leaves open
how a store flushes (one ``fsync`` per file, a ``syncfs``, ``O_DSYNC``
files), and whether it flushes writes outside these calls.  Where
``strace`` cannot run (not installed, ``ptrace`` refused), the store's
factory cannot be sent to a child process, or a call changes no file the
trace shows (the store writes through a server), the extension is
reported *offered, NOT-RUN* with the reason, never passed.
"""

from __future__ import annotations

from pathlib import Path

from gc3store_testkit.contract.base import ContractTests, clause
from gc3store_testkit.durability import TracingUnavailable, check_durability
from gc3store_testkit.harness import NotRun, StoreHarness, expect


class TestDurability(ContractTests):
    @clause(16)
    def test_writes_are_flushed_before_they_return(self, kit: StoreHarness,
                                                   tmp_path: Path) -> None:
        try:
            problems = check_durability(kit.factory, timeout=kit.options.timeout,
                                        workdir=tmp_path)
        except TracingUnavailable as exc:
            raise NotRun(str(exc)) from None
        expect(not problems, "every write is flushed to disk before the call returns",
               "an fsync of each file written and each directory changed", "; ".join(problems))
