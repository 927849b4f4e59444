# The README's two commands: `make demo` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PRODUCT := $(VENV)/.product
INSTALLED := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: demo test lint typecheck install bench clean

# What the product needs, and nothing else (the demo runs on it).
$(PRODUCT): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@touch $(PRODUCT)

# The tests' tools on top (pytest, mypy, ruff, pandas, lifelines, …).
$(INSTALLED): $(PRODUCT)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(INSTALLED)

install: $(INSTALLED)

demo: $(PRODUCT)
	$(BIN)/winback demo --dir demo

lint: $(INSTALLED)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(INSTALLED)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest -n $(PYTEST_WORKERS) -q

clean:
	rm -rf demo .pytest_cache .mypy_cache .ruff_cache
