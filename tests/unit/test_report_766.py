"""``motcua report 766``'s projection and facts: events applied to a SQLite reporting DB (through
the migrations) read back as the core's facts, PAKN included, and scored per unit."""

from __future__ import annotations

import datetime as dt

from schemas import feedback as F, lifecycle as L
from schemas.cloudevents import Event
from schemas.fields import Applicant, Channel, Duration, DurationUnit, Fee, Level
from sinks.db import migrate
from sinks.db.engine import insert_for, make_engine
from sinks.db.projection import apply_event
from sinks.reports import evaluation766 as report
from stream_processors.core.calendar import WorkingCalendar
from stream_processors.core.catalog_loader import load_catalog
from stream_processors.core.evaluation766 import Unit, evaluation_period, load_weights
from stream_processors.core.evaluation766.feedback_limits import load_limits
from stream_processors.core.vntime import VN_TZ

XD = "000.00.15.H47"
CODE = f"{XD}-261005-0001"


def t(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 10, day, hour, tzinfo=VN_TZ)


def ev(data, at: dt.datetime, n: int) -> Event:  # noqa: ANN001
    return Event(id=f"e{n}", source="urn:test", time=at, subject=getattr(
        data, "dossier_code", None) or data.feedback_id, data=data)


def test_projection_reads_back_as_facts_and_scores(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    migrate.upgrade(engine)
    received = L.DossierReceived(
        CODE, "1.009972", "Cấp phép", "XD", "000.00.02.H47", XD, "Sở Xây dựng", Level.PROVINCE,
        Channel.ONLINE, Duration(5, DurationUnit.WORKING_DAYS), t(12, 17), False, Applicant(),
        fees=(Fee("Lệ phí", 150000),), digitised=False, vneid_authenticated=True)
    events = [received, L.FeePaid(CODE, False, 150000),
              L.SupplementRequested(CODE, XD, "Thiếu bản vẽ"), L.SupplementReceived(CODE),
              L.SupplementRequested(CODE, XD, "Thiếu bản vẽ lần 2"),
              F.FeedbackReceived("PAKN-1", XD, "Chậm"),
              F.FeedbackStepTaken("PAKN-1", XD, F.FeedbackAction.HANDLED),
              F.FeedbackStepTaken("PAKN-1", XD, F.FeedbackAction.PUBLISHED, satisfied=False)]
    times = [t(5), t(5, 10), t(6), t(7), t(8), t(6), t(9), t(12)]
    insert = insert_for(engine)
    with engine.begin() as conn:
        for n, (data, at) in enumerate(zip(events, times)):
            assert apply_event(conn, insert, ev(data, at, n))
        for n, (data, at) in enumerate(zip(events, times)):
            apply_event(conn, insert, ev(data, at, n))  # redelivered: counted once (below)
    dossiers, feedback, levels = report.load_facts(engine, load_limits(),
                                                   WorkingCalendar(use_library=False))
    [d] = dossiers
    assert (d.supplements, d.supplement_open_since, d.fees_vnd, d.paid_online, d.digitised,
            d.vneid) == (2, t(8), 150000, False, False, True)
    [f] = feedback
    assert [a for a, _ in f.actions] == ["handled", "published"] and f.satisfied is False
    assert levels == {XD: "department"}
    catalog = load_catalog()
    units = report.units_of(catalog, levels, Unit("H47", "Toàn tỉnh", "province"))
    cards = report.scorecards(units, load_weights(), evaluation_period("2026-10", t(31)),
                              dossiers, report.procedures_of(catalog), feedback, XD)
    [card] = report.as_json(cards, load_weights())
    by_code = {i["code"]: i for i in card["indicators"]}
    assert by_code["2.1"]["costly"] == [CODE]  # two supplement requests: overdue
    assert (by_code["5.1"]["numerator"], by_code["5.1"]["denominator"]) == (1, 1)
    assert by_code["5.2"]["ratio"] == 0.0 and by_code["4.3"]["costly"] == [CODE]
    rows = report.as_rows(cards, load_weights())
    assert [r["code"] for r in rows][-7:] == [f"nhóm {n}" for n in range(1, 7)] + ["tổng"]
    engine.dispose()


def test_units_follow_the_registry_map_of_the_periods_last_day():
    from stream_processors.core.registry_loader import load_registry

    catalog, registry = load_catalog(), load_registry()
    for day, root in ((dt.date(2026, 12, 31), "000.00.00.H15"), (dt.date(2025, 6, 30),
                                                                 "000.00.00.H47")):
        province = report.province_of(catalog, registry, day)
        units = report.units_of(catalog, {}, province, registry, day)
        assert units[0] == province and province.code == root
        assert {u.code.rsplit(".", 1)[-1] for u in units} == {root.rsplit(".", 1)[-1]}
    moved = {p.code: p.agency for p in report.procedures_of(catalog, registry,
                                                             dt.date(2026, 12, 31))}
    assert moved["1.009972"].endswith(".H15")  # Sở Xây dựng's work, now Đà Nẵng's
    assert report.last_day(evaluation_period("2026-Q4", t(31).replace(year=2027))) == \
        dt.date(2026, 12, 31)
