# The README's commands. Everything installs itself on first use (a venv in .venv).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed
PIP_INSTALL := $(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt

.PHONY: run test lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP_INSTALL) -e .
	touch $@

$(DEV): $(RUNTIME) pyproject.toml constraints.txt
	$(PIP_INSTALL) -e '.[dev]'
	touch $@

## run: the all-in-one server (api + chat + stream + web UI) on http://127.0.0.1:8080
run: $(RUNTIME)
	$(BIN)/veza serve all --host 127.0.0.1 --port 8080

## test: the whole suite (the scaled stack runs too when VEZA_TEST_* URLs are set)
test: $(DEV)
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
