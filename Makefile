# Quick start: `make run` (whole pipeline on the embedded broker) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SYSDEPS := $(VENV)/.system-packages

# The fault suite's workload: `make faults` runs the 100,000 events issue 9 asks for; `make test`
# runs 15,000, which keeps every fault test's point (three SIGKILLs and two rebalances land
# mid-stream, thousands of dossiers per partition) and the whole suite under 20 minutes on a
# quiet 2-core machine. scripts/fault-loop repeats the worker fault and restart tests.
FAULT_EVENTS ?= 100000
TEST_FAULT_EVENTS ?= 15000

.PHONY: run test unit integration e2e faults install clean

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
	MOTCUA_FAULT_EVENTS=$(TEST_FAULT_EVENTS) $(BIN)/python -m pytest -q

faults: $(STAMP) $(SYSDEPS)
	MOTCUA_FAULT_EVENTS=$(FAULT_EVENTS) $(BIN)/python -m pytest -q tests/faults

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

integration: $(STAMP)
	$(BIN)/python -m pytest -q tests/integration

e2e: $(STAMP)
	$(BIN)/python -m pytest -q tests/e2e

clean:
	rm -rf $(VENV) var .pytest_cache
