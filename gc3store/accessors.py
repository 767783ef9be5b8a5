"""Accessors: callables that pick a value out of an object, for `SqlStore`'s ``extra_fields``.

They are written the way the lookup reads in Python: ``GET.execution.state``
returns ``obj.execution.state``, ``GET.a[0]`` returns ``obj.a[0]``, and
``GetValue(default=x).a[3]`` returns `x` when any step of the lookup finds
nothing.  This is the API of GC3Pie's ``gc3libs.persistence.accessors``.

>>> from types import SimpleNamespace as Obj
>>> task = Obj(execution=Obj(state='RUNNING'), jobs=['j1', 'j2'])
>>> GET.execution.state(task)
'RUNNING'
>>> GET.jobs[1](task)
'j2'
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

__all__ = ["GET", "GetAttributeValue", "GetItemValue", "GetOnly", "GetValue"]


class _NoDefault(enum.Enum):
    NO_DEFAULT = enum.auto()

    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT = _NoDefault.NO_DEFAULT
"""The `default` of an accessor that raises when the value is not there (None is a real default)."""

_NOT_FOUND = (AttributeError, LookupError)


def _identity(obj: Any) -> Any:
    return obj


class GetValue:
    """The identity accessor, and the root of accessor expressions.

    Attribute access and indexing on a `GetValue` build accessors that do
    the same to the object they are called with; `default` is handed down
    to them, and is what they return when the lookup finds nothing:

    >>> from types import SimpleNamespace as Obj
    >>> x = Obj(a=[21, 42], b='foo')
    >>> GET.a[0](x)
    21
    >>> GetValue(default='no value found').a[3](x)
    'no value found'
    >>> GetValue(default=None).c.d(x) is None
    True

    Without a default, the lookup's own error propagates:

    >>> GET.a[3](x)
    Traceback (most recent call last):
      ...
    IndexError: list index out of range

    Names starting with ``_`` are not turned into accessors, so that
    `copy`, `pickle` and friends see an ordinary object.
    """

    __slots__ = ("default",)

    def __init__(self, default: Any = NO_DEFAULT) -> None:
        self.default = default

    def __call__(self, obj: Any) -> Any:
        try:
            return self._lookup(obj)
        except _NOT_FOUND:
            if self.default is NO_DEFAULT:
                raise
            return self.default

    def _lookup(self, obj: Any) -> Any:
        """The value this accessor picks from `obj`; raise if it is not there."""
        return obj

    def __getattr__(self, name: str) -> GetAttributeValue:
        if name.startswith("_"):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return GetAttributeValue(name, xform=self, default=self.default)

    def __getitem__(self, place: Any) -> GetItemValue:
        return GetItemValue(place, xform=self, default=self.default)

    def ONLY(self, specifier: type | tuple[type, ...]) -> GetOnly:  # upper case as in GC3Pie
        """Apply this accessor only to instances of `specifier`; return the default otherwise.

        Call it last in an expression: the class test is made on the object
        the accessor is called with.

        >>> from types import SimpleNamespace as Obj
        >>> fn = GetValue(default='foo').a[0].ONLY(Obj)
        >>> fn(Obj(a=['bar', 'baz']))
        'bar'
        >>> fn(dict(a=['bar', 'baz']))
        'foo'
        """
        return GetOnly(specifier, xform=self, default=self.default)

    def __repr__(self) -> str:
        if self.default is NO_DEFAULT:
            return "GET"
        return f"GetValue(default={self.default!r})"


GET = GetValue()
"""The identity accessor, to start expressions with: ``GET.execution.state``, ``GET[0]``."""


def _evaluate(xform: Callable[[Any], Any], obj: Any) -> Any:
    """`xform` applied to `obj`, without the default of an inner accessor.

    The default of an expression applies to the expression as a whole: in
    ``GetValue(default=x).a[3]``, a missing ``a`` gives `x`, not ``x[3]``.
    """
    if isinstance(xform, GetValue):
        return xform._lookup(obj)
    return xform(obj)


def _keywords(xform: Callable[[Any], Any], default: Any) -> str:
    """The keyword arguments of a constructor call that would remake an accessor."""
    shown = "" if xform is _identity else f", xform={xform!r}"
    return shown if default is NO_DEFAULT else f"{shown}, default={default!r}"


class GetAttributeValue(GetValue):
    """Return ``xform(obj).attr``; a dotted `attr` is looked up step by step.

    >>> from types import SimpleNamespace as Obj
    >>> GetAttributeValue('x')(Obj(x=1, y=2))
    1
    >>> GetAttributeValue('x.y')(Obj(x=Obj(y=42)))
    42
    >>> GetAttributeValue('x')(Obj(z=3))
    Traceback (most recent call last):
      ...
    AttributeError: 'types.SimpleNamespace' object has no attribute 'x'
    >>> GetAttributeValue('x', default=42)(Obj(z=3))
    42
    """

    __slots__ = ("attr", "xform")

    def __init__(self, attr: str, xform: Callable[[Any], Any] = _identity,
                 default: Any = NO_DEFAULT) -> None:
        super().__init__(default)
        if not isinstance(attr, str) or not attr:
            raise TypeError(f"an attribute name is a non-empty string, not {attr!r}")
        self.attr = attr
        self.xform = xform

    def _lookup(self, obj: Any) -> Any:
        value = _evaluate(self.xform, obj)
        for name in self.attr.split("."):
            value = getattr(value, name)
        return value

    def __repr__(self) -> str:
        if isinstance(self.xform, GetValue):
            return f"{self.xform!r}.{self.attr}"
        return f"GetAttributeValue({self.attr!r}{_keywords(self.xform, self.default)})"


class GetItemValue(GetValue):
    """Return ``xform(obj)[place]``.

    >>> GetItemValue(1)('abc')
    'b'
    >>> GetItemValue(1)({1: 'x', 2: 'y'})
    'x'
    >>> GetItemValue(42)({1: 'x'})
    Traceback (most recent call last):
      ...
    KeyError: 42
    >>> GetItemValue(42, default='foo')(['a', 'b'])
    'foo'
    >>> GetItemValue('a', xform=dict)((('a', 1), ('b', 2)))
    1
    """

    __slots__ = ("place", "xform")

    def __init__(self, place: Any, xform: Callable[[Any], Any] = _identity,
                 default: Any = NO_DEFAULT) -> None:
        super().__init__(default)
        self.place = place
        self.xform = xform

    def _lookup(self, obj: Any) -> Any:
        return _evaluate(self.xform, obj)[self.place]

    def __repr__(self) -> str:
        if isinstance(self.xform, GetValue):
            return f"{self.xform!r}[{self.place!r}]"
        return f"GetItemValue({self.place!r}{_keywords(self.xform, self.default)})"


class GetOnly(GetValue):
    """Return ``xform(obj)`` if `obj` is an instance of `only`, else the default (None if unset).

    >>> fn = GetOnly(dict, default=42)
    >>> fn({'foo': 'bar'})
    {'foo': 'bar'}
    >>> fn(['foo'])
    42
    >>> print(GetOnly(dict)(['foo']))
    None

    Anywhere but last in an expression, the class test hands its None on:

    >>> GetValue().ONLY(dict).a(['foo'])
    Traceback (most recent call last):
      ...
    AttributeError: 'NoneType' object has no attribute 'a'
    """

    __slots__ = ("only", "xform")

    def __init__(self, only: type | tuple[type, ...], xform: Callable[[Any], Any] = _identity,
                 default: Any = NO_DEFAULT) -> None:
        super().__init__(default)
        self.only = only
        self.xform = xform

    def _lookup(self, obj: Any) -> Any:
        if isinstance(obj, self.only):
            return _evaluate(self.xform, obj)
        return None if self.default is NO_DEFAULT else self.default

    def __repr__(self) -> str:
        if isinstance(self.xform, GetValue):
            return f"{self.xform!r}.ONLY({self.only!r})"
        return f"GetOnly({self.only!r}{_keywords(self.xform, self.default)})"
