"""Clause 11: malformed IDs are refused without touching anything; clause 14: damaged records.

Besides a fixed list of malformed IDs, the kit tries near misses of a live
ID (with a blank, a NUL, a path around it, as bytes), which a store that
tidies IDs before use would take for the live one.  An ID naming a file
outside the store that exists (``/etc/passwd``) is only ever loaded: a
store that uses IDs as file names would delete or overwrite it otherwise.

Clause 14 is the ``integrity`` extension: the kit damages a record through
the store's ``damage_record(id_, where)`` method, or through a
``record_corrupter(store, id_, where)`` fixture of the implementer's; a
store that has neither does not offer the extension.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gc3store_testkit.contract.base import ContractTests, clause
from gc3store_testkit.contract.checks import load_or_none
from gc3store_testkit.corruption import POSITIONS, damager_of
from gc3store_testkit.harness import Checks, NotRun, StoreHarness, expect, short, short_text
from gc3store_testkit.samples import API, Record, Task

MALFORMED_IDS: tuple[Any, ...] = (None, 42, 4.2, b"Task.1", "", ".", "..", "a/b", "Task.1\0",
                                  "\0", "x" * 5000, "Task.1/../..")
"""Given to load, remove and replace: none of them names a file that exists outside the store."""

READ_ONLY_MALFORMED_IDS: tuple[Any, ...] = ("/etc/passwd", "../gc3store-kit-no-such-file")
"""Given to load only: a store that takes IDs for file names would delete or overwrite the first,
and the second names a place beside the storage that the kit cannot watch
(`test_path_like_ids_touch_nothing_outside_the_store` writes and removes through paths it
watches)."""


def near_misses(id_: str) -> tuple[Any, ...]:
    """Malformed IDs that a lenient store could take for the live ID `id_`."""
    return (id_.encode(), f"{id_}\0", f"{id_}\n", f" {id_}", f"{id_} ", f"./{id_}", f"{id_}/",
            f"{id_}/.", f"x/../{id_}")


def outcome(call: Any) -> str | None:
    """None when `call()` raised LoadError or TypeError, else what happened instead."""
    try:
        result = call()
    except (API.LoadError, TypeError):
        return None
    except Exception as exc:
        return f"raised {type(exc).__name__}: {short_text(str(exc))}"
    return f"returned {short(result)}"



class TestHostileIds(ContractTests):
    @clause(11)
    def test_malformed_ids_raise_load_error_or_type_error(self, kit: StoreHarness) -> None:
        store = kit.store
        wrong = []
        calls: list[tuple[str, Callable[[Any], Any], tuple[Any, ...]]] = [
            ("load", store.load, MALFORMED_IDS + READ_ONLY_MALFORMED_IDS),
            ("remove", store.remove, MALFORMED_IDS),
            ("replace", lambda bad: store.replace(bad, Record()), MALFORMED_IDS)]
        for name, call, ids in calls:
            for bad in ids:
                seen = outcome(functools.partial(call, bad))
                if seen is not None:
                    wrong.append(f"{name}({short(bad)}) {seen}")
        expect(not wrong, "malformed IDs raise LoadError or TypeError",
               "LoadError or TypeError for each", "; ".join(wrong))

    @clause(11)
    def test_near_misses_of_a_live_id_are_refused(self, kit: StoreHarness) -> None:
        task = Task("live")
        id_ = kit.store.save(task)
        store = kit.fresh()
        wrong = []
        calls: list[tuple[str, Callable[[Any], Any]]] = [
            ("load", store.load), ("replace", lambda bad: store.replace(bad, Record())),
            ("remove", store.remove)]
        changed = False
        for name, call in calls:
            for bad in near_misses(id_):
                seen = outcome(functools.partial(call, bad))
                if seen is None:
                    continue
                live = load_or_none(kit.fresh(), id_)
                if getattr(live, "token", None) != task.token:
                    wrong.append(f"{name}({short(bad)}) {seen}, and so "
                                 f"{'removed' if live is None else 'changed'} the live record "
                                 f"{id_!r}")
                    changed = True
                    break
                wrong.append(f"{name}({short(bad)}) {seen}")
            if changed:
                break  # later calls would find another record than the one saved
        expect(not wrong, f"IDs that are almost {id_!r} raise LoadError or TypeError",
               "LoadError or TypeError for each", "; ".join(wrong))
        seen_token = kit.fresh().load(id_).token
        expect(seen_token == task.token, f"{id_!r} still loads its object after calls with IDs "
               f"that are almost it", task.token, seen_token)

    @clause(11)
    def test_path_like_ids_touch_nothing_outside_the_store(
            self, kit: StoreHarness, tmp_path: Path) -> None:
        outside = tmp_path / "outside-the-store"  # the store's own files may be in tmp_path
        outside.mkdir()
        canary = outside / "canary"
        relative = os.path.relpath(canary)
        ids = [str(canary), relative, "../" * 30 + str(canary).lstrip("/"), f"{canary}/x"]
        store = kit.store
        checks = Checks()
        for id_ in ids:
            for name, call in (("load", functools.partial(store.load, id_)),
                               ("remove", functools.partial(store.remove, id_)),
                               ("replace", functools.partial(store.replace, id_, Record()))):
                canary.write_bytes(b"must stay")  # each call finds the file as it was
                result = outcome(call) or "raised LoadError or TypeError"
                content = canary.read_bytes() if canary.is_file() else None
                checks.expect(content == b"must stay", f"{name}({id_!r}), a path-like ID, "
                              f"leaves the file it names alone", f"{canary} unchanged",
                              f"{name} {result}, and {canary} " + (
                                  "is gone" if content is None else f"holds {short(content)}"))
                strays = sorted(set(outside.iterdir()) - {canary})
                checks.expect(not strays, f"{name}({id_!r}), a path-like ID, creates no file "
                              f"outside the store", "no other file", strays)
                for stray in strays:
                    stray.unlink()
        checks.report()

    @clause(14)
    def test_damaged_record_raises_load_error_naming_the_id(self, kit: StoreHarness) -> None:
        damage = damager_of(kit.store.wrapped, kit.record_corrupter)
        if damage is None:
            raise NotRun(f"{type(kit.store.wrapped).__qualname__} declares the 'integrity' "
                         f"extension, but the kit cannot damage its records: define "
                         f"damage_record(id_, where) on the class, or a record_corrupter(store, "
                         f"id_, where) fixture")
        problems = []
        for where in POSITIONS:
            # most of the record is this blob, whatever the format: damage in its middle still
            # unpickles, to another object, unless the store checks the record
            task = Task(f"damaged at the {where}", payload=bytes(range(256)) * 4)
            id_ = kit.store.save(task)
            damage(kit.store.wrapped, id_, where)
            reader = kit.fresh()
            try:
                loaded = reader.load(id_)
            except API.LoadError as exc:
                if str(id_) not in str(exc):
                    problems.append(f"damage at the {where}: the LoadError does not name "
                                    f"{id_!r}: {exc}")
                continue
            except Exception as exc:
                problems.append(f"damage at the {where}: {type(exc).__name__}: {exc}")
                continue
            problems.append(f"damage at the {where}: load returned {short(loaded)}")
        expect(not problems, "loading a damaged record raises LoadError naming the ID",
               "LoadError naming the ID each time", "; ".join(problems))
