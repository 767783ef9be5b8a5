"""Mutation testing of the certification kit: how many small bugs in the stores does it catch?

`mutants` makes the mutants of the reference stores' code (`scope` says which
code), `runner` runs the installed kit against each mutated copy of the
``gc3store`` package, `report` scores and writes the results, and
`equivalent` holds the judgements of the mutants no kit test could kill.
``python -m mutation`` (``make mutation``) runs it all; see ``mutation/README.md``.
"""
