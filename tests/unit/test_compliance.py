"""Rolling compliance metrics from dossier and procedure facts."""

from __future__ import annotations

from stream_processors.core.calendar import default_calendar
from stream_processors.core.compliance import compute_views, window_bounds
from stream_processors.core.deadlines import fire_due
from stream_processors.core.lifecycle import apply, new_state
from stream_processors.core.transitions import Context
from tests.dossier_events import SO_XD, at, code, received, resolved

CTX = Context(default_calendar())


def facts(n, *events, fire=None):
    s = new_state(code(n))
    for e in events:
        s = apply(s, e(code(n)), CTX).state
    if fire:
        s, _ = fire_due(s, fire)
        from stream_processors.core.lifecycle import refresh_facts
        s, _ = refresh_facts(s, fire)
    return s.facts


def rec(day, four_step=False, channel="online"):
    from schemas.fields import Channel
    return lambda c: received(c, at(day, "09:30"), days=5, four_step=four_step,
                              channel=Channel(channel))


def res(day):
    return lambda c: resolved(c, at(day, "09:00"))


def test_counts_rates_and_766_score():
    early = facts(1, rec("2025-08-04", four_step=True), res("2025-08-05"))
    late = facts(2, rec("2025-08-04", channel="in_person"), res("2025-08-20"))
    open_late = facts(3, rec("2025-08-04"), fire=at("2025-08-20", "08:00"))
    open_ok = facts(4, rec("2025-08-19"))
    procs = [{"kind": "procedure", "procedure": "1.000001", "agency": SO_XD, "four_step": True,
              "complete": True, "ended": False},
             {"kind": "procedure", "procedure": "1.000002", "agency": SO_XD, "four_step": False,
              "complete": False, "ended": False}]
    views = compute_views(f"agency:{SO_XD}", [early, late, open_late, open_ok, *procs],
                          at("2025-08-20", "10:00"))
    v = views["month_to_date"]
    assert (v["received"], v["resolved"], v["resolved_truoc_han"], v["resolved_qua_han"]) == (4, 2, 1, 1)
    assert (v["in_progress_trong_han"], v["in_progress_qua_han"]) == (1, 1)
    assert v["on_time_rate"] == 0.5 and v["online_share"] == 0.75
    # Decision 766 2.1: 1 early + 1 open within the deadline of 4 in scope
    assert v["e766_2_1_ratio"] == 0.5 and v["e766_2_1_points"] == 10.0
    assert v["e766_2_1_costly"] == 2
    assert (v["open_at_risk"], v["open_overdue"], v["apology_never"]) == (1, 1, 1)
    assert v["four_step_dossier_share"] == 0.5 and v["four_step_dossier_target_met"] == 1.0
    assert v["four_step_procedure_share"] == 0.5 and v["disclosure_complete_share"] == 0.5
    assert views["day"]["received"] == 0 and views["day"]["resolved"] == 1


def test_766_scorecard_rides_on_the_unit_scopes_and_running_windows():
    f = facts(1, rec("2025-08-04"), res("2025-08-05"))
    v = compute_views("province:all", [f], at("2025-08-05", "10:00"))
    assert v["quarter_to_date"]["e766_2_1_points"] == 20.0
    assert v["rolling_30d"]["e766_group_2"] == 20.0 and "e766_points" not in v["day"]
    assert "e766_1_4_points" not in v["month_to_date"]  # not computable here: no value
    assert "e766_points" not in compute_views("channel:online", [f], at("2025-08-05"))[
        "quarter_to_date"]


def test_window_bounds():
    start, _ = window_bounds("quarter_to_date", at("2025-08-20"))
    assert start == at("2025-07-01", "00:00")
    start, _ = window_bounds("rolling_30d", at("2025-08-30"))
    assert start == at("2025-08-01", "00:00")


def test_means_do_not_depend_on_the_order_of_facts():
    # a restarted worker restores facts in another order than an uninterrupted run
    base = facts(1, rec("2025-08-04"), res("2025-08-05"))
    many = [dict(base, used=u, statutory=2400) for u in (1336, 522, 1068, 1970, 1016, 177, 2376, 1076)]
    ratios = [f["used"] / 2400 for f in many]
    assert sum(ratios) != sum(reversed(ratios))  # plain float sums differ for these
    as_of = at("2025-08-20", "10:00")
    forward = compute_views("province:all", many, as_of)
    backward = compute_views("province:all", list(reversed(many)), as_of)
    assert forward == backward
