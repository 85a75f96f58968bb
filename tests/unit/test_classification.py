"""Biểu 06 classification at both granularities, and the 766 supplement rule."""

from datetime import datetime, timezone

import pytest

from stream_processors.core.calendar import default_calendar
from stream_processors.core.classification import (DEFAULT_GRANULARITY, Granularity, Outcome,
                                                   classify_clock, classify_in_progress,
                                                   classify_resolved, classify_step)
from stream_processors.core.clock import start
from stream_processors.core.durations import Duration
from stream_processors.core.exceptions import ClockStateError, NaiveDatetimeError
from stream_processors.core.vntime import VN_TZ

CAL = default_calendar()
DUE = datetime(2023, 11, 3, 9, 32, tzinfo=VN_TZ)
T, D, Q, TR = Outcome.TRUOC_HAN, Outcome.DUNG_HAN, Outcome.QUA_HAN, Outcome.TRONG_HAN


def vn(*args):
    return datetime(*args, tzinfo=VN_TZ)


def test_default_is_moment_to_the_minute():
    assert DEFAULT_GRANULARITY is Granularity.MOMENT


@pytest.mark.parametrize(("end", "moment", "by_date"), [
    (vn(2023, 11, 3, 9, 31, 59), T, D),
    (vn(2023, 11, 3, 9, 32, 0), D, D),
    (vn(2023, 11, 3, 9, 32, 59), D, D),  # within the due minute
    (vn(2023, 11, 3, 9, 33), Q, D),
    (vn(2023, 11, 3, 16, 0), Q, D),
    (vn(2023, 11, 2, 16, 0), T, T),
    (vn(2023, 11, 4, 8, 0), Q, Q),
    (datetime(2023, 11, 3, 18, 0, tzinfo=timezone.utc), Q, Q),  # 01:00 on 4/11 in Vietnam
])
def test_resolved(end, moment, by_date):
    assert classify_resolved(end, DUE) is moment
    assert classify_resolved(end, DUE, granularity=Granularity.DATE) is by_date


@pytest.mark.parametrize(("at", "moment", "by_date"), [
    (vn(2023, 11, 3, 9, 32, 30), TR, TR),  # due ≥ now is still trong hạn
    (vn(2023, 11, 3, 9, 33), Q, TR),
    (vn(2023, 11, 4, 0, 0), Q, Q),
    (vn(2023, 10, 30, 9, 0), TR, TR),
])
def test_in_progress(at, moment, by_date):
    assert classify_in_progress(DUE, at) is moment
    assert classify_in_progress(DUE, at, granularity="date") is by_date


def test_more_than_one_supplement_request_is_late_under_766():
    early = vn(2023, 10, 30, 9)
    assert classify_resolved(early, DUE, supplement_requests=1) is T
    assert classify_resolved(early, DUE, supplement_requests=2) is Q
    assert classify_in_progress(DUE, early, supplement_requests=2) is Q


def test_classify_clock_open_paused_closed():
    clock = start(vn(2023, 10, 27, 9, 32), Duration(5, "working_days"), CAL)
    assert classify_clock(clock, vn(2023, 11, 3, 9, 32)) is TR
    assert classify_clock(clock, vn(2023, 11, 3, 9, 33)) is Q
    paused = clock.pause(vn(2023, 11, 1, 9))
    assert classify_clock(paused, vn(2023, 12, 1, 9)) is TR  # waiting for the applicant
    assert classify_clock(clock.close(vn(2023, 11, 2, 9)), vn(2024, 1, 1)) is T
    assert classify_clock(paused.close(vn(2023, 12, 1, 9)), vn(2024, 1, 1)) is T
    twice = paused.resume(vn(2023, 11, 1, 10), CAL).pause(vn(2023, 11, 1, 11))
    assert classify_clock(twice.resume(vn(2023, 11, 1, 12), CAL), vn(2023, 11, 1, 12)) is Q


def test_classify_step():
    clock = start(vn(2024, 3, 11, 9), Duration(5, "working_days"), CAL)
    clock = clock.enter_step("A", Duration(1, "working_days"), vn(2024, 3, 11, 9), CAL)
    assert classify_step(clock.current_step, vn(2024, 3, 12, 9)) is TR
    with pytest.raises(ClockStateError, match="at"):
        classify_step(clock.current_step)
    left = clock.leave_step(vn(2024, 3, 12, 10), CAL).steps[0]
    assert classify_step(left) is Q


def test_naive_moments_are_refused():
    with pytest.raises(NaiveDatetimeError, match="ended_at"):
        classify_resolved(datetime(2023, 11, 3, 9), DUE)
    with pytest.raises(NaiveDatetimeError, match="due_at"):
        classify_in_progress(datetime(2023, 11, 3, 9), DUE)
