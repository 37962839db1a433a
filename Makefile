# Skill Atlas: `make run` serves the app, `make test` checks everything.
# Both create .venv on first use; constraints.txt pins the exact versions.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT := $(or $(STREAMLIT_SERVER_PORT),8501)

.PHONY: run check test lint typecheck pytest e2e screenshots bench demo clean install install-dev browser postgres

$(BIN)/python:
	@echo "Creating $(VENV) (the project's own Python environment)..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	@echo "Installing dependencies into $(VENV) (about a minute on first run)..."
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml constraints.txt
	@echo "Installing dependencies and test tools into $(VENV) (a minute or two on first run)..."
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: build the demo database on first start, then serve on http://localhost:$(PORT)
run: install
	@echo "Building the demo database (first start only; later starts reuse it)..."
	$(BIN)/python -m skills demo --if-missing
	@echo "Serving Skill Atlas on http://localhost:$(PORT) (Ctrl-C stops it)..."
	$(BIN)/streamlit run app.py --server.port $(PORT)

## check: the quick loop (under 30 s): format check, lint, layers, typing, the unit tests not marked slow
check: install-dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest tests/unit -m "not slow" -q

## test: format check, lint, the import layers, typing (strict on skills/; pages/, tests/ too), the whole suite
test: install-dev browser postgres
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest

## browser: Debian's chromium for the browser tests (skipped when it is already there)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium not found: install it (apt-get install chromium) to run the browser tests"; fi; }

## postgres: Debian's PostgreSQL binaries for the lake tests, which start a private cluster (no service)
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else echo "PostgreSQL not found: install it (apt-get install postgresql) to run the lake tests"; fi; }

lint:
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck:
	$(BIN)/mypy

e2e: install-dev browser
	$(BIN)/pytest tests/e2e

## screenshots: run the browser tests, then refresh the README's copies in tests/e2e/readme/
screenshots: e2e
	cd tests/e2e && for f in readme/*.png; do cp "screenshots/$$(basename $$f)" "$$f"; done

bench: install-dev
	$(BIN)/python benchmarks/run.py

demo: install
	$(BIN)/python -m skills demo

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache data/*.duckdb*
