"""Sphinx directives that put the kit's clause list and its tests per clause into the docs.

``{contract-clauses}`` renders the table of every clause of `gc3store_testkit.clauses`,
``{capabilities}`` the table of the optional capabilities of `gc3store_testkit.capabilities`,
and ``{extensions}`` that of the extensions of `gc3store_testkit.extensions`;
``{clause} N``, placed under the heading of clause N, renders its one-line form and links to
every kit test marked with it.  Both read the same sources as the kit, so the page cannot name a
clause or a test the kit does not have; a heading whose title differs from the clause's, a clause
without a ``{clause}`` block, and a link to a test the API pages do not document fail the build.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from gc3store_testkit.capabilities import CAPABILITIES
from gc3store_testkit.certification import expected_tests
from gc3store_testkit.clauses import CLAUSES, clause
from gc3store_testkit.extensions import DECLARATION_ATTRIBUTE, EXTENSIONS

logger = logging.getLogger(__name__)

HEADING = "Clause {number} — {title}"
"""The heading of clause N in docs/contract.md."""


CLAUSE_CLASS = "gc3store-clause"
"""The class of the container a ``{clause}`` block renders as."""


def clause_blocks(doctree: nodes.Node) -> list[nodes.container]:
    """The containers ``{clause}`` directives made in `doctree`."""
    return [node for node in doctree.findall(nodes.container) if CLAUSE_CLASS in node["classes"]]


def tests_by_clause() -> dict[int, list[str]]:
    """The dotted path of each kit test, by the clause it is marked with, in source order."""
    from gc3store_testkit.contract import StoreContract

    by_clause: dict[int, list[str]] = defaultdict(list)
    for name, number in expected_tests().items():
        function = getattr(StoreContract, name)
        by_clause[number].append(f"{function.__module__}.{function.__qualname__}")
    for paths in by_clause.values():
        paths.sort()
    return by_clause


def test_reference(path: str) -> addnodes.pending_xref:
    """A link to the kit test at dotted `path` that warns (so fails the build) if unresolved."""
    module, _, name = path.rpartition(".")
    reference = addnodes.pending_xref(
        "", nodes.literal(name, name, classes=["xref", "py", "py-meth"]),
        refdomain="py", reftype="meth", reftarget=path, refexplicit=True, refwarn=True)
    reference["py:module"] = module.rpartition(".")[0]
    reference["py:class"] = None
    return reference


def clause_reference(number: int) -> addnodes.pending_xref:
    """A link to the ``clause-N`` label of the clause's section."""
    text = str(number)
    return addnodes.pending_xref(
        "", nodes.inline(text, text), refdomain="std", reftype="ref",
        reftarget=f"clause-{number}", refexplicit=True, refwarn=True)


class ClauseDirective(SphinxDirective):
    """``{clause} N``: clause N's one-line form (as its failure messages start) and its tests."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        try:
            number = int(self.arguments[0])
            stated = clause(number)
        except (ValueError, KeyError) as exc:
            raise self.error(f"{{clause}} needs the number of a clause of "
                             f"gc3store_testkit/clauses.py, not {self.arguments[0]!r}: "
                             f"{exc}") from exc
        block = nodes.container(classes=[CLAUSE_CLASS], number=number)
        block += nodes.paragraph("", "", nodes.strong("In one line: ", "In one line: "),
                                 nodes.Text(stated.text))
        tests = tests_by_clause().get(number, [])
        checked = nodes.paragraph("", "", nodes.strong("Kit tests: ", "Kit tests: "))
        for index, path in enumerate(tests):
            if index:
                checked += nodes.Text(", ")
            checked += test_reference(path)
        block += checked
        return [block]


class ContractClausesDirective(SphinxDirective):
    """``{contract-clauses}``: a table of every clause, its one-line form and its test count."""

    def run(self) -> list[nodes.Node]:
        tests = tests_by_clause()
        table = nodes.table(classes=["gc3store-clauses"])
        group = nodes.tgroup(cols=5)
        table += group
        for width in (1, 4, 3, 12, 2):
            group += nodes.colspec(colwidth=width)
        group += nodes.thead("", self._row("clause", "title", "level", "in one line",
                                           "kit tests"))
        body = nodes.tbody()
        for stated in CLAUSES:
            level: str | nodes.Node = "contract" if stated.extension is None else \
                nodes.literal(stated.extension, stated.extension)
            body += self._row(clause_reference(stated.number), stated.title, level, stated.text,
                              str(len(tests.get(stated.number, []))))
        group += body
        return [table]

    @staticmethod
    def _row(*cells: str | nodes.Node) -> nodes.row:
        return table_row(*cells)


class CapabilitiesDirective(SphinxDirective):
    """``{capabilities}``: the capabilities a backend may declare unsupported, and their meaning."""

    def run(self) -> list[nodes.Node]:
        table = nodes.table(classes=["gc3store-capabilities"])
        group = nodes.tgroup(cols=2)
        table += group
        for width in (1, 4):
            group += nodes.colspec(colwidth=width)
        group += nodes.thead("", table_row("capability", "meaning"))
        body = nodes.tbody()
        for name, meaning in CAPABILITIES.items():
            body += table_row(nodes.literal(name, name), meaning)
        group += body
        return [table]


class ExtensionsDirective(SphinxDirective):
    """``{extensions}``: the extensions a store may offer, their clause, and how it offers one."""

    def run(self) -> list[nodes.Node]:
        table = nodes.table(classes=["gc3store-extensions"])
        group = nodes.tgroup(cols=4)
        table += group
        for width in (2, 1, 3, 8):
            group += nodes.colspec(colwidth=width)
        group += nodes.thead("", table_row("extension", "clause", "offered by", "promise"))
        body = nodes.tbody()
        for extension in EXTENSIONS.values():
            offered = f"{DECLARATION_ATTRIBUTE}" if extension.detected_by is None else \
                f"a {extension.detected_by} method, or {DECLARATION_ATTRIBUTE}"
            body += table_row(nodes.literal(extension.name, extension.name),
                              clause_reference(extension.clause), offered, extension.sentence)
        group += body
        return [table]


def table_row(*cells: str | nodes.Node) -> nodes.row:
    """A row of a table, one cell per text or node."""
    row = nodes.row()
    for cell in cells:
        content = cell if isinstance(cell, nodes.Node) else nodes.Text(cell)
        row += nodes.entry("", nodes.paragraph("", "", content))
    return row


def check_clause_headings(app: Sphinx, doctree: nodes.document) -> None:
    """Each ``{clause} N`` sits under the heading "Clause N — Title" of clauses.py's clause N."""
    for block in clause_blocks(doctree):
        number = block["number"]
        expected = HEADING.format(number=number, title=clause(number).title)
        section = block.parent
        title = (section[0].astext() if isinstance(section, nodes.section) and section.children
                 else None)
        if title != expected:
            logger.warning("{clause} %d is under the heading %r, not %r as in "
                           "gc3store_testkit/clauses.py", number, title, expected,
                           location=block)


def check_every_clause_is_documented(app: Sphinx, doctree: nodes.document) -> None:
    """A page with ``{clause}`` blocks has one for each clause of clauses.py, in order."""
    numbers = [block["number"] for block in clause_blocks(doctree)]
    expected = [stated.number for stated in CLAUSES]
    if numbers and numbers != expected:
        docname = app.env.docname
        logger.warning("the {clause} blocks of %s are for clauses %s; "
                       "gc3store_testkit/clauses.py has clauses %s", docname, numbers, expected,
                       location=docname)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("clause", ClauseDirective)
    app.add_directive("contract-clauses", ContractClausesDirective)
    app.add_directive("capabilities", CapabilitiesDirective)
    app.add_directive("extensions", ExtensionsDirective)
    app.connect("doctree-read", check_clause_headings)
    app.connect("doctree-read", check_every_clause_is_documented)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
