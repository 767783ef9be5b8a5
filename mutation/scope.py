"""Which code of the reference stores is mutated: the code that serves a clause or an extension.

The kit opens a store with ``make_store(URI)`` and nothing else, and uses it
through the `Store` interface and the extensions' hooks (``batch``,
``damage_record``, ``offered_extensions``).  Code that only serves what a URI
cannot ask for (a ``secret``, an ``idfactory``, a ``protocol``, GC3Pie's
ignored keywords), the ``gc3store`` command, record upgrades, the registry,
``__repr__``, annotations and ``if TYPE_CHECKING`` blocks is left out: every
exclusion below names its function, or a statement inside one, and why.
A statement is named by the start of its first source line, so that an
exclusion follows the code when lines move; one that matches nothing is an
error (`ScopeError`), never silently dropped.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from mutation.source import Source, Span

FILES = ("store.py", "records.py", "filesystem.py", "memory.py", "ids.py")
"""The modules of the ``gc3store`` package that are mutated."""

_SIGNING = ("signing: only a store given secret= signs and checks records, and no URI gives one, "
            "so the kit never runs it (tests/core/test_signing.py does)")
_UPGRADES = "record upgrades: only upgrade_records and the command run it"
_PLUMBING = "registry plumbing: turning a URI into constructor arguments (tests/core checks it)"
_KEYWORDS = ("constructor keywords a URI cannot give (GC3Pie's, accepted for compatibility): the "
             "kit always opens stores with the defaults")
_IDFACTORY = "a caller's own idfactory: the kit's stores number IDs with their own"
_TIDYING = ("tidying of the temporary files killed writers leave: no clause promises it (such "
            "files are never listed or loaded); tests/faults checks it")
_ORDER = "the order of IDs: clause 2 leaves it open, so no kit test may depend on it"


@dataclass(frozen=True)
class Exclusion:
    """Code left unmutated: a function or class, or one statement inside it, and why.

    `where` is a qualified name (``RecordStore.upgrade_records``) or
    ``<module>`` for a top-level statement; `statement` is the start of the
    stripped first line of the excluded statement or ``except`` clause;
    `part` is ``whole``, or ``body`` / ``else`` for one branch of it, or
    ``defaults`` for the default values of a function's parameters.
    """

    path: str
    where: str
    reason: str
    statement: str | None = None
    part: str = "whole"

    @property
    def label(self) -> str:
        named = f"{self.where}: `{self.statement}`" if self.statement else self.where
        return named if self.part == "whole" else f"{named} ({self.part})"


EXCLUSIONS: tuple[Exclusion, ...] = (
    Exclusion("store.py", "Store.list", "the default for a backend that cannot list: every "
              "reference store overrides it"),
    Exclusion("store.py", "checked_flag", _KEYWORDS),
    Exclusion("store.py", "_secret_bytes", _SIGNING),
    Exclusion("store.py", "RecordStore.__init__", "the protocol= keyword: " + _KEYWORDS,
              statement="if not isinstance(protocol, int)"),
    Exclusion("store.py", "RecordStore.__init__", _IDFACTORY,
              statement='if not callable(getattr(factory, "new", None)):'),
    Exclusion("store.py", "RecordStore.__init__", "display_url= (the URL messages show): no "
              "clause says what a message holds besides the ID",
              statement="self.display_url ="),
    Exclusion("store.py", "RecordStore.upgrade_records", _UPGRADES),
    Exclusion("store.py", "RecordStore._check_filters", "list() filters, an extension of the SQL "
              "store that no clause defines: the kit lists without filters"),
    Exclusion("store.py", "RecordStore._new_id", _IDFACTORY,
              statement="except (TypeError, ValueError) as exc:"),
    Exclusion("records.py", "_Unpickler", _UPGRADES + " (GC3Pie's persistent references)"),
    Exclusion("records.py", "_decode_legacy", _SIGNING, statement="if secret is not None:"),
    Exclusion("records.py", "_decode_legacy", _UPGRADES + " (unpickling a GC3Pie record)",
              statement="token = _resolving.set(resolve)"),
    Exclusion("records.py", "_decode_legacy", _UPGRADES + " (unpickling a GC3Pie record)",
              statement="try:"),
    Exclusion("records.py", "is_current", _UPGRADES),
    Exclusion("records.py", "_tag", _SIGNING),
    Exclusion("records.py", "encode", _SIGNING, statement="if secret is not None:",
              part="body"),
    Exclusion("records.py", "_check_header", _SIGNING, statement="if secret is not None:",
              part="body"),
    Exclusion("records.py", "_check_header", _SIGNING,
              statement="if signed and len(body) < TAG_SIZE:", part="body"),
    Exclusion("filesystem.py", "FilesystemStore.from_url", _PLUMBING),
    Exclusion("filesystem.py", "FilesystemStore._open_directory", "a NUL byte in a directory "
              "given to the constructor: " + _PLUMBING, statement='if "\\0" in self.directory:'),
    Exclusion("filesystem.py", "FilesystemStore._ids", _TIDYING,
              statement="if entry.name.startswith(_TEMP_PREFIX):"),
    Exclusion("filesystem.py", "_remove_if_abandoned", _TIDYING),
    Exclusion("filesystem.py", "<module>", _TIDYING, statement="ABANDONED_AFTER_S ="),
    Exclusion("memory.py", "MemoryStore.__init__", _PLUMBING + " (a memory:// URL's form)",
              statement="if not isinstance(url, str)"),
    Exclusion("memory.py", "MemoryStore.__init__", _KEYWORDS + " (ignored by the memory store)",
              statement='checked_flag("durable", durable)'),
    Exclusion("memory.py", "MemoryStore.__init__", _KEYWORDS + " (ignored by the memory store)",
              statement='checked_flag("create", create)'),
    Exclusion("memory.py", "MemoryStore.__init__", _KEYWORDS + " (ignored by the memory store)",
              part="defaults"),
    Exclusion("ids.py", "Id._key", _ORDER),
    Exclusion("ids.py", "Id.__lt__", _ORDER),
    Exclusion("ids.py", "Id.__le__", _ORDER),
    Exclusion("ids.py", "Id.__gt__", _ORDER),
    Exclusion("ids.py", "Id.__ge__", _ORDER),
    Exclusion("ids.py", "IdFactory.new", "an IdFactory used without a store: " + _IDFACTORY,
              statement="if self.next_id_fn is None:"),
    Exclusion("ids.py", "JobIdFactory", _IDFACTORY),
)

AUTOMATIC_REASONS = {
    "__repr__": "__repr__: no clause says how a store prints",
    "TYPE_CHECKING": "if TYPE_CHECKING: never runs",
}
"""Left out wherever they are, without an exclusion each (annotations, docstrings, f-strings
and logging calls are never mutated: see `mutation.mutants`)."""


class ScopeError(Exception):
    """An exclusion names code that is not there (the source changed): fix `EXCLUSIONS`."""


@dataclass(frozen=True)
class ExcludedRegion:
    """Where one exclusion lies in the current source."""

    path: str
    span: Span
    label: str
    reason: str


def qualified_definitions(tree: ast.Module) -> dict[str, ast.AST]:
    """Every function and class of `tree` by qualified name, and ``<module>`` for the module."""
    found: dict[str, ast.AST] = {"<module>": tree}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                found.setdefault(name, child)
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def excluded_regions(source: Source) -> list[ExcludedRegion]:
    """The regions of `source` left unmutated, explicit exclusions first."""
    definitions = qualified_definitions(source.tree)
    regions = [region for exclusion in EXCLUSIONS if exclusion.path == source.path
               for region in _regions_of(exclusion, source, definitions)]
    return regions + list(_automatic_regions(source, definitions))


def _regions_of(exclusion: Exclusion, source: Source,
                definitions: dict[str, ast.AST]) -> list[ExcludedRegion]:
    owner = definitions.get(exclusion.where)
    if owner is None:
        raise ScopeError(f"{exclusion.path}: no function or class {exclusion.where!r} "
                         f"(excluded for: {exclusion.reason})")
    nodes = [owner] if exclusion.statement is None else _statements(owner, exclusion, source)
    if not nodes:
        raise ScopeError(f"{exclusion.path}: no statement starting {exclusion.statement!r} in "
                         f"{exclusion.where} (excluded for: {exclusion.reason})")
    spans = [span for node in nodes for span in _part(node, exclusion.part, source)]
    if not spans:
        raise ScopeError(f"{exclusion.path}: {exclusion.label} has no {exclusion.part}")
    return [ExcludedRegion(source.path, span, exclusion.label, exclusion.reason)
            for span in spans]


def _statements(owner: ast.AST, exclusion: Exclusion, source: Source) -> list[ast.AST]:
    assert exclusion.statement is not None
    candidates = (owner.body if isinstance(owner, ast.Module)  # top level only
                  else list(ast.walk(owner)))
    return [node for node in candidates if isinstance(node, (ast.stmt, ast.ExceptHandler))
            and source.first_line(node).startswith(exclusion.statement)]


def _part(node: ast.AST, part: str, source: Source) -> list[Span]:
    if part == "whole":
        return [_with_decorators(node, source)]
    if part == "defaults":
        arguments = getattr(node, "args", None)
        if not isinstance(arguments, ast.arguments):
            return []
        defaults = [*arguments.defaults, *(d for d in arguments.kw_defaults if d is not None)]
        # one span from the first default to the last: between them lie only names and
        # annotations, which are never mutated
        return [Span(source.start(defaults[0]), source.end(defaults[-1]))] if defaults else []
    statements: list[ast.stmt] = getattr(node, "body" if part == "body" else "orelse", [])
    if not statements:
        return []
    return [Span(source.start(statements[0]), source.end(statements[-1]))]


def _with_decorators(node: ast.AST, source: Source) -> Span:
    span = source.span(node)
    decorators = getattr(node, "decorator_list", [])
    return Span(source.start(decorators[0]), span.end) if decorators else span


def _automatic_regions(source: Source,
                       definitions: dict[str, ast.AST]) -> Iterator[ExcludedRegion]:
    for name, node in definitions.items():
        if name.rsplit(".", 1)[-1] == "__repr__":
            yield ExcludedRegion(source.path, _with_decorators(node, source), name,
                                 AUTOMATIC_REASONS["__repr__"])
    for node in ast.walk(source.tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            yield ExcludedRegion(source.path, source.span(node), "if TYPE_CHECKING:",
                                 AUTOMATIC_REASONS["TYPE_CHECKING"])


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
