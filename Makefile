# The two commands of the README: `make run` (install + start the app) and `make test`
# (install + the whole default test suite). Everything installs into ./.venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test test-slow test-load bench browser postgres lint clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# Serves on localhost only (.streamlit/config.toml); ARGS adds Streamlit options, e.g.
# ARGS="--server.address 0.0.0.0 --server.port 8080" behind a proxy (README "Serving a team").
run: install
	$(BIN)/python -m ui.serve $(ARGS)

browser:
	bash scripts/install-chromium.sh

# PostgreSQL's server binaries: the store's tests run on SQLite and on a throwaway PostgreSQL.
postgres:
	bash scripts/install-postgresql.sh

lint: install
	$(BIN)/ruff check .

# Two worker processes, each taking whole test files (a file's servers, browser and fixtures
# stay in one process): the suite's time is mostly waiting on browsers, servers and child
# processes, so two workers on two cores take about half the time of one.
test: install browser postgres lint
	$(BIN)/python -m pytest -n 2 --dist loadfile

# Benchmark-size cases (all OR-Library instances, ZIP5 scale) kept out of the default run.
test-slow: install
	$(BIN)/python -m pytest -m slow

# Ten browser sessions editing and solving at once against one app server (scripts/load_test.py;
# figures in test-artifacts/load/load.json and RELIABILITY.md). A few minutes.
test-load: install browser
	$(BIN)/python -m pytest -m load -s

# ARGS passes the bench's options, e.g. ARGS="--quick" or ARGS="--classes next_day_80".
bench: install
	$(BIN)/python -m network bench $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
