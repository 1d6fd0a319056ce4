# The two commands of the README: `make run` (install + start the app) and `make test`
# (install + the whole default test suite). Everything installs into ./.venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test test-slow bench browser postgres lint clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python -m ui.serve

browser:
	bash scripts/install-chromium.sh

# PostgreSQL's server binaries: the store's tests run on SQLite and on a throwaway PostgreSQL.
postgres:
	bash scripts/install-postgresql.sh

lint: install
	$(BIN)/ruff check .

test: install browser postgres lint
	$(BIN)/python -m pytest

# Benchmark-size cases (all OR-Library instances, ZIP5 scale) kept out of the default run.
test-slow: install
	$(BIN)/python -m pytest -m slow

bench: install
	$(BIN)/python -m network bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
