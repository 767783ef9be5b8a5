"""The mutants of a module: one small edit each, found by walking its syntax tree.

Each mutant is one text edit at a source position, so the mutated file is
the original byte for byte but for that edit (and a removed statement keeps
its lines, as blank ones, so tracebacks keep their line numbers).  The
operators:

=================  ==================================================================
``Eq->NotEq`` ...  a comparison flipped: ``==``/``!=``, ``<``/``<=``, ``>``/``>=``,
                   ``in``/``not in``, ``is``/``is not`` (each way)
``And->Or`` ...    a boolean operator swapped
``DelNot``         ``not x`` -> ``x``
``True->False``    a constant changed: True/False swapped, 0 -> 1, 1 -> 0, n -> n+1
``Add->Sub`` ...   ``+``/``-`` and ``|``/``&`` swapped, in expressions and ``+=`` ...
``ReturnNone``     ``return x`` -> ``return None``
``CallToPass``     a statement that is a bare call -> ``pass``
``RaiseToPass``    a ``raise`` statement -> ``pass`` (``ReRaiseToPass``: a bare ``raise``)
``DelToPass``      a ``del`` statement -> ``pass``
=================  ==================================================================

Never mutated: annotations, strings (docstrings and messages), f-strings,
logging calls, and what `mutation.scope` leaves out.  The list is
deterministic: the same source gives the same mutants, in the same order,
with the same IDs (``file:line:column:operator``, the column counted in
characters from 1).
"""

from __future__ import annotations

import ast
import difflib
import itertools
import tokenize
from dataclasses import dataclass

from mutation.scope import ExcludedRegion, excluded_regions
from mutation.source import Source, Span

COMPARISONS: dict[type[ast.cmpop], tuple[str, type[ast.cmpop], str]] = {
    ast.Eq: ("Eq", ast.NotEq, "!="), ast.NotEq: ("NotEq", ast.Eq, "=="),
    ast.Lt: ("Lt", ast.LtE, "<="), ast.LtE: ("LtE", ast.Lt, "<"),
    ast.Gt: ("Gt", ast.GtE, ">="), ast.GtE: ("GtE", ast.Gt, ">"),
    ast.In: ("In", ast.NotIn, "not in"), ast.NotIn: ("NotIn", ast.In, "in"),
    ast.Is: ("Is", ast.IsNot, "is not"), ast.IsNot: ("IsNot", ast.Is, "is"),
}
"""Each comparison operator: its name, the operator it becomes, and that operator's text."""

ARITHMETIC: dict[type[ast.operator], tuple[str, str, str]] = {
    ast.Add: ("Add", "Sub", "-"), ast.Sub: ("Sub", "Add", "+"),
    ast.BitOr: ("BitOr", "BitAnd", "&"), ast.BitAnd: ("BitAnd", "BitOr", "|"),
}
BOOLEANS: dict[type[ast.boolop], tuple[str, str, str]] = {
    ast.And: ("And", "Or", "or"), ast.Or: ("Or", "And", "and"),
}
_LOGGERS = frozenset({"log", "logger", "logging", "_log", "_logger"})


@dataclass(frozen=True)
class Mutant:
    """One edit of one module: the text from `span.start` to `span.end` becomes `replacement`."""

    path: str
    span: Span
    replacement: str
    operator: str
    function: str
    """The qualified name of the function (or class) the edit is in; ``<module>`` outside."""
    code: str
    """The stripped source line the edit starts on, to recognise the mutant when lines move."""

    @property
    def line(self) -> int:
        return self.span.start[0]

    @property
    def column(self) -> int:
        return self.span.start[1] + 1

    @property
    def id(self) -> str:
        return f"{self.path}:{self.line}:{self.column}:{self.operator}"

    def apply(self, source: Source) -> str:
        """The text of `source` with this mutant's edit made."""
        start, end = source.offset(self.span.start), source.offset(self.span.end)
        return source.text[:start] + self.replacement + source.text[end:]


def mutants_of(source: Source) -> list[Mutant]:
    """Every in-scope mutant of `source` that compiles, in source order."""
    regions = excluded_regions(source)
    found = _Finder(source).find()
    kept = [mutant for mutant in found if not _excluded(mutant, regions)]
    unique = {mutant.id: mutant for mutant in kept}
    assert len(unique) == len(kept), f"two mutants share an ID in {source.path}"
    return sorted((mutant for mutant in kept if _compiles(mutant, source)),
                  key=lambda mutant: (mutant.span.start, mutant.operator))


def _excluded(mutant: Mutant, regions: list[ExcludedRegion]) -> bool:
    return any(region.span.contains(mutant.span.start) for region in regions)


def _compiles(mutant: Mutant, source: Source) -> bool:
    try:
        compile(mutant.apply(source), source.path, "exec", dont_inherit=True)
    except SyntaxError:
        return False
    return True


class _Finder(ast.NodeVisitor):
    """Walks a module's tree, noting the enclosing definition and the mutants of each node."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.scope: list[str] = []
        self.found: list[Mutant] = []

    def find(self) -> list[Mutant]:
        self.visit(self.source.tree)
        return self.found

    # -- where we are ------------------------------------------------------

    def _definition(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        if not isinstance(node, ast.ClassDef):
            self._visit_defaults(node.args)
        else:
            for base in [*node.bases, *node.keywords]:
                self.visit(base)
        self.scope.append(node.name)
        for statement in node.body:
            self.visit(statement)
        self.scope.pop()

    def _visit_defaults(self, arguments: ast.arguments) -> None:
        for default in [*arguments.defaults, *arguments.kw_defaults]:
            if default is not None:
                self.visit(default)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _definition

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._visit_defaults(node.args)
        self.visit(node.body)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.visit(node.target)
        if node.value is not None:
            self.visit(node.value)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        """f-strings are messages: nothing inside them is mutated."""

    # -- the operators -----------------------------------------------------

    def visit_Compare(self, node: ast.Compare) -> None:
        left: ast.expr = node.left
        for operator, right in zip(node.ops, node.comparators, strict=True):
            name, _, text = COMPARISONS[type(operator)]
            tokens = self._operator_tokens(left, right)
            if tokens:
                span = Span(tokens[0].start, tokens[-1].end)
                self._add(span, text, f"{name}->{COMPARISONS[type(operator)][1].__name__}")
            left = right
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        name, other, text = BOOLEANS[type(node.op)]
        for left, right in itertools.pairwise(node.values):
            tokens = self._operator_tokens(left, right)
            if tokens:
                self._add(Span(tokens[0].start, tokens[-1].end), text, f"{name}->{other}")
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not):
            start = self.source.start(node)
            after = self.source.token_after((start[0], start[1] + len("not")))
            self._add(Span(start, after.start), "", "DelNot")
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        self._arithmetic(node.left, node.op, node.right, "")
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._arithmetic(node.target, node.op, node.value, "=")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool):
            self._add(self.source.span(node), str(not value), f"{value}->{not value}")
        elif isinstance(value, int):
            changed = {0: 1, 1: 0}.get(value, value + 1)
            self._add(self.source.span(node), str(changed), f"{value}->{changed}")
        elif isinstance(value, float):
            self._add(self.source.span(node), repr(value + 1), f"{value!r}->{value + 1!r}")

    def visit_Return(self, node: ast.Return) -> None:
        value = node.value
        # a falsy constant already gets its constant mutant; None would read as the same
        if value is not None and not (isinstance(value, ast.Constant) and not value.value):
            self._add(self.source.span(value), "None", "ReturnNone")
        self.generic_visit(node)

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Call) and not _is_logging(node.value):
            self._remove(node, "CallToPass")
        self.generic_visit(node)

    def visit_Raise(self, node: ast.Raise) -> None:
        self._remove(node, "ReRaiseToPass" if node.exc is None else "RaiseToPass")
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        self._remove(node, "DelToPass")
        self.generic_visit(node)

    # -- helpers -----------------------------------------------------------

    def _arithmetic(self, left: ast.expr, operator: ast.operator, right: ast.expr,
                    suffix: str) -> None:
        if type(operator) not in ARITHMETIC:
            return
        name, other, text = ARITHMETIC[type(operator)]
        tokens = self._operator_tokens(left, right)
        if tokens:
            self._add(Span(tokens[0].start, tokens[-1].end), text + suffix,
                      f"{name}->{other}" if not suffix else f"{name}Assign->{other}Assign")

    def _operator_tokens(self, left: ast.AST, right: ast.AST) -> list[tokenize.TokenInfo]:
        """The tokens of the operator between `left` and `right` (not their parentheses)."""
        between = self.source.tokens_between(self.source.end(left), self.source.start(right))
        return [token for token in between if token.string not in ("(", ")")
                and token.type in (tokenize.OP, tokenize.NAME)]

    def _remove(self, node: ast.stmt, operator: str) -> None:
        span = self.source.span(node)
        # the lines the statement took stay, blank, so that line numbers do not move
        self._add(span, "pass" + "\n" * (span.end[0] - span.start[0]), operator)

    def _add(self, span: Span, replacement: str, operator: str) -> None:
        function = ".".join(self.scope) or "<module>"
        code = self.source.lines[span.start[0] - 1].strip()
        self.found.append(Mutant(self.source.path, span, replacement, operator, function, code))


def _is_logging(call: ast.Call) -> bool:
    target = call.func
    while isinstance(target, ast.Attribute):
        target = target.value
    return isinstance(target, ast.Name) and target.id in _LOGGERS


def all_mutants(sources: list[Source]) -> list[Mutant]:
    """The mutants of every source, in the order given."""
    return [mutant for source in sources for mutant in mutants_of(source)]


def unified_diff(mutant: Mutant, source: Source, context: int = 1) -> str:
    """The mutant as a unified diff against `source`, with `context` lines around it."""
    lines = difflib.unified_diff(source.lines, mutant.apply(source).splitlines(keepends=True),
                                 f"a/gc3store/{source.path}", f"b/gc3store/{source.path}",
                                 n=context)
    return "".join(lines)

