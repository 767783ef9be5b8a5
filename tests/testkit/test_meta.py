"""The clause numbers agree everywhere: docs/contract.md, clauses.py, and the kit's test marks."""

from __future__ import annotations

import re
from pathlib import Path

from gc3store_testkit.certification import expected_tests
from gc3store_testkit.clauses import BY_NUMBER, CLAUSES
from gc3store_testkit.contract import StoreContract

CONTRACT_DOCUMENT = Path(__file__).parents[2] / "docs" / "contract.md"
CLAUSE_HEADING = re.compile(r"^## Clause (\d+) — (.+?)\s*$", re.MULTILINE)
CLAUSE_SECTION_START = re.compile(
    r"^\(clause-(\d+)\)=\n## Clause (\d+) — .+\n\n```\{clause\} (\d+)\n```$", re.MULTILINE)
"""A clause's label (what other pages link to), heading, and the block generated from the kit."""


def documented_clauses() -> list[tuple[int, str]]:
    """The (number, title) of each ``## Clause N — Title`` heading of docs/contract.md, in order."""
    text = CONTRACT_DOCUMENT.read_text(encoding="utf-8")
    return [(int(number), title) for number, title in CLAUSE_HEADING.findall(text)]


def test_contract_document_has_the_clauses_of_clauses_py_in_order() -> None:
    assert documented_clauses() == [(clause.number, clause.title) for clause in CLAUSES]


def test_every_clause_heading_has_its_label_and_its_generated_block() -> None:
    text = CONTRACT_DOCUMENT.read_text(encoding="utf-8")
    sections = [tuple(map(int, numbers)) for numbers in CLAUSE_SECTION_START.findall(text)]
    assert sections == [(clause.number,) * 3 for clause in CLAUSES]


def test_clauses_are_numbered_from_one_without_gaps() -> None:
    assert [clause.number for clause in CLAUSES] == list(range(1, len(CLAUSES) + 1))


def test_every_kit_test_names_an_existing_clause() -> None:
    tests = [name for name in dir(StoreContract) if name.startswith("test_")]
    marked = expected_tests()
    assert sorted(marked) == sorted(tests), "kit tests without a clause mark"
    unknown = {name: number for name, number in marked.items() if number not in BY_NUMBER}
    assert not unknown


def test_every_documented_clause_has_a_kit_test() -> None:
    documented = {number for number, _ in documented_clauses()} | set(BY_NUMBER)
    untested = documented - set(expected_tests().values())
    assert not untested, f"clauses without a kit test: {sorted(untested)}"


def test_a_clause_reads_as_failure_messages_start() -> None:
    for clause in CLAUSES:
        assert str(clause).startswith(f"Clause {clause.number} ({clause.title}): ")


def test_each_extension_has_the_clause_that_names_it() -> None:
    from gc3store_testkit.extensions import EXTENSIONS

    assert {name: extension.clause for name, extension in EXTENSIONS.items()} == {
        clause.extension: clause.number for clause in CLAUSES if clause.extension}


def test_the_contract_is_clauses_1_to_12_and_the_rest_are_extensions() -> None:
    from gc3store_testkit.clauses import CONTRACT_CLAUSES

    assert [clause.number for clause in CONTRACT_CLAUSES] == list(range(1, 13))
