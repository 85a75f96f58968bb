"""Fixtures of the fault suite: the simulated workload (``MOTCUA_FAULT_EVENTS`` events, default
100,000, as issue 9 demands) and time limits that scale with it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.worker_harness import MOTCUA

FAULT_EVENTS = int(os.environ.get("MOTCUA_FAULT_EVENTS", "100000"))
#: measured: the simulator makes ~5.8 events per dossier with hourly heartbeats
EVENTS_PER_DOSSIER = 5.5
#: seconds a worker run may take: generous for 2 busy cores (~400 records/s measured)
RUN_BUDGET_S = 90 + FAULT_EVENTS / 150


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.faults)
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def fault_events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``motcua simulate`` output: exactly FAULT_EVENTS structured CloudEvents, made once."""
    path = tmp_path_factory.mktemp("faults") / "events.ndjson"
    full = path.with_suffix(".all")
    dossiers = int(FAULT_EVENTS / EVENTS_PER_DOSSIER) + 1
    subprocess.run([MOTCUA, "simulate", "--seed", "9", "--start", "2025-08-04",
                    "--dossiers", str(dossiers), "--heartbeat-minutes", "60",
                    "--output", str(full)], check=True, capture_output=True, timeout=300)
    lines = full.read_text().splitlines()[:FAULT_EVENTS]
    assert len(lines) == FAULT_EVENTS, len(lines)
    path.write_text("\n".join(lines) + "\n")
    return path
