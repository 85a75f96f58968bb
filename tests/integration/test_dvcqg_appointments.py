"""Replaying national-portal records: each dossier is graded against its own NgayHenTra, and the
reporting database's dossier row and classification agree on the due moment."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from producers.catalog_lookup import CatalogLookup
from producers.dvcqg import map_snapshot
from sinks.db.engine import insert_for, make_engine
from sinks.db.migrate import upgrade
from sinks.db.projection import apply_event
from sinks.db.tables import classifications, dossiers
from stream_processors.core.calendar import default_calendar
from stream_processors.core.catalog_loader import load_catalog
from tests.worker_harness import Deployment

pytestmark = pytest.mark.integration
VN = dt.timezone(dt.timedelta(hours=7))
AGENCY = "000.00.10.H47"  # 1.001612: 3 working days in the catalog


def record(n: int, appointment: str, ended: str) -> dict:
    return {"MaHoSo": f"{AGENCY}-250804-{n:04d}", "MaTTHC": "1.001612", "KenhThucHien": 2,
            "ChuHoSo": "Trần Thị Bình", "TrangThaiHoSo": 9, "DonViXuLy": AGENCY,
            "NgayTiepNhan": "20250804093000", "NgayHenTra": appointment,
            "NgayKetThucXuLy": ended}


# statutory due: Mon 4/8/2025 09:30 + 3 working days = Thu 7/8 09:30
CASES = [
    # the desk promised Fri 8/8 (more than the law allows); ended Thu 16:00 → on time
    (record(1, "20250808093000", "20250807160000"), "truoc_han", "appointment"),
    (record(2, "20250807093000", "20250806100000"), "truoc_han", "statutory"),
    # the desk promised Wed 6/8 17:00 (less than the law); ended Thu 08:00 → late against it
    (record(3, "20250806170000", "20250807080000"), "qua_han", "appointment"),
]
RECORDS = {rec["MaHoSo"]: (rec, grade, basis) for rec, grade, basis in CASES}


def appointment_of(rec: dict) -> dt.datetime:
    return dt.datetime.strptime(rec["NgayHenTra"], "%Y%m%d%H%M%S").replace(tzinfo=VN)


@pytest.fixture
def deployment(kafka_bootstrap, unique, state_dir):
    dep = Deployment(kafka_bootstrap, unique, state_dir)
    yield dep
    dep.close()


def test_replayed_records_are_graded_against_their_appointment(deployment, tmp_path):
    lookup = CatalogLookup(load_catalog(), default_calendar())
    lifecycle = []
    for rec, _, _ in RECORDS.values():
        _, events = map_snapshot(rec, None, lookup, "urn:test:dvcqg")
        lifecycle.extend(events)
    deployment.start_worker("a")
    deployment.send(lifecycle)
    graded = deployment.read("dossier-classifications", lambda r: len(r) >= len(RECORDS))
    by_code = {c.subject: c.data for c in graded}
    for code, (rec, grade, basis) in RECORDS.items():
        c = by_code[code]
        assert (c.due_at, c.classification.value, c.due_basis) == (appointment_of(rec), grade,
                                                                   basis), code
        assert c.statutory_due_at == dt.datetime(2025, 8, 7, 9, 30, tzinfo=VN)

    engine = make_engine(f"sqlite:///{tmp_path / 'report.db'}")
    upgrade(engine)
    insert = insert_for(engine)
    with engine.begin() as conn:
        for event in sorted(lifecycle + graded, key=lambda e: e.time):
            apply_event(conn, insert, event)
    with engine.connect() as conn:
        rows = conn.execute(select(dossiers.c.dossier_code, dossiers.c.due_at,
                                   classifications.c.due_at, classifications.c.due_basis)
                            .join(classifications,
                                  classifications.c.dossier_code == dossiers.c.dossier_code))
        got = {r[0]: (_utc(r[1]), _utc(r[2]), r[3]) for r in rows}
    engine.dispose()
    assert got == {code: (_utc(appointment_of(rec)),) * 2 + (basis,)
                   for code, (rec, _, basis) in RECORDS.items()}


def _utc(moment: dt.datetime) -> dt.datetime:
    """SQLite returns naive UTC; PostgreSQL aware: compare both as aware UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)
