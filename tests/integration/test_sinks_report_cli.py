"""``motcua sink db`` + ``motcua report bieu06`` as subprocesses on a scripted scenario.

The scenario is the one of tests/unit/test_reports.py, sent as events through the embedded
broker; the report must equal the hand-computed table there.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from schemas import derived, lifecycle as L
from schemas.cloudevents import Event
from schemas.fields import Applicant, Channel, Duration, DurationUnit, Level
from sinks.db.tables import classifications, dossier_flags, dossiers
from tests.integration.test_sinks import publish, wait_for
from tests.unit.test_reports import EXPECTED, SCENARIO

pytestmark = pytest.mark.integration
MOTCUA = [sys.executable, "-m", "motcua"]


def scenario_events(life: str, flags: str, classes: str) -> tuple[list, int]:
    out = []
    for n, f in enumerate(SCENARIO, start=1):
        code = f"{f.agency}-{f.received_at:%y%m%d}-{n:04d}"
        due = f.due_at or f.received_at + dt.timedelta(days=14)
        rec = L.DossierReceived(code, "1.009994", "Cấp phép", "XD", "000.00.01.H47", f.agency,
                                f.agency_name, Level.PROVINCE, Channel(f.channel),
                                Duration(10, DurationUnit.WORKING_DAYS), due, False,
                                Applicant("Trần Văn B"))
        out.append((life, Event.new(rec, time=f.received_at, source="urn:test")))
        for od in f.overdue_due_ats:
            flag = derived.DossierOverdue(code, derived.FlagScope.DOSSIER, 1, od, f.agency,
                                          f.agency_name, "1.009994", "Cấp phép", f.received_at)
            out.append((flags, Event.new(flag, time=od, source="urn:test")))
        if f.ended_at and f.classification:
            c = derived.DossierClassified(code, "1.009994", f.agency,
                                          derived.Classification(f.classification), f.ended_at,
                                          due, 1, 100, 4800, 0)
            out.append((classes, Event.new(c, time=f.ended_at, source="urn:test")))
        elif f.ended_at:
            out.append((life, Event.new(L.DossierResolved(code, f.agency), time=f.ended_at,
                                        source="urn:test")))
    return out, len(SCENARIO)


def run_db_sink(env: dict, topics: str, group: str, db: Path, until, *extra: str,  # noqa: ANN001
                timeout: float = 30.0) -> None:
    """Run ``motcua sink db`` on ``topics`` until ``until(connection)`` holds; stop it cleanly."""
    sink = subprocess.Popen(MOTCUA + ["sink", "db", "--topics", topics, "--group", group, *extra],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert sink.stdout.readline().startswith("ready: sink db")
        engine = create_engine(f"sqlite:///{db}")

        def projected() -> bool:
            with engine.connect() as conn:
                return until(conn)
        wait_for(projected, timeout=timeout, what="projected")
        engine.dispose()
    finally:
        sink.send_signal(signal.SIGTERM)
        _, err = sink.communicate(timeout=30)
    assert sink.returncode == 0, err


def test_report_bieu06_cli_equals_hand_computed_table(kafka_bootstrap: str, make_topic,
                                                      tmp_path: Path) -> None:
    life, flags, classes, dlq = (make_topic(n) for n in ("life", "flags", "cls", "dlq"))
    db = tmp_path / "report.db"
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
           "MOTCUA_DATABASE_URL": f"sqlite:///{db}", "MOTCUA_STATE_DIR": str(tmp_path / "var")}
    events, n = scenario_events(life, flags, classes)
    publish(kafka_bootstrap, events)

    def counts(conn) -> tuple:  # noqa: ANN001
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (dossiers, dossier_flags, classifications))
    run_db_sink(env, f"{life},{flags},{classes}", f"g-{life}", db, lambda c: counts(c) == (n, 3, 5),
                "--dead-letter-topic", dlq)
    report = subprocess.run(MOTCUA + ["report", "bieu06", "--period", "2025-Q3", "--format",
                                      "json"], env=env, capture_output=True, text=True, check=True)
    doc = json.loads(report.stdout)
    got = {r["agency"]: (r["received_online"], r["received_in_person_post"], r["carried_over"],
                         r["resolved_truoc_han"], r["resolved_dung_han"], r["resolved_qua_han"],
                         r["in_progress_trong_han"], r["in_progress_qua_han"])
           for r in doc["rows"]}
    assert got == EXPECTED
    assert doc["rows"][-1]["received_total"] == 8 and doc["period"] == "2025-Q3"
    xlsx = tmp_path / "b.xlsx"
    subprocess.run(MOTCUA + ["report", "apologies", "--period", "2025-Q3", "--format", "xlsx",
                             "-o", str(xlsx)], env=env, check=True, capture_output=True)
    assert xlsx.read_bytes()[:2] == b"PK"
