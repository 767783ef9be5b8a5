"""The accessors of `gc3store.accessors`, with which SqlStore's ``extra_fields`` are written.

Clauses: the examples in the module's docstrings hold; a default applies to
an expression as a whole (a missing step anywhere gives the default); names
starting with ``_`` are not accessors, so accessors copy and compare like
ordinary objects; an expression shows as it was written.
"""

from __future__ import annotations

import copy
import doctest
from types import SimpleNamespace as Obj

import pytest

from gc3store import accessors
from gc3store.accessors import GET, GetAttributeValue, GetItemValue, GetOnly, GetValue


def test_the_docstring_examples_hold() -> None:
    failed, attempted = doctest.testmod(accessors)
    assert attempted > 20
    assert failed == 0


def test_a_default_applies_to_the_whole_expression() -> None:
    fn = GetValue(default="none").a[3]
    assert fn(Obj()) == "none"  # not "none"[3]
    assert fn(Obj(a=[1])) == "none"
    assert fn(Obj(a={3: "x"})) == "x"
    assert GetValue(default=0).execution.state(Obj(execution=None)) == 0


def test_without_a_default_the_first_missing_step_raises() -> None:
    with pytest.raises(AttributeError, match="'execution'"):
        GET.execution.state(Obj())
    with pytest.raises(KeyError):
        GET["k"]({})


def test_accessors_copy_like_ordinary_objects() -> None:
    fn = GET.a.b[0]
    assert copy.deepcopy(fn)(Obj(a=Obj(b=[7]))) == 7
    with pytest.raises(AttributeError):
        fn._private  # noqa: B018


def test_only_tests_the_class_of_the_object_itself() -> None:
    fn = GetValue(default=-1).size.ONLY(Obj)
    assert fn(Obj(size=3)) == 3
    assert fn({"size": 3}) == -1
    assert GetOnly((dict, list))([1]) == [1]


@pytest.mark.parametrize(("accessor", "shown"), [
    (GET.execution.state, "GET.execution.state"),
    (GET.a[0], "GET.a[0]"),
    (GetValue(default=None).x, "GetValue(default=None).x"),
    (GET.a.ONLY(dict), "GET.a.ONLY(<class 'dict'>)"),
    (GetAttributeValue("x.y"), "GetAttributeValue('x.y')"),
    (GetItemValue(1, xform=list), "GetItemValue(1, xform=<class 'list'>)"),
    (GetOnly(dict, default=0), "GetOnly(<class 'dict'>, default=0)"),
])
def test_an_expression_shows_as_written(accessor: GetValue, shown: str) -> None:
    assert repr(accessor) == shown
