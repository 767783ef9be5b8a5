"""Clause 12: `register` and `make_store` of the API under test.

Registrations change process-wide state, so each check runs in a forked
child that exits afterwards: nothing it registers outlives the check.  The
contract requires `TypeError` for a non-callable constructor and lets a
later registration win silently, built-in schemes included (GC3Pie
hard-codes its built-in schemes, so there ``register('file', ...)`` has no
effect).
"""

from __future__ import annotations

import os
import uuid
import warnings
from typing import Any

from gc3store_testkit.children import run_children
from gc3store_testkit.contract.base import ContractTests, clause
from gc3store_testkit.harness import StoreHarness, expect, raises_one_of, short
from gc3store_testkit.samples import API


class Spy:
    """A constructor that remembers how it was called and returns a marker."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, url: Any, *args: Any, **kwargs: Any) -> str:
        self.calls.append((str(url), args, kwargs))
        return self.name


def made(uri: str) -> Any:
    """What ``make_store(uri)`` returns, or the error it raised, as text."""
    try:
        return API.make_store(uri)
    except Exception as exc:
        return f"make_store({uri!r}) raised {type(exc).__name__}: {exc}"


def fresh_scheme() -> str:
    return f"kit{uuid.uuid4().hex[:12]}"


def check_non_callable_is_refused() -> None:
    with raises_one_of("register(scheme, 42), a non-callable constructor", TypeError, clause=12):
        API.register(fresh_scheme(), 42)


def check_last_registration_wins_silently() -> None:
    scheme = fresh_scheme()
    API.register(scheme, Spy("first"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        API.register(scheme, Spy("second"))
    built = made(f"{scheme}://somewhere")
    expect(built == "second", "the last constructor registered for a scheme wins", "'second'",
           short(built), clause=12)
    expect(not caught, "registering a scheme again is silent", "no warning",
           [str(warning.message) for warning in caught], clause=12)


def check_arguments_are_passed_verbatim() -> None:
    scheme, spy = fresh_scheme(), Spy("spy")
    API.register(scheme, spy)
    url = f"{scheme}://host:1234/path?query=1#fragment"
    marker = object()
    API.make_store(url, 1, marker, keyword="value", other=marker)
    expected = (url, (1, marker), {"keyword": "value", "other": marker})
    expect(spy.calls == [expected], "make_store(uri, *args, **kwargs) calls "
           "constructor(uri, *args, **kwargs)", short(expected), short(spy.calls), clause=12)


def check_driver_suffix_falls_back_to_the_scheme() -> None:
    scheme = fresh_scheme()
    API.register(scheme, Spy("plain"))
    built = made(f"{scheme}+driver://x")
    expect(built == "plain", "scheme+driver:// falls back to the constructor of scheme",
           "'plain'", short(built), clause=12)
    API.register(f"{scheme}+driver", Spy("exact"))
    built = made(f"{scheme}+driver://x")
    expect(built == "exact", "an exact scheme+driver registration wins over the fallback",
           "'exact'", short(built), clause=12)


def check_unknown_scheme_is_rejected_by_name() -> None:
    scheme = fresh_scheme()
    try:
        API.make_store(f"{scheme}://x")
    except Exception as exc:
        expect(scheme in str(exc), "the error for an unknown scheme names it", scheme, str(exc),
               clause=12)
        if API.StoreError is not None:
            expect(isinstance(exc, API.StoreError), "an unknown scheme raises a StoreError",
                   API.StoreError.__name__, type(exc).__name__, clause=12)
        return
    expect(False, "make_store() of an unknown scheme raises", "an exception", "none", clause=12)


def check_builtin_file_scheme_can_be_overridden(directory: str) -> None:
    spy = Spy("file spy")
    API.register("file", spy)
    by_url = made(f"file://{directory}")
    by_path = made(directory)
    expect(by_url == by_path == "file spy", "register('file', ...) overrides the built-in file "
           "store, for file:// URLs and for plain paths", "'file spy' twice",
           f"{short(by_url)}, {short(by_path)}", clause=12)
    expect(directory in spy.calls[-1][0], "a plain path reaches the file constructor with its "
           "path", directory, spy.calls[-1][0], clause=12)


class TestRegistry(ContractTests):
    @staticmethod
    def isolated(kit: StoreHarness, check: Any, *args: Any) -> None:
        run_children(check, [args], method="fork", timeout=kit.options.timeout)

    @clause(12)
    def test_register_refuses_a_non_callable_constructor(self, kit: StoreHarness) -> None:
        self.isolated(kit, check_non_callable_is_refused)

    @clause(12)
    def test_last_registration_wins_silently(self, kit: StoreHarness) -> None:
        self.isolated(kit, check_last_registration_wins_silently)

    @clause(12)
    def test_make_store_passes_arguments_verbatim(self, kit: StoreHarness) -> None:
        self.isolated(kit, check_arguments_are_passed_verbatim)

    @clause(12)
    def test_scheme_with_driver_falls_back_to_the_scheme(self, kit: StoreHarness) -> None:
        self.isolated(kit, check_driver_suffix_falls_back_to_the_scheme)

    @clause(12)
    def test_unknown_scheme_is_rejected_by_name(self, kit: StoreHarness) -> None:
        self.isolated(kit, check_unknown_scheme_is_rejected_by_name)

    @clause(12)
    def test_builtin_file_scheme_can_be_overridden(self, kit: StoreHarness) -> None:
        self.isolated(kit, check_builtin_file_scheme_can_be_overridden,
                      os.path.join(os.sep, "tmp", f"kit-{uuid.uuid4().hex}"))
