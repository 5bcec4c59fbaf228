# msosim: `make demo` and `make test` work on a fresh machine with Python 3.12+ and make.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

# The first Python >= 3.12 found: python3.13, python3.12, python3, then pyenv's versions.
PYTHON ?= $(shell for c in python3.13 python3.12 python3 $(wildcard $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3) /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do \
	if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then echo $$c; break; fi; done)

.PHONY: demo test test-fast venv clean bench docs

$(PY):
	@if [ -z "$(PYTHON)" ]; then echo "msosim needs Python 3.12 or newer (python3.12 / python3.13 not found on PATH)"; exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test,ema]'
	touch $@ $(STAMP)

venv: $(STAMP)

# The headline comparison: project funding (today), institutional and mixed funding; paired replications on
# all cores, a fresh store (so a changed model never reuses old runs), report in reports/demo/report.html.
DEMO_REPS ?= 20
DEMO_YEARS ?= 15
demo: $(STAMP)
	rm -f results/demo.duckdb results/demo.duckdb.wal
	$(VENV)/bin/msosim compare scenarios/baseline.yaml scenarios/institutional.yaml scenarios/mixed.yaml \
		--reps $(DEMO_REPS) --years $(DEMO_YEARS) --store results/demo.duckdb --report reports/demo --overwrite

# The whole suite (slow and browser tests included) on every core: pytest-xdist, one test file per worker at a
# time (a file's fixtures, e.g. the dashboard server, start once per worker). TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto
test: $(TEST_STAMP)
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile

test-fast: $(TEST_STAMP)
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile -m "not slow and not browser"

bench: $(STAMP)
	$(PY) benchmarks/run.py

docs: $(STAMP)
	$(VENV)/bin/msosim docs

clean:
	rm -rf $(VENV) runs reports results .pytest_cache
