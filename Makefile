# gc3store: make test (the whole suite), make certify (certify a store with the test kit),
# make docs (the documentation site, in docs/_build/html), make mutation (the kit's mutation
# score: how many mutants of the stores the kit alone kills).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
STORE ?=
PYTEST_ARGS ?=

.PHONY: test lint typecheck docs certify bench mutation clean

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@# the kit checks the durability extension by tracing a store with strace (Debian, as root)
	command -v strace >/dev/null || (apt-get update -qq && apt-get install -y -qq strace)
	touch $@

lint: $(INSTALLED)
	$(BIN)/ruff check gc3store gc3store_testkit tests docs/examples docs/_ext docs/conf.py benchmarks mutation

typecheck: $(INSTALLED)
	$(BIN)/mypy --strict gc3store gc3store_testkit

# every page rebuilt (-E), so that a warning in an unchanged page still fails the build
docs: $(INSTALLED)
	$(BIN)/sphinx-build -E -W --keep-going -q -b html docs docs/_build/html

test: lint typecheck docs
	rm -f .coverage .coverage.*
	$(BIN)/coverage run -m pytest -n auto $(PYTEST_ARGS)
	$(BIN)/coverage combine --quiet
	@# what combine leaves are the half-written files of children the fault tests SIGKILLed
	rm -f .coverage.*
	$(BIN)/coverage report --fail-under=95

# ratios of each store's speed to raw baselines run in the same process; BENCH_ARGS=--quick
# for a run of about a minute; the tables and plot go to benchmarks/results/
# (BENCH_ARGS='--output docs/performance' renews the figures the documentation shows)
bench: $(INSTALLED)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

# STORE=URI picks the store to certify; the default is a new SQLite database in a temporary folder
certify: $(INSTALLED)
	@store='$(STORE)'; \
	if [ -z "$$store" ]; then store="sqlite:///$$(mktemp -d)/certify.db"; fi; \
	$(BIN)/pytest --store-uri="$$store" $(PYTEST_ARGS)

# the kit's mutation score: each mutant of the stores' code certified by the kit alone; fails
# below MUTATION_TARGET percent (90); MUTATION_JOBS mutants at once (2);
# MUTATION_ARGS='--sample 40' for a sample (see mutation/README.md)
mutation: $(INSTALLED)
	$(BIN)/python -m mutation --jobs $(or $(MUTATION_JOBS),2) --target $(or $(MUTATION_TARGET),90) \
		$(MUTATION_ARGS)

clean:
	rm -rf $(VENV) .coverage .coverage.* .mypy_cache .ruff_cache build *.egg-info docs/_build
