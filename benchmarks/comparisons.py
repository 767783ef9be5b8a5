"""Which store is measured against which baseline, and with which peers.

A durable and a non-durable comparison of the same kind of storage share their sites: the
store's records and the baseline's are filled once, and opened with either durability.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks import baselines, peers, servers, stores
from benchmarks.subjects import Comparison, Role, Site, Subject

STORE_NAMES = ("memory", "file", "sqlite", "postgresql", "mariadb")
PEER_NAMES = ("sqlitedict", "diskcache")
ALL_NAMES = STORE_NAMES + PEER_NAMES

MEMORY = "memory"
FILE_DURABLE = "file, durable"
FILE_FAST = "file, durable=False"
SQLITE_DURABLE = "sqlite, durable"
SQLITE_FAST = "sqlite, durable=False"
POSTGRESQL = "postgresql"
MARIADB = "mariadb"

BASELINES = {
    MEMORY: "pickle.dumps + dict insert; pickle.loads",
    FILE_DURABLE: "pickle to a temporary file + fsync + rename + directory fsync; "
                  "open + read + pickle.loads",
    FILE_FAST: "pickle to a temporary file + rename, no fsync; open + read + pickle.loads",
    SQLITE_DURABLE: "sqlite3, WAL, synchronous=FULL, a commit per write",
    SQLITE_FAST: "sqlite3, WAL, synchronous=NORMAL, a commit per write",
    POSTGRESQL: "psycopg on one connection: BEGIN + INSERT ... RETURNING id + COMMIT; SELECT",
    MARIADB: "PyMySQL on one connection: BEGIN + INSERT + COMMIT; SELECT",
}
"""What each comparison's baseline does."""


def build(selection: Sequence[str], scratch: Path, postgresql_url: str,
          mariadb_url: str, say: Callable[[str], None]) -> list[Comparison]:
    """The comparisons `selection` asks for; an unreachable server is skipped with a message."""
    chosen = set(selection)
    comparisons: list[Comparison] = []

    def subject(label: str, role: Role, site: Site, durable: bool = True) -> Subject:
        return Subject(label, role, site, durable)

    if "memory" in chosen:
        comparisons.append(Comparison(MEMORY, subject("raw pickle+dict", Role.BASELINE,
                                                      baselines.PickledDictSite()),
                                      (subject("MemoryStore", Role.STORE,
                                               stores.MemoryStoreSite()),)))
    if "file" in chosen:
        raw_files = baselines.PickleFilesSite(scratch / "raw-files")
        file_store = stores.FileStoreSite(scratch / "file-store")
        comparisons.append(Comparison(
            FILE_DURABLE, subject("raw files+fsync", Role.BASELINE, raw_files),
            (subject("FilesystemStore", Role.STORE, file_store),)))
        comparisons.append(Comparison(
            FILE_FAST, subject("raw files", Role.BASELINE, raw_files, False),
            (subject("FilesystemStore durable=False", Role.STORE, file_store, False),)))
    if chosen & {"sqlite", "sqlitedict", "diskcache"}:
        raw_sqlite = baselines.PickleSqliteSite(scratch / "raw.db")
        durable: list[Subject] = []
        fast: list[Subject] = []
        if "sqlite" in chosen:
            sqlite_store = stores.SqlStoreSite.sqlite(scratch / "store.db")
            durable.append(subject("SqlStore sqlite", Role.STORE, sqlite_store))
            fast.append(subject("SqlStore sqlite durable=False", Role.STORE, sqlite_store, False))
        if "sqlitedict" in chosen:
            fast.append(subject("sqlitedict", Role.PEER,
                                   peers.SqliteDictSite(scratch / "sqlitedict.db")))
        if "diskcache" in chosen:
            fast.append(subject("diskcache", Role.PEER, peers.DiskCacheSite(scratch / "diskcache"),
                                False))
        if durable:
            comparisons.append(Comparison(SQLITE_DURABLE,
                                          subject("raw sqlite3 FULL", Role.BASELINE, raw_sqlite),
                                          tuple(durable)))
        if fast:
            comparisons.append(Comparison(SQLITE_FAST,
                                          subject("raw sqlite3 NORMAL", Role.BASELINE, raw_sqlite,
                                                  False),
                                          tuple(fast)))
    for server, url, name, driver in (("postgresql", postgresql_url, POSTGRESQL, "psycopg"),
                                      ("mariadb", mariadb_url, MARIADB, "PyMySQL")):
        if server not in chosen:
            continue
        reason = servers.unreachable(server, url)
        if reason is not None:
            say(f"{server}: skipped, no server answers at {url} ({reason}); "
                f"--{server} URL names another")
            continue
        comparisons.append(Comparison(
            name, subject(f"raw {driver}", Role.BASELINE,
                          baselines.PickleServerTableSite(server, url)),
            (subject(f"SqlStore {server}", Role.STORE,
                     stores.SqlStoreSite.on_server(server, url)),)))
    return comparisons


def sites(comparisons: Sequence[Comparison]) -> list[Site]:
    """Every site the comparisons use, once each."""
    return list(dict.fromkeys(subject.site for comparison in comparisons
                              for subject in comparison.subjects))
