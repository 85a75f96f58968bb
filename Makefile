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

.PHONY: run test unit integration e2e faults install clean kafka-fetch

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

# Apache Kafka's jars through Maven into ~/.cache/motcua (once; a no-op afterwards), so that no
# test pays for the fetch inside its time limit.
kafka-fetch: $(STAMP) $(SYSDEPS)
	$(BIN)/motcua kafka fetch

run: $(STAMP)
	$(BIN)/motcua up

# The suites on the broker each proves something on: unit and e2e (the CLI, `make run`'s
# embedded Tansu); integration on one Apache Kafka node; the Tansu quirks' own tests on Tansu;
# the faults on three Apache Kafka nodes (the compose cluster's replication).
test: $(STAMP) $(SYSDEPS) kafka-fetch
	$(BIN)/python -m pytest -q tests/unit tests/e2e
	MOTCUA_TEST_BROKER=kafka $(BIN)/python -m pytest -q tests/integration
	MOTCUA_TEST_BROKER=tansu $(BIN)/python -m pytest -q $(TANSU_INTEGRATION)
	MOTCUA_TEST_BROKER=kafka3 MOTCUA_FAULT_EVENTS=$(TEST_FAULT_EVENTS) $(BIN)/python -m pytest -q tests/faults

# integration tests that keep running on the embedded broker: its end-offset workaround and the
# worker restarts it was found under
TANSU_INTEGRATION := tests/integration/test_worker_end_offsets.py tests/integration/test_worker_restart.py

faults: $(STAMP) $(SYSDEPS) kafka-fetch
	MOTCUA_TEST_BROKER=kafka3 MOTCUA_FAULT_EVENTS=$(FAULT_EVENTS) $(BIN)/python -m pytest -q tests/faults

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

integration: $(STAMP) kafka-fetch
	MOTCUA_TEST_BROKER=kafka $(BIN)/python -m pytest -q tests/integration

e2e: $(STAMP)
	$(BIN)/python -m pytest -q tests/e2e

clean:
	rm -rf $(VENV) var .pytest_cache
