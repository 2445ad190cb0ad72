# The README's commands. Everything installs itself on first use (a venv in .venv).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed
PIP_INSTALL := $(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt

.PHONY: run test lint format bench clean web

# The web app (web/) is built into src/veza/web/dist when missing or older than any file in web/.
WEB_DIST := src/veza/web/dist/index.html
WEB_SOURCES := $(shell find web -path web/node_modules -prune -o -type f -print 2>/dev/null)
WEB_MODULES := web/node_modules/.package-lock.json

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP_INSTALL) -e .
	touch $@

$(DEV): $(RUNTIME) pyproject.toml constraints.txt
	$(PIP_INSTALL) -e '.[dev]'
	touch $@

$(WEB_MODULES): web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

$(WEB_DIST): $(WEB_MODULES) $(WEB_SOURCES)
	cd web && npm run build

## web: build the web app (tsc --noEmit, then vite build)
web: $(WEB_DIST)

## run: the all-in-one server (api + chat + stream + web UI) on http://127.0.0.1:8080
run: $(RUNTIME) $(WEB_DIST)
	$(BIN)/veza serve all --host 127.0.0.1 --port 8080

## test: the whole suite (the scaled stack runs too when VEZA_TEST_* URLs are set)
test: $(DEV) $(WEB_DIST)
	cd web && npm test
	$(BIN)/pytest

## lint: ruff (lint + format check), mypy (strict), import contracts
lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(DEV)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## bench: the benchmarks in bench/ (see bench/README.md)
bench: $(DEV)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
