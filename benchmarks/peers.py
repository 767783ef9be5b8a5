"""Peers: other libraries that keep pickled objects under keys, each used as its docs suggest.

Both are compared with the non-durable SQLite baseline, since neither flushes a write to
disk: ``sqlitedict`` (SQLite through a writer thread of its own, in WAL mode here, with the
``synchronous=OFF`` it always sets) commits after every write; ``diskcache`` (SQLite in WAL
mode with ``synchronous=NORMAL``, values over 32 KiB in files of their own, never flushed)
commits every ``set`` itself, and runs here with eviction off, keeping everything as a store
must.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable, Iterator
from pathlib import Path
from typing import Any

from benchmarks.subjects import Handle, Site


class _Nothing:
    def invalidate_cache(self) -> None:
        """These peers cache no objects."""


class SqliteDictHandle(_Nothing):
    def __init__(self, path: Path, numbers: Iterator[int]) -> None:
        from sqlitedict import SqliteDict  # type: ignore[import-untyped]

        self.records = SqliteDict(str(path), tablename="records", journal_mode="WAL")
        self._numbers = numbers

    def save(self, obj: Any) -> str:
        key = str(next(self._numbers))
        self.records[key] = obj
        self.records.commit()
        return key

    def load(self, key: str) -> Any:
        return self.records[key]

    def replace(self, key: str, obj: Any) -> None:
        self.records[key] = obj
        self.records.commit()

    def remove(self, key: str) -> None:
        del self.records[key]
        self.records.commit()

    def list(self) -> list[str]:
        return list(self.records.keys())


class SqliteDictSite(Site):
    def __init__(self, path: Path) -> None:
        self.name = "sqlitedict"
        self.path = path
        self.numbers = itertools.count(1)

    def fill(self, objects: Iterable[object]) -> list[Hashable]:
        handle = SqliteDictHandle(self.path, self.numbers)
        items = {str(next(self.numbers)): obj for obj in objects}
        handle.records.update(items)
        handle.records.commit()
        self.release(handle)
        return list(items)

    def open(self, durable: bool) -> Handle:
        return SqliteDictHandle(self.path, self.numbers)

    def release(self, handle: Any) -> None:
        handle.records.close()


class DiskCacheHandle(_Nothing):
    def __init__(self, directory: Path, numbers: Iterator[int]) -> None:
        import diskcache  # type: ignore[import-untyped]

        self.cache = diskcache.Cache(str(directory), size_limit=2**62, eviction_policy="none")
        self._numbers = numbers

    def save(self, obj: Any) -> int:
        key = next(self._numbers)
        self.cache.set(key, obj)
        return key

    def load(self, key: int) -> Any:
        return self.cache[key]

    def replace(self, key: int, obj: Any) -> None:
        self.cache.set(key, obj)

    def remove(self, key: int) -> None:
        del self.cache[key]

    def list(self) -> list[int]:
        return list(self.cache)


class DiskCacheSite(Site):
    def __init__(self, directory: Path) -> None:
        self.name = "diskcache"
        self.directory = directory
        self.numbers = itertools.count(1)

    def fill(self, objects: Iterable[object]) -> list[Hashable]:
        handle = DiskCacheHandle(self.directory, self.numbers)
        keys: list[Hashable] = []
        with handle.cache.transact():
            for obj in objects:
                keys.append(handle.save(obj))
        self.release(handle)
        return keys

    def open(self, durable: bool) -> Handle:
        return DiskCacheHandle(self.directory, self.numbers)

    def release(self, handle: Any) -> None:
        handle.cache.close()
