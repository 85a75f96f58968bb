# Quick start: `make run` (whole pipeline on the embedded broker) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SYSDEPS := $(VENV)/.system-packages

.PHONY: run test unit integration e2e install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

$(SYSDEPS): scripts/install-system-packages | $(BIN)/python
	scripts/install-system-packages
	touch $(SYSDEPS)

install: $(STAMP) $(SYSDEPS)

run: $(STAMP)
	$(BIN)/motcua up

test: $(STAMP) $(SYSDEPS)
	$(BIN)/python -m pytest -q

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

integration: $(STAMP)
	$(BIN)/python -m pytest -q tests/integration

e2e: $(STAMP)
	$(BIN)/python -m pytest -q tests/e2e

clean:
	rm -rf $(VENV) var .pytest_cache
