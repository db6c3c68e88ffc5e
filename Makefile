# smogsim: `make demo` and `make test` are the whole set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# the suite runs on every core (pytest-xdist); JOBS=1 runs it in one process
JOBS ?= auto

.PHONY: demo test test-fast lint typecheck bench bench-record clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/smogsim demo

test: lint typecheck
	$(BIN)/python -m pytest -n $(JOBS)

# the inner loop: everything but the end-to-end examples, batches and browser tests
test-fast: $(VENV)/.installed
	$(BIN)/python -m pytest -n $(JOBS) -m "not slow" --hypothesis-profile=fast

lint: $(VENV)/.installed
	$(BIN)/ruff check .

typecheck: $(VENV)/.installed
	$(BIN)/mypy

# prints the figures and changes no tracked file; bench-record keeps them in results/latest.json
bench: $(VENV)/.installed
	$(BIN)/python -m benchmarks

bench-record: $(VENV)/.installed
	$(BIN)/python -m benchmarks --record

clean:
	rm -rf $(VENV) runs/out .pytest_cache .mypy_cache
