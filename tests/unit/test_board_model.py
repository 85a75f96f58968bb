"""The board read model and its views (pure)."""

import dataclasses
import datetime as dt

from schemas import lifecycle as L
from schemas.cloudevents import Event
from sinks.board import scenario as S, views
from sinks.board.model import BoardModel

DAY = dt.timedelta(days=1)
A = S.dossier_code(S.AGENCY_XD, 1)
B = S.dossier_code(S.AGENCY_TNMT, 2)


def _model(events=None) -> BoardModel:
    m = BoardModel()
    for e in events if events is not None else S.scenario():
        m.apply(e)
    return m


def test_at_risk_and_overdue_lists_name_the_responsible_agency():
    m = _model()
    assert [(d.code, d.agency) for d in views.at_risk(m)] == [(A, S.AGENCY_XD)]
    assert [(d.code, d.agency) for d in views.overdue(m)] == [(B, S.AGENCY_TNMT)]


def test_redelivered_event_is_applied_once():
    events = S.scenario()
    m = _model(events + events)
    assert views.summary(m)["flags"] == {"at_risk": 2, "overdue": 1}
    assert m.letters == 1 and m.lifecycle_events == 4 and sum(m.dead_letters.values()) == 1


def test_same_flag_republished_with_a_new_event_id_counts_once():
    flag = S.at_risk(A, S.AGENCY_XD, S.T0 + 6 * DAY)
    again = dataclasses.replace(flag, id="another-id")
    m = _model([flag, again])
    assert m.flag_counts["at_risk"] == 1


def test_resolution_removes_a_dossier_from_the_open_lists():
    m = _model(S.scenario() + [Event.new(L.DossierResolved(A, S.AGENCY_XD),
                                         time=S.T0 + 8 * DAY, source="t")])
    assert views.at_risk(m) == []


def test_apology_starts_a_new_due_version_so_the_old_flag_no_longer_counts():
    apology = L.ApologyIssued(A, S.AGENCY_XD, "Xác minh thực địa", S.T0 + 7 * DAY, S.T0 + 12 * DAY)
    m = _model(S.scenario() + [Event.new(apology, time=S.T0 + 6 * DAY, source="t")])
    assert views.at_risk(m) == []
    assert m.dossiers[A].due_at == S.T0 + 12 * DAY
    m.apply(S.at_risk(A, S.AGENCY_XD, S.T0 + 11 * DAY, due_version=2))
    assert [d.code for d in views.at_risk(m)] == [A]


def test_open_counts_per_agency_track_missing_apologies_and_letters():
    counts = views.open_counts(_model())
    assert counts["at_risk"] == {S.AGENCY_XD: 1}
    assert counts["no_apology"] == {S.AGENCY_XD: 1}
    assert counts["no_letter"] == {}
    assert counts["overdue"] == {S.AGENCY_TNMT: 1}


def test_league_ranks_agencies_by_on_time_rate_from_the_latest_snapshot():
    m = _model()
    m.apply(S.snapshot("agency", S.AGENCY_TNMT, S.T0 + 8 * DAY, on_time_rate=0.95))
    m.apply(S.snapshot("agency", S.AGENCY_TNMT, S.T0 + 5 * DAY, on_time_rate=0.1))  # older: ignored
    rows = views.league(m)
    assert [(r["agency"], r["on_time"]) for r in rows] == [(S.AGENCY_TNMT, 0.95), (S.AGENCY_XD, 0.9)]
    assert rows[1]["four_step_dossier"] == 0.6 and rows[1]["at_risk"] == 1


def test_trend_keeps_province_points_in_time_order():
    tr = views.trends(_model())
    assert tr["window"] == "rolling_30d"
    assert tr["series"]["on_time"] == [0.8, 0.7]
    assert tr["t"] == sorted(tr["t"])


def test_dossier_detail_has_timeline_and_letters_but_no_personal_data():
    d = views.dossier_detail(_model(), A)
    assert [lt["letter_id"] for lt in d["letters"]] == [f"L-{A}-1"]
    assert [e["type"] for e in d["timeline"]] == ["dossier.received", "dossier.at_risk",
                                                   "letter.drafted"]
    assert "Nguyễn Văn A" not in repr(d)
    assert views.dossier_detail(_model(), "nope") is None


def test_event_clock_estimates_the_simulation_rate():
    clock = views.EventClock()
    clock.observe(100.0, S.T0)
    clock.observe(104.0, S.T0 + DAY)
    assert clock.rate == 86400 / 4
    assert clock.as_json(105.0)["event"] == (S.T0 + DAY).timestamp()


def test_state_caps_lists_and_sorts_by_apology_deadline():
    events = [S.at_risk(S.dossier_code(S.AGENCY_XD, n), S.AGENCY_XD, S.T0 + n * dt.timedelta(hours=1))
              for n in range(1, 8)]
    st = views.state(_model(events), views.EventClock(), 0.0, limit=3)
    assert [r["code"] for r in st["at_risk"]] == [S.dossier_code(S.AGENCY_XD, n) for n in (1, 2, 3)]
    assert st["summary"]["open_at_risk"] == 7


def test_league_lists_the_agencies_that_exist_on_the_boards_day():
    from stream_processors.core.registry_loader import load_registry
    m = BoardModel(load_registry())
    today = dt.datetime(2026, 12, 7, 9, 0, tzinfo=S.VN)
    gone, now = S.AGENCY_XD, "000.00.15.H15"  # Sở Xây dựng of Quảng Nam, of Đà Nẵng
    for agency in (gone, now):
        m.apply(S.snapshot("agency", agency, today, on_time_rate=0.9))
    assert [r["agency"] for r in views.league(m)] == [now]
    m.apply(S.at_risk(S.dossier_code(gone, 1), gone, today))  # still holding an open dossier
    assert {r["agency"] for r in views.league(m)} == {gone, now}


def test_evaluation_shows_six_groups_indicators_and_the_dossiers_that_cost_points():
    from schemas import derived as D

    at = S.T0 + 7 * DAY
    values = {"e766_points": 41.5, "e766_computable_max": 70.0, "e766_group_2": 12.0,
              "e766_2_1_points": 12.0, "e766_2_1_ratio": 0.6, "e766_2_1_numerator": 3.0,
              "e766_2_1_denominator": 5.0, "e766_2_1_costly": 2.0}
    snap = D.MetricSnapshot("agency", S.AGENCY_TNMT, "quarter_to_date", at - 30 * DAY, at, at,
                            values)
    unpaid = Event.new(L.FeePaid(A, False, 50000), time=S.T0, source=S.SOURCE)
    m = _model(S.scenario() + [Event.new(snap, time=at, source=S.SOURCE), unpaid])
    [unit] = views.evaluation(m)
    assert unit["unit"] == S.AGENCY_TNMT and unit["name"] == "Sở Tài nguyên và Môi trường"
    assert [g["max"] for g in unit["groups"]] == [18, 20, 12, 10, 18, 22]
    assert unit["groups"][1]["points"] == 12.0 and unit["groups"][0]["points"] is None
    by_code = {i["code"]: i for i in unit["indicators"]}
    assert by_code["2.1"]["ratio"] == 0.6 and by_code["1.4"]["reason"] == "national"
    assert by_code["6.2"]["reason"] == "no_score"
    assert unit["costly_dossiers"] == [{"code": B, "agency": S.AGENCY_TNMT,
                                        "procedure": S.PROC_NAME, "reasons": ["overdue"]}]
    assert views.state(m, views.EventClock(), 0.0)["evaluation"] == [unit]
    # the unpaid fee costs Xây dựng's dossier A; Xây dựng has no 766 snapshot yet
    assert m.dossiers[A].costs == {"not_paid_online"}
