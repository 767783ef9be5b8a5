"""Every example of the docs and the README runs as it is written, and the dbm example is certified.

The Python blocks and ``>>>`` examples of ``docs/*.md`` and ``README.md`` are found by sybil's
MyST parsers and run one page at a time, in order, in one namespace per page (a page's
examples build on each other, so they are one test: pytest-xdist may not split them). A block
marked ``% skip: next "reason"`` is not run. Paths under ``/tmp`` in a page are rewritten to the
test's own temporary directory, so that the text can keep GC3Pie's ``make_store('/tmp')``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import SkipTest

import pytest
from sybil import Document, Region
from sybil.parsers.myst import PythonCodeBlockParser, SkipParser

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
TESTKIT = ROOT / "tests" / "testkit"
PARSERS = (PythonCodeBlockParser(), SkipParser())
TMP_PATH = re.compile(r"(?<![\w.-])/tmp(?![\w.-])")
"""``/tmp`` as a path of its own or the start of one (also in ``file:///tmp``), not inside another
path or a word."""

SEED_EXAMPLES = ("make_store('file:///tmp')", "make_store('/tmp')")
"""GC3Pie's own examples of make_store, which the docs must show running."""


def parse(page: Path, text: str | None = None) -> Document:
    """The examples of `page`, found in `text` (default: the page as it is)."""
    document = Document(page.read_text(encoding="utf-8") if text is None else text, str(page))
    for parser in PARSERS:
        for region in parser(document):
            document.add(region)
    return document


def example_sources(page: Path) -> list[str]:
    """The source of each example of `page` that is run: not a skip mark, nor what it skips."""
    sources = []
    skipping = False
    for _, region in parse(page).regions:
        if is_skip(region):
            skipping = True
        elif skipping:
            skipping = False
        else:
            sources.append(str(getattr(region.parsed, "source", region.parsed)))
    return sources


def is_skip(region: Region) -> bool:
    return isinstance(region.parsed, tuple)


PAGES = [page for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
         if example_sources(page)]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_the_examples_of_a_page_run(page: Path, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(EXAMPLES))
    # classes the examples define must be importable by name, so that they can be pickled
    module = types.ModuleType("docs_examples_" + re.sub(r"\W", "_", page.stem))
    monkeypatch.setitem(sys.modules, module.__name__, module)
    text = TMP_PATH.sub(str(tmp_path), page.read_text(encoding="utf-8"))
    assert "/tmp" not in text.replace(str(tmp_path), ""), "a /tmp path the rewriting missed"
    document = parse(page, text)
    document.namespace = module.__dict__
    for example in document.examples():
        try:
            example.evaluate()
        except SkipTest:
            continue
        except Exception as exc:
            raise AssertionError(f"the example at {page.relative_to(ROOT)}, line "
                                 f"{example.line}, failed: {type(exc).__name__}: {exc}") from exc


def test_gc3pies_examples_of_make_store_run_in_the_docs() -> None:
    run = "\n".join(source for page in PAGES for source in example_sources(page))
    assert [seed for seed in SEED_EXAMPLES if seed not in run] == []


@pytest.mark.parametrize(("first_line", "source"), [
    ("class DbmStore(RecordStore):", EXAMPLES / "dbm_store.py"),
    ("class PlainStore(Store):", TESTKIT / "plain_store.py")], ids=["dbm", "plain"])
def test_the_excerpts_of_the_examples_are_taken_from_them(first_line: str, source: Path) -> None:
    certify = (ROOT / "docs" / "certify.md").read_text(encoding="utf-8")
    start = certify.index(first_line)
    excerpt = certify[start:certify.index("```", start)]
    lines = source.read_text(encoding="utf-8").splitlines()
    missing = [line for line in excerpt.splitlines()
               if line.strip() not in ("", "...") and line not in lines]
    assert missing == [], f"lines of the excerpt in docs/certify.md not in {source.name}"


def test_the_plain_example_is_certified_by_the_command_on_the_page(
        run_kit: Callable[..., Any], storage: Path) -> None:
    certify = (ROOT / "docs" / "certify.md").read_text(encoding="utf-8")
    [command] = re.findall(r"^PYTHONPATH=tests/testkit pytest (.*)$", certify, re.MULTILINE)
    arguments = command.replace("/tmp/plain-store", str(storage)).split()
    run = run_kit(*arguments)  # run_kit puts tests/testkit on the path, as the page does
    assert run.verdict == "CERTIFIED", run.describe()
    assert run.outcome.ret == 0
    assert {extension["status"] for extension in run.store()["extensions"]} == {"not offered"}


@pytest.fixture
def examples_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        filter(None, [str(EXAMPLES), os.environ.get("PYTHONPATH")])))


@pytest.mark.usefixtures("examples_importable")
def test_the_dbm_example_is_certified_from_the_command_line(
        run_kit: Callable[..., Any], storage: Path) -> None:
    storage.mkdir()
    run = run_kit("-p", "dbm_store", f"--store-uri=dbm://{storage}/example.dbm")
    assert run.verdict == "CERTIFIED", run.describe()
    # dbm.dumb files are unsafe for concurrent writers, though a short test may not show it
    assert run.statuses()[9] in ("unsupported", "passed")
    assert run.outcome.ret == 0


@pytest.mark.usefixtures("examples_importable")
def test_the_dbm_example_is_certified_through_store_contract(
        run_kit: Callable[..., Any], pytester: pytest.Pytester) -> None:
    certify = (ROOT / "docs" / "certify.md").read_text()
    start = certify.index("import functools")
    pytester.makepyfile(test_dbm=certify[start:certify.index("```", start)])
    run = run_kit()
    assert run.verdict == "CERTIFIED", run.describe()
    assert run.outcome.ret == 0


def test_the_readme_example_saves_and_loads(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("from gc3store import Persistable, make_store")
    code = readme[start:readme.index("```", start)].replace("/tmp/tasks.db",
                                                          str(tmp_path / "tasks.db"))
    script = tmp_path / "example.py"
    script.write_text(code)
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            timeout=60, check=False)
    assert (result.returncode, result.stdout, result.stderr) == (0, "align reads\n", "")
