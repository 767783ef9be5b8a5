"""Sphinx configuration of the gc3store documentation: Markdown pages (MyST), furo, autodoc."""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

import gc3store  # noqa: E402  (after the path is set, for the version)

project = "gc3store"
author = "the gc3store authors"
copyright = "the gc3store authors"
release = version = gc3store.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "sphinxarg.ext",
    "gc3store_clauses",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "examples", "performance"]

# docstrings name Python objects in single backticks: `Store`, `make_store`
default_role = "py:obj"

# option names such as --store-uri stay as typed, not turned into dashes
smartquotes = False

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"members": True, "show-inheritance": True}
autoclass_content = "both"

html_theme = "furo"
html_title = f"gc3store {release}"
