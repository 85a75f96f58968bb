"""Decision 766 indicators against hand-worked examples at their edges."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from stream_processors.core.calendar import WorkingCalendar
from stream_processors.core.evaluation766 import (Feedback, ScoredDossier, ScoredProcedure, Unit,
                                                 evaluation_period, load_weights, score_unit)
from stream_processors.core.evaluation766 import indicators as ind
from stream_processors.core.evaluation766 import progress
from stream_processors.core.evaluation766.feedback_limits import deadlines, load_limits
from stream_processors.core.vntime import VN_TZ

W = load_weights()
Q4 = evaluation_period("2026-Q4", datetime(2027, 1, 5, tzinfo=VN_TZ))
A = "000.00.15.H47"


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VN_TZ)


def d(code: str, received: str | None, due: str | None, end: str | None = None, **kw
      ) -> ScoredDossier:
    return ScoredDossier(code, kw.pop("agency", A), kw.pop("procedure", "1.009972"),
                         t(received) if received else None, t(due) if due else None,
                         t(end) if end else None, **kw)


def test_weights_are_six_groups_of_100_points():
    assert [g.max for g in W.groups] == [18, 20, 12, 10, 18, 22]
    assert sum(g.max for g in W.groups) == 100
    assert W.spec("2.1").max == 20 and W.spec("6.3").threshold == 0.8


def test_periods():
    assert (Q4.start, Q4.end, Q4.at) == (t("2026-10-01T00:00"), t("2027-01-01T00:00"),
                                         t("2027-01-01T00:00"))
    running = evaluation_period("2026-12", t("2026-12-07T10:00"))
    assert running.at == t("2026-12-07T10:00")
    assert evaluation_period("today", t("2026-12-07T10:00")).start == t("2026-11-08T00:00")
    with pytest.raises(ValueError, match="YYYY-Qn"):
        evaluation_period("2026-Q5", t("2026-12-07T10:00"))


def test_2_1_zero_denominator_is_no_score_not_zero():
    s = progress.on_time_ratio(W.spec("2.1"), [], Q4)
    assert s.points is None and s.ratio is None and s.denominator == 0 and "no score" in s.reason


def test_2_1_counts_rejected_stopped_withdrawn_by_their_end_time():
    ds = [d("a", "2026-10-01T08:00", "2026-10-10T17:00", "2026-10-05T09:00", end_status=9),
          d("r", None, None, "2026-10-02T09:00", end_status=3),  # rejected at the desk
          d("s", "2026-10-01T08:00", "2026-10-10T17:00", "2026-10-20T09:00", end_status=8),
          d("w", "2026-10-01T08:00", "2026-10-10T17:00", "2026-10-03T09:00", end_status=7),
          d("old", "2026-09-01T08:00", "2026-09-10T17:00", "2026-09-09T09:00", end_status=9)]
    s = progress.on_time_ratio(W.spec("2.1"), ds, Q4)
    # "old" ended before the period; the stopped one ended after its due: 3 of 4 on time
    assert (s.numerator, s.denominator, s.costly) == (3, 4, ("s",))
    assert s.points == pytest.approx(20 * 3 / 4)


def test_2_1_end_time_priority_ngay_ket_thuc_xu_ly_over_ngay_tra():
    late_return = d("x", "2026-10-01T08:00", "2026-10-10T17:00", "2026-10-10T16:00",
                    returned_at=t("2026-10-15T09:00"), end_status=10)
    only_return = d("y", "2026-10-01T08:00", "2026-10-10T17:00", None,
                    returned_at=t("2026-10-15T09:00"), end_status=10)
    assert progress.on_time(late_return, Q4.at) and not progress.on_time(only_return, Q4.at)


def test_2_1_unfinished_use_the_period_end():
    open_ok = d("o", "2026-12-20T08:00", "2027-01-10T17:00")
    open_late = d("p", "2026-12-01T08:00", "2026-12-30T17:00")
    s = progress.on_time_ratio(W.spec("2.1"), [open_ok, open_late], Q4)
    assert (s.numerator, s.denominator, s.costly) == (1, 2, ("p",))
    # judged now, in a running period, the late one is still within its deadline
    running = evaluation_period("2026-Q4", t("2026-12-15T10:00"))
    assert progress.on_time_ratio(W.spec("2.1"), [open_late], running).points == 20


def test_2_1_one_open_supplement_request_ends_the_clock_at_the_request():
    waiting = d("w", "2026-12-01T08:00", "2026-12-10T17:00", supplements=1,
                supplement_open_since=t("2026-12-08T10:00"))
    asked_late = d("l", "2026-12-01T08:00", "2026-12-10T17:00", supplements=1,
                   supplement_open_since=t("2026-12-11T10:00"))
    assert progress.on_time(waiting, Q4.at) and not progress.on_time(asked_late, Q4.at)


def test_2_1_two_supplement_requests_are_overdue():
    early_but_twice = d("t", "2026-10-01T08:00", "2026-10-10T17:00", "2026-10-05T09:00",
                        supplements=2, end_status=9)
    once = d("o", "2026-10-01T08:00", "2026-10-10T17:00", "2026-10-05T09:00",
             supplements=1, end_status=9)
    s = progress.on_time_ratio(W.spec("2.1"), [early_but_twice, once], Q4)
    assert (s.numerator, s.denominator, s.costly) == (1, 2, ("t",))


def test_2_2_average_days_has_no_points():
    ds = [d("a", "2026-10-01T08:00", "2026-10-10T17:00", "2026-10-03T08:00", end_status=9),
          d("b", "2026-10-01T08:00", "2026-10-10T17:00", "2026-10-05T08:00", end_status=10)]
    s = progress.average_days(W.spec("2.2"), ds, Q4)
    assert s.ratio == 3.0 and s.points == 0 and s.max == 0


def test_threshold_reached_gives_full_points_and_below_is_linear():
    spec = W.spec("3.3")  # threshold 50%
    online = [d(f"o{i}", "2026-10-02T08:00", "2026-10-20T17:00", channel="online")
              for i in range(5)]
    desk = [d(f"p{i}", "2026-10-02T08:00", "2026-10-20T17:00") for i in range(5)]
    assert ind.online_filed(spec, online + desk, Q4).points == 4
    s = ind.online_filed(spec, online[:1] + desk[:4], Q4)
    assert s.ratio == pytest.approx(0.2) and s.points == pytest.approx(4 * 0.2 / 0.5)


def test_dossier_fields_nobody_reports_are_not_computable_not_zero():
    old = [d("o", "2026-10-02T08:00", "2026-10-20T17:00")]
    s = ind.digitised(W.spec("6.2"), old, Q4)
    assert s.points is None and s.reason.startswith("not computable here")
    some = old + [d("n", "2026-10-02T08:00", "2026-10-20T17:00", digitised=True)]
    assert ind.digitised(W.spec("6.2"), some, Q4).ratio == 0.5  # unknown counts as no


def test_paid_online_counts_only_dossiers_with_fees():
    ds = [d("f", "2026-10-02T08:00", "2026-10-20T17:00", fees_vnd=50000, paid_online=True),
          d("g", "2026-10-02T08:00", "2026-10-20T17:00", fees_vnd=50000, paid_online=False),
          d("z", "2026-10-02T08:00", "2026-10-20T17:00", fees_vnd=0, paid_online=False)]
    s = ind.paid_online(W.spec("4.3"), ds, Q4)
    assert (s.numerator, s.denominator, s.costly) == (1, 2, ("g",))


def test_dossier_satisfaction_subtracts_overdue_and_dislike_shares():
    ds = [d(f"ok{i}", "2026-10-01T08:00", "2026-10-10T17:00", "2026-10-05T09:00", end_status=9)
          for i in range(8)]
    ds += [d("late", "2026-10-01T08:00", "2026-10-10T17:00", "2026-10-12T09:00", end_status=9),
           d("sad", "2026-10-01T08:00", "2026-10-10T17:00", "2026-10-05T09:00", end_status=9,
             satisfaction="khong_hai_long")]
    s = progress.dossier_satisfaction(W.spec("5.3"), ds, Q4)
    assert s.ratio == pytest.approx(0.8) and s.points == pytest.approx(6 * 0.8 / 0.9)


def test_catalog_indicators_and_disclosure_parts():
    ps = [ScoredProcedure("1", A, "full", True, True, date(2026, 1, 1), date(2025, 12, 30)),
          ScoredProcedure("2", A, "none", True, False, date(2026, 1, 1), date(2026, 1, 5),
                          disclosure_missing=("steps",)),
          ScoredProcedure("3", A, "partial", False, None)]
    assert ind.published_on_time(W.spec("1.1"), ps).costly == ("2",)
    assert ind.national_published_on_time(W.spec("1.2"), ps).reason.startswith("not computable")
    assert ind.disclosure_complete(W.spec("1.3"), ps).ratio == pytest.approx(2 / 3)
    assert ind.online_offered(W.spec("3.1"), ps).points == pytest.approx(4 * (2 / 3) / 0.8)
    assert ind.payment_integrated(W.spec("4.1"), ps).ratio == 0.5


def test_feedback_limits_in_working_days():
    cal = WorkingCalendar(use_library=False)
    received = t("2026-12-04T10:00")  # a Friday
    handled = [("handled", t("2026-12-24T10:00"))]
    due = dict(deadlines(received, handled, load_limits(), cal))
    assert due["handled"] == t("2026-12-25T23:59")  # 15 working days after the Friday
    assert due["published"] == t("2026-12-28T23:59")
    rejected = dict(deadlines(received, [("rejected", t("2026-12-09T10:00"))], load_limits(), cal))
    assert set(rejected) == {"rejected"} and rejected["rejected"] == t("2026-12-08T23:59")
    steps = (*handled, ("published", t("2026-12-28T09:00")))
    fb = [Feedback("f1", A, received, steps, tuple(due.items()), satisfied=True),
          Feedback("f2", A, received, (("rejected", t("2026-12-09T10:00")),),
                   tuple(rejected.items()), satisfied=False)]
    s = ind.feedback_on_time(W.spec("5.1"), fb, Q4)
    assert (s.numerator, s.denominator, s.costly) == (1, 2, ("f2",))
    assert ind.feedback_satisfaction(W.spec("5.2"), fb, Q4).ratio == 0.5
    unpublished = Feedback("f3", A, received, tuple(handled), tuple(due.items()))
    assert ind.feedback_on_time(W.spec("5.1"), [unpublished], Q4).costly == ("f3",)


def test_scorecard_has_six_groups_and_national_only_indicators_have_reasons():
    unit = Unit("H47", "Tỉnh Quảng Nam", "province")
    ds = [d("a", "2026-10-01T08:00", "2026-10-10T17:00", "2026-10-05T09:00", end_status=9,
            agency="000.00.99.H47")]
    card = score_unit(unit, W, Q4, ds)
    assert [g.max for g in card.groups] == [18, 20, 12, 10, 18, 22]
    by_code = {i.code: i for i in card.indicators}
    assert by_code["2.1"].points == 20 and by_code["1.4"].points is None
    assert "national portal" in by_code["1.4"].reason
    assert card.points == pytest.approx(sum(i.points for i in card.indicators if i.points))
    dept = score_unit(Unit(A, "Sở Xây dựng", "department"), W, Q4, ds)
    assert {i.code: i for i in dept.indicators}["2.1"].points is None  # holds none of them
