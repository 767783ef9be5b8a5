"""The clauses of the Store contract: the one list the kit, its reports and the docs share.

``docs/contract.md`` states each clause at length under the same number and
title; a test of this project checks that the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

CONTRACT_VERSION = 3
"""Bumped whenever a clause is added, removed or changes meaning (2: clause 13, batches; 3: the
contract is clauses 1 to 12, and 13 to 16 are extensions a store may offer)."""


@dataclass(frozen=True)
class Clause:
    """One numbered promise of the contract."""

    number: int
    title: str
    text: str
    extension: str | None = None
    """The extension this clause defines (see `gc3store_testkit.extensions`); None for a clause
    of the contract, which every store keeps."""

    def __str__(self) -> str:
        return f"Clause {self.number} ({self.title}): {self.text}"


CLAUSES: tuple[Clause, ...] = (
    Clause(1, "The Store interface",
           "A store is a Store with a url and the methods save, load, replace, remove, list, "
           "invalidate_cache, pre_fork and post_fork."),
    Clause(2, "Unique IDs",
           "save returns a str ID never given to another object of the same store: not after "
           "remove, not by another instance on the same storage, not by another process."),
    Clause(3, "Saving",
           "After save(obj), obj.persistent_id and obj._id equal the returned ID; saving an "
           "object that carries an ID of this store updates its record under the same ID; "
           "objects that cannot carry attributes are stored too, under a new ID each time."),
    Clause(4, "Loading and the cache",
           "load(id) returns an equal object whose persistent_id is id; while it is alive, "
           "loading id again returns the same object; after invalidate_cache() load re-reads "
           "the backing storage."),
    Clause(5, "Replacing",
           "replace(id, obj) stores a copy of obj under an existing id and sets "
           "obj.persistent_id; an id the store does not hold raises LoadError and stores "
           "nothing."),
    Clause(6, "Removing",
           "After remove(id), loading id raises LoadError and the cache has forgotten it; "
           "removing an unknown id raises LoadError."),
    Clause(7, "Listing",
           "list() returns the IDs of all live objects, as values load accepts."),
    Clause(8, "Persistable references",
           "Persistable objects referenced from a saved or replaced object are saved as records "
           "of their own (when new, or when their changed flag is set) and stored as "
           "references: shared references load as one object and cycles round-trip."),
    Clause(9, "Fork",
           "After pre_fork(), os.fork() and post_fork(), parent and child both keep working, "
           "never hand out the same ID, and see each other's saves after invalidate_cache()."),
    Clause(10, "Failed saves and crashes",
           "A save or replace that fails raises, leaves no new ID behind and keeps the earlier "
           "version intact; a process killed in the middle of a save never leaves a torn "
           "record."),
    Clause(11, "Hostile IDs",
           "Malformed IDs raise LoadError or TypeError and never touch anything outside the "
           "store."),
    Clause(12, "The registry",
           "register(scheme, constructor) binds a URL scheme, the last registration winning; "
           "make_store(uri, *args, **kwargs) calls constructor(uri, *args, **kwargs), treats a "
           "plain path as file, falls back from scheme+driver to scheme, and rejects an unknown "
           "scheme by name."),
    Clause(13, "Batches",
           "Inside `with store.batch():` the saves, replaces and removes are all kept, or, when "
           "the block raises, none of them, and the IDs handed out in it are never handed out "
           "again.", extension="batch"),
    Clause(14, "Record integrity",
           "Loading a record damaged in storage (one byte inverted at its start, middle or end) "
           "raises LoadError naming its ID.", extension="integrity"),
    Clause(15, "The changed-flag economy",
           "save clears the changed flag of the objects it saved, and a referenced Persistable "
           "object whose changed flag is clear is not written again with its parent.",
           extension="changed_flag"),
    Clause(16, "Durability",
           "Before save, replace or remove returns, every file it wrote is flushed (fsync or "
           "fdatasync) and every directory whose entries it changed is flushed, or a database "
           "file has had the sync its journal mode requires.", extension="durability"),
)
"""Every clause, in order of number: the contract's, then the extensions'."""

CONTRACT_CLAUSES: tuple[Clause, ...] = tuple(c for c in CLAUSES if c.extension is None)
"""The clauses every store keeps: a store is certified when all of them pass."""

BY_NUMBER: dict[int, Clause] = {clause.number: clause for clause in CLAUSES}
"""The clauses by number."""


def clause(number: int) -> Clause:
    """The clause numbered `number`; `KeyError` names the known numbers otherwise."""
    try:
        return BY_NUMBER[number]
    except KeyError:
        raise KeyError(f"no clause {number} in version {CONTRACT_VERSION} of the contract; "
                       f"clauses are numbered 1 to {len(CLAUSES)}") from None
