"""What a contract test holds: the store factory, recording proxies, and failure reporting.

Every store a test opens is wrapped in a `RecordingStore`, a thin proxy that
writes each call and its outcome to the test's `CallLog`; a failing test's
report ends with that log.  `ContractFailure` carries the clause it proves
broken, what was expected and what was seen.
"""

from __future__ import annotations

import contextlib
import itertools
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from gc3store_testkit import tokens
from gc3store_testkit.capabilities import (
    CAPABILITIES,
    DECLARATION_ATTRIBUTE,
    DeclarationError,
    declared_unsupported,
)
from gc3store_testkit.extensions import EXTENSIONS, ExtensionError, declared_offered, has_feature

StoreFactory = Callable[[], Any]
"""Opens a new store instance on the storage under test each time it is called."""

STORE_METHODS = frozenset({"save", "load", "replace", "remove", "list", "invalidate_cache",
                           "pre_fork", "post_fork", "batch"})
OPTIONAL_METHODS = {"list": ("list", 7), "batch": ("batch", 13)}
"""Methods a backend may leave unimplemented, with the capability it then declares unsupported
and the clause that the method's undeclared ``NotImplementedError`` breaks."""
_MAX_REPR = 120
_MAX_MESSAGE = 200
_RENDERED_CALLS = 30
"""A failure report shows the first and the last this many store calls of the test."""


class NotOffered(Exception):
    """The store does not offer the extension a test checks: the test has nothing to check."""


class NotRun(Exception):
    """The kit cannot check, here, an extension the store offers; the message says why."""


class ContractFailure(AssertionError):
    """The store broke a clause: `expected` was due, `seen` happened."""

    def __init__(self, what: str, expected: Any, seen: Any, clause: int | None = None) -> None:
        super().__init__(f"{what}\n  expected: {expected}\n  seen:     {seen}")
        self.clause = clause


class ChildFailure(ContractFailure):
    """A `ContractFailure` raised in a child process, whose message says all: its own."""

    def __init__(self, message: str, clause: int | None) -> None:
        AssertionError.__init__(self, f"in a child process: {message}")
        self.clause = clause


def expect(condition: bool, what: str, expected: Any, seen: Any,
           clause: int | None = None) -> None:
    """Raise `ContractFailure` unless `condition` holds."""
    if not condition:
        raise ContractFailure(what, expected, seen, clause)


class Checks:
    """Several promises checked together: every one broken is reported, not only the first."""

    def __init__(self) -> None:
        self.broken: list[ContractFailure] = []

    def expect(self, condition: bool, what: str, expected: Any, seen: Any,
               clause: int | None = None) -> None:
        """Note a `ContractFailure` unless `condition` holds."""
        if not condition:
            self.broken.append(ContractFailure(what, expected, seen, clause))

    def report(self) -> None:
        """Raise the failure noted, or one naming all of them; nothing if none was."""
        if len(self.broken) == 1:
            raise self.broken[0]
        if self.broken:
            failure = ContractFailure(f"{len(self.broken)} promises broken", "each kept",
                                      "\n" + "\n".join(f"- {broken}" for broken in self.broken),
                                      self.broken[0].clause)
            raise failure


def short_text(text: str) -> str:
    """`text` cut to a readable length (an error may repeat a 5,000-character ID)."""
    return text if len(text) <= _MAX_MESSAGE else text[:_MAX_MESSAGE - 3] + "..."


def plain(id_: Any) -> Any:
    """`id_` as a plain `str` of the same text, so that sets compare IDs by their text only.

    An ID that hashes unlike the string it equals is clause 2's to report; the other clauses
    compare the IDs a store returned with those it lists through `plain` ones.
    """
    return str.__str__(id_) if isinstance(id_, str) else id_


def plain_set(ids: Iterable[Any]) -> set[Any]:
    """The `plain` form of each of `ids` (those that are `str`; what is not stays as it is)."""
    return {plain(id_) for id_ in ids}


def short(value: Any) -> str:
    """`repr` of `value`, cut to a readable length."""
    text = repr(value)
    return text if len(text) <= _MAX_REPR else text[:_MAX_REPR - 3] + "..."


@contextlib.contextmanager
def raises_one_of(what: str, *expected: type[BaseException],
                  clause: int | None = None) -> Iterator[None]:
    """Check that the block raises one of `expected`; `ContractFailure` otherwise."""
    names = " or ".join(cls.__name__ for cls in expected)
    try:
        yield
    except ContractFailure:
        raise  # a check inside the block failed: that failure names its own clause
    except expected:
        return
    except Exception as exc:
        raise ContractFailure(what, f"{names} raised",
                              f"{type(exc).__name__}: {exc}", clause) from exc
    raise ContractFailure(what, f"{names} raised", "no exception", clause)


@contextlib.contextmanager
def failing_clause(clause: int, what: str) -> Iterator[None]:
    """Report an error the block raises as a failure of `clause`: `what` did not work."""
    try:
        yield
    except ContractFailure:
        raise
    except Exception as exc:
        raise ContractFailure(what, "it works", f"{type(exc).__name__}: {exc}", clause) from exc


class CallLog:
    """The store calls a test made, in order."""

    def __init__(self) -> None:
        self.entries: list[str] = []

    def record(self, store_label: str, method: str, args: tuple[Any, ...], outcome: str) -> None:
        arguments = ", ".join(short(arg) for arg in args)
        self.entries.append(f"{store_label}.{method}({arguments}) {outcome}")

    def render(self) -> str:
        if not self.entries:
            return "(no store calls)"
        lines = [f"{number:4}. {entry}" for number, entry in enumerate(self.entries, 1)]
        if len(lines) > 2 * _RENDERED_CALLS:
            left_out = len(lines) - 2 * _RENDERED_CALLS
            lines[_RENDERED_CALLS:-_RENDERED_CALLS] = [f"      ... {left_out} more calls ..."]
        return "\n".join(lines)


class RecordingStore:
    """Forward every call to `store`, writing it and its outcome to `log`."""

    def __init__(self, store: Any, log: CallLog, label: str, saved: set[str]) -> None:
        self.wrapped = store
        self._log = log
        self._label = label
        self._saved = saved

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.wrapped, name)
        if name not in STORE_METHODS or not callable(attribute):
            return attribute

        def call(*args: Any) -> Any:
            try:
                result = attribute(*args)
            except BaseException as exc:
                self._log.record(self._label, name, args,
                                 f"raised {type(exc).__name__}: {short_text(str(exc))}")
                if isinstance(exc, NotImplementedError):
                    self._fail_not_implemented(name, exc)
                raise
            self._log.record(self._label, name, args, f"-> {short(result)}")
            if name == "replace" and args and isinstance(args[0], str):
                self._saved.add(args[0])  # what a malformed ID created is removed too
            if name == "save":
                # every later step would trip over an ID of the wrong type: fail here
                expect(isinstance(result, str), "save() returns a str ID", "a str",
                       f"{type(result).__name__} {short(result)}", clause=2)
                self._saved.add(result)
            return result

        return call

    def _fail_not_implemented(self, method: str, exc: NotImplementedError) -> None:
        """Fail clause 1, or the clause of an optional method the store does not declare."""
        if method not in OPTIONAL_METHODS:
            raise ContractFailure(f"{method}() is not implemented",
                                  f"{method}() works, as every method of the interface does",
                                  f"NotImplementedError: {exc}", clause=1) from exc
        capability, number = OPTIONAL_METHODS[method]
        try:
            declared = declared_unsupported(self.wrapped)
        except DeclarationError:
            declared = frozenset()  # clause 1 reports the declaration itself
        if capability not in declared:
            where = f"{type(self.wrapped).__qualname__}.{DECLARATION_ATTRIBUTE}"
            raise ContractFailure(f"{method}() is not implemented, and the store does not "
                                  f"declare the {capability!r} capability unsupported",
                                  f"{method}() works, or {capability!r} in {where}",
                                  f"NotImplementedError: {exc}", clause=number) from exc

    def __repr__(self) -> str:
        return f"<{self._label}: {self.wrapped!r}>"


@dataclass(frozen=True)
class KitOptions:
    """Settings of one kit run."""

    timeout: float = 60.0
    examples: int = 30


class StoreHarness:
    """The storage under test, as one contract test sees it."""

    def __init__(self, factory: StoreFactory, options: KitOptions,
                 other_factory: StoreFactory | None = None,
                 required: frozenset[str] = frozenset()) -> None:
        self.factory = factory
        self.options = options
        self.required = required
        """The extensions the store must offer, and pass."""
        self.record_corrupter: Callable[[Any, str, str], None] | None = None
        """``record_corrupter(store, id_, where)``, if the implementer defined that fixture."""
        self.other_factory = other_factory
        """Opens stores on a second storage, apart from the one under test, if there is one."""
        self.saved_elsewhere: set[str] = set()
        self.log = CallLog()
        self.saved: set[str] = set()
        """IDs this test saved: removed when it ends."""
        self.child_tokens: set[str] = set()
        """Tokens of objects child processes made for this test (`samples` keeps this process's):
        the records that carry one are removed when the test ends."""
        self._first_token = tokens.made()
        self._listed_before: set[str] | None = None
        self._labels = itertools.count(1)
        self._store: RecordingStore | None = None
        self._opened: list[weakref.ref[Any]] = []
        """Every store instance the test opened, weakly: those still alive when it ends are
        closed (a store dropped before holds no connection to close)."""

    @property
    def store(self) -> RecordingStore:
        """The test's main store instance, opened on first use."""
        if self._store is None:
            self._store = self.open()
        return self._store

    @property
    def unsupported(self) -> frozenset[str]:
        """The capabilities the store's class declares it lacks; clause 1 fails on a bad one."""
        try:
            return declared_unsupported(self.store.wrapped)
        except DeclarationError as exc:
            raise ContractFailure("a store class declares the capabilities it lacks by their "
                                  "names", f"names from {sorted(CAPABILITIES)}", str(exc),
                                  clause=1) from None

    def offers(self, name: str) -> bool:
        """Whether the store offers the extension `name`; clause 1 fails on a bad declaration."""
        store = self.store.wrapped
        try:
            declared = declared_offered(store)
        except ExtensionError as exc:
            raise ContractFailure("a store declares the extensions it offers by their names",
                                  f"names from {sorted(EXTENSIONS)}", str(exc),
                                  clause=1) from None
        if name in self.unsupported:  # a declaration of contract version 2 withdraws it
            return False
        return name in declared or has_feature(store, EXTENSIONS[name])

    def open(self) -> RecordingStore:
        """A new store instance on the same storage."""
        label = f"store{next(self._labels)}"
        try:
            store = self.factory()
        except Exception as exc:
            self.log.entries.append(f"{label} = store_factory() raised "
                                    f"{type(exc).__name__}: {exc}")
            raise
        self.log.entries.append(f"{label} = store_factory() -> {short(store)}")
        if self._listed_before is None:
            self._listed_before = _listed(store)
        self._track(store)
        return RecordingStore(store, self.log, label, self.saved)

    def open_elsewhere(self) -> RecordingStore:
        """A new store instance on the second storage; the test is skipped if there is none."""
        if self.other_factory is None:
            pytest.skip("the kit has no second storage to open: define an other_store_factory "
                        "fixture (a factory of stores on another storage than store_factory's)")
        label = f"elsewhere{next(self._labels)}"
        store = self.other_factory()
        self.log.entries.append(f"{label} = other_store_factory() -> {short(store)}")
        self._track(store)
        return RecordingStore(store, self.log, label, self.saved_elsewhere)

    def fresh(self) -> RecordingStore:
        """A store to check what the storage holds: a new instance, unlike the one that wrote.

        A backend that declares it cannot be re-opened gets its main
        instance back, with its cache dropped.
        """
        if "reopen" in self.unsupported:
            self.store.invalidate_cache()
            return self.store
        return self.open()

    def cleanup(self) -> None:
        """Remove what the test saved, so that a shared storage keeps only what it held.

        That is every ID a save returned, and every record listed now but
        not when the test began that holds an object of this test (one of
        its tokens): the objects saved with their parents, and those of
        killed writers.  Other tests' records are left alone, so tests may
        run at once on one storage.
        """
        if self.saved_elsewhere and self.other_factory is not None:
            with contextlib.suppress(Exception):
                _remove_all(self._opened_for_cleanup(self.other_factory), self.saved_elsewhere)
        if self._listed_before is None:
            return  # the test opened no store
        with contextlib.suppress(Exception):
            store = self._main_store_for_cleanup()
            mine = self.child_tokens | tokens.made_since(self._first_token)
            # all are loaded before any is removed: a record referring to one removed no longer
            # loads, and could not be told for one of this test's
            found = {id_ for id_ in (_listed(store) or set()) - self._listed_before
                     - plain_set(self.saved) if _token_of(store, id_) in mine}
            _remove_all(store, self.saved | found)

    def _main_store_for_cleanup(self) -> Any:
        """The test's main instance with its cache dropped, else a new one (opening one is
        what costs most on a server)."""
        if self._store is not None:
            with contextlib.suppress(Exception):
                self._store.wrapped.invalidate_cache()
                return self._store.wrapped
        return self._opened_for_cleanup(self.factory)

    def _opened_for_cleanup(self, factory: StoreFactory) -> Any:
        store = factory()
        self._track(store)
        return store

    def _track(self, store: Any) -> None:
        with contextlib.suppress(TypeError):  # a store that cannot be weakly referenced
            self._opened.append(weakref.ref(store))

    def close(self) -> None:
        """Close every store the test opened that can be closed (a `close` method), so that a
        server's connections do not pile up over a run; the objects stay, for the report."""
        for reference in self._opened:
            close = getattr(reference(), "close", None)
            if callable(close):
                with contextlib.suppress(Exception):
                    close()
        self._opened.clear()


def _token_of(store: Any, id_: str) -> Any:
    """The token of the object `id_` loads through `store`, or None."""
    try:
        return getattr(store.load(id_), "token", None)
    except Exception:
        return None


def _remove_all(store: Any, ids: set[str]) -> None:
    for id_ in ids:
        with contextlib.suppress(Exception):
            store.remove(id_)


def _listed(store: Any) -> set[str] | None:
    """The str IDs `store` lists, or None if it cannot list (or listing fails)."""
    try:
        return {plain(id_) for id_ in store.list() if isinstance(id_, str)}
    except Exception:
        return None
