"""A history that starts in 2025-Q2 under Quảng Nam's agencies and continues into 2025-Q3,
replayed through ``motcua worker`` (event time) and ``motcua sink db``: Biểu 06 for 2025-Q3 adds up
to the same totals ``--as-of event`` and ``--as-of period-end``, the latter under Đà Nẵng's
successors (the former Sở Kế hoạch và Đầu tư dossier under Sở Tài chính), with no district row;
a record naming an agency the registry does not know is dead-lettered with its reason."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from producers.simulator import SimConfig, Simulator
from schemas.lifecycle import DossierReceived
from sinks.db.tables import classifications, dossier_flags, dossiers
from stream_processors.core.calendar import default_calendar
from stream_processors.core.catalog_loader import load_catalog
from stream_processors.core.registry_loader import load_registry
from tests.dossier_events import at, code, received, resolved
from tests.integration.test_sinks import wait_for
from tests.integration.test_sinks_report_cli import run_db_sink
from tests.worker_harness import Deployment

pytestmark = pytest.mark.integration
MOTCUA = [sys.executable, "-m", "motcua"]
KHDT_QN, TC_DN = "000.00.10.H47", "000.00.11.H15"


def history() -> list:
    sim = Simulator(SimConfig(seed=16, start=at("2025-06-25", "07:00"), per_day=60,
                              heartbeat_every=dt.timedelta(hours=6)),
                    load_catalog(), default_calendar(), load_registry())
    events = list(sim.events(dossiers=120))
    old = code(1, day="250220", agency=KHDT_QN)  # Sở KH&ĐT, merged away on 2025-03-01
    scripted = [received(old, at("2025-02-20", "09:30"), days=120, agency=KHDT_QN,
                         procedure="2.001978", field="Đầu tư tại Việt Nam"),
                resolved(old, at("2025-08-05", "10:00"), agency=TC_DN)]
    stray = code(2, day="250701", agency="000.00.99.H47")
    scripted.append(received(stray, at("2025-07-01", "09:00"), agency="000.00.99.H47"))
    return sorted(events + scripted, key=lambda e: e.time)


@pytest.fixture
def deployment(kafka_bootstrap, unique, state_dir):
    dep = Deployment(kafka_bootstrap, unique, state_dir)
    yield dep
    dep.close()


def report(env: dict, *args: str, which: str = "bieu06") -> dict:
    out = subprocess.run(MOTCUA + ["report", which, "--period", "2025-Q3", "--format", "json",
                                   *args], env=env, capture_output=True, text=True, check=True)
    return {r["agency"]: r for r in json.loads(out.stdout)["rows"]}


def test_replay_across_the_merger_reports_the_same_totals_either_way(deployment, tmp_path):
    events = history()
    n_received = sum(isinstance(e.data, DossierReceived) for e in events) - 1  # the stray
    deployment.start_worker("a")
    deployment.send(events)
    wait_for(lambda: deployment.caught_up(["dossier-lifecycle"]), timeout=240,
             what="worker caught up")
    dead = deployment.read("dead-letters", lambda r: len(r) >= 1)
    assert [d.data.reason for d in dead] == ["unknown_agency"]
    flags = len(deployment.read_all("dossier-flags"))
    graded = len(deployment.read_all("dossier-classifications"))

    db = tmp_path / "report.db"
    env = deployment.env(MOTCUA_DATABASE_URL=f"sqlite:///{db}")
    topics = ",".join(deployment.topic(t) for t in
                      ("dossier-lifecycle", "dossier-flags", "dossier-classifications"))

    def projected(conn) -> bool:  # noqa: ANN001
        received_rows = conn.execute(select(func.count()).select_from(dossiers).where(
            dossiers.c.received_at.is_not(None))).scalar_one()
        rest = (conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (dossier_flags, classifications))
        return (received_rows, *rest) == (n_received + 1, flags, graded)  # + the stray
    run_db_sink(env, topics, deployment.topic("g-db"), db, projected, timeout=120)

    event, end = report(env, "--as-of", "event"), report(env, "--as-of", "period-end")
    strip = lambda row: {k: v for k, v in row.items() if k not in ("agency", "agency_name")}  # noqa: E731
    assert strip(event["TOTAL"]) == strip(end["TOTAL"])
    assert event["TOTAL"]["carried_over"] > 1  # the Q2 history continues into Q3
    assert any(c.endswith(".H47") for c in event) and event[KHDT_QN]["carried_over"] == 1
    real = [c for c in end if c != "TOTAL" and c != "000.00.99.H47"]
    assert real and all(c.endswith(".H15") for c in real)
    assert end[TC_DN]["carried_over"] >= 1 and end[TC_DN]["agency_name"].startswith("Sở Tài chính")
    levels = report(env, "--as-of", "period-end", "--by", "level")
    assert "district" not in levels and strip(levels["TOTAL"]) == strip(end["TOTAL"])
    sorry = {as_of: report(env, "--as-of", as_of, which="apologies")
             for as_of in ("event", "period-end")}
    assert sorry["event"]["TOTAL"] == sorry["period-end"]["TOTAL"]
    assert sorry["event"]["TOTAL"]["late_dossiers"] >= 1  # the former Sở KH&ĐT dossier at least
    assert not any(c.endswith(".H47") for c in sorry["period-end"])
