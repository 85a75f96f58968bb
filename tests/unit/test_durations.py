"""Durations by unit, clock start, cut-offs, and the receipt example of domain.md §1."""

from datetime import datetime, time

import pytest

from stream_processors.core.calendar import default_calendar
from stream_processors.core.durations import (Duration, DurationUnit, clock_start, compute_due,
                                              due_from_start)
from stream_processors.core.exceptions import (InvalidDurationError, NaiveDatetimeError,
                                               UnknownUnitError)
from stream_processors.core.vntime import VN_TZ

CAL = default_calendar()
WD, WH, CD = DurationUnit.WORKING_DAYS, DurationUnit.WORKING_HOURS, DurationUnit.CALENDAR_DAYS


def vn(*args):
    return datetime(*args, tzinfo=VN_TZ)


def test_receipt_example_of_domain_md():
    # Slip: received 09:32 on 27/10/2023, 5 working days, "Sau 9 giờ 00 phút, ngày 03/11/2023".
    # The engine counts to the minute, so it says 09:32 (see docs/deadlines.md).
    assert compute_due(vn(2023, 10, 27, 9, 32), Duration(5, WD), CAL) == vn(2023, 11, 3, 9, 32)


@pytest.mark.parametrize(("received", "duration", "expected"), [
    (vn(2024, 3, 11, 9, 0), Duration(1, WD), vn(2024, 3, 12, 9, 0)),  # Monday 09:00 → Tuesday
    (vn(2024, 3, 15, 14, 0), Duration(1, WD), vn(2024, 3, 18, 14, 0)),  # over a weekend
    (vn(2025, 1, 24, 14, 0), Duration(1, WD), vn(2025, 2, 3, 14, 0)),  # over Tết 2025
    (vn(2025, 4, 25, 10, 0), Duration(1, WD), vn(2025, 4, 26, 10, 0)),  # onto swapped Saturday
    (vn(2026, 8, 28, 10, 0), Duration(1, WD), vn(2026, 9, 3, 10, 0)),  # over 29/8–2/9/2026
    (vn(2024, 3, 11, 16, 0), Duration(2, WH), vn(2024, 3, 12, 8, 0)),
    (vn(2024, 3, 11, 13, 30), Duration(7, WH), vn(2024, 3, 12, 10, 30)),
])
def test_working_units(received, duration, expected):
    assert compute_due(received, duration, CAL) == expected


@pytest.mark.parametrize(("received", "days", "expected"), [
    (vn(2024, 3, 11, 9, 0), 3, vn(2024, 3, 14, 9, 0)),  # lands on a Thursday: time kept
    (vn(2024, 3, 11, 9, 0), 5, vn(2024, 3, 18, 7, 0)),  # Saturday → Monday opening
    (vn(2025, 4, 25, 9, 0), 5, vn(2025, 5, 5, 7, 0)),  # Wednesday 30/4 → Monday 5/5
    (vn(2025, 4, 21, 9, 0), 5, vn(2025, 4, 26, 9, 0)),  # a worked Saturday is a working day
])
def test_calendar_days(received, days, expected):
    assert compute_due(received, Duration(days, CD), CAL) == expected


@pytest.mark.parametrize(("received", "expected"), [
    (vn(2024, 3, 11, 19, 0), vn(2024, 3, 12, 7, 0)),  # evening → next morning
    (vn(2024, 3, 11, 6, 30), vn(2024, 3, 11, 7, 0)),  # before opening
    (vn(2024, 3, 11, 12, 15), vn(2024, 3, 11, 13, 30)),  # lunch → 13:30
    (vn(2024, 3, 16, 10, 0), vn(2024, 3, 18, 7, 0)),  # Saturday → Monday
    (vn(2024, 4, 29, 10, 0), vn(2024, 5, 2, 7, 0)),  # swapped Monday off → Thursday 2/5
])
def test_clock_start_outside_office_hours(received, expected):
    assert clock_start(received, CAL) == expected


def test_receipt_at_lunch_counts_from_1330():
    assert compute_due(vn(2024, 3, 11, 12, 0), Duration(1, WD), CAL) == vn(2024, 3, 12, 13, 30)
    assert compute_due(vn(2024, 3, 11, 12, 0), Duration(3, WH), CAL) == vn(2024, 3, 11, 16, 30)


@pytest.mark.parametrize(("received", "expected"), [
    (vn(2024, 3, 11, 14, 59), vn(2024, 3, 11, 14, 59)),
    (vn(2024, 3, 11, 15, 0, 40), vn(2024, 3, 11, 15, 0, 40)),  # the cut-off minute itself is in
    (vn(2024, 3, 11, 15, 1), vn(2024, 3, 12, 7, 0)),
    (vn(2024, 3, 15, 16, 0), vn(2024, 3, 18, 7, 0)),  # Friday after cut-off → Monday
    (vn(2025, 4, 29, 15, 30), vn(2025, 5, 5, 7, 0)),  # eve of the 30/4 holiday
])
def test_cutoff(received, expected):
    assert clock_start(received, CAL, cutoff=time(15, 0)) == expected


def test_cutoff_due():
    due = compute_due(vn(2024, 3, 11, 15, 30), Duration(1, WD), CAL, cutoff=time(15, 0))
    assert due == vn(2024, 3, 12, 17, 0)  # 8 h from Tuesday's opening end at Tuesday's closing


@pytest.mark.parametrize(("received", "duration", "cutoff", "expected"), [
    # the end of a working day is the end of that day, whatever the unit
    (vn(2024, 3, 15, 7, 0), Duration(1, WD), None, vn(2024, 3, 15, 17, 0)),  # before a weekend
    (vn(2024, 3, 14, 7, 0), Duration(2, WD), None, vn(2024, 3, 15, 17, 0)),
    (vn(2024, 3, 15, 12, 0), Duration(3, WH), None, vn(2024, 3, 15, 16, 30)),  # from lunch
    (vn(2024, 3, 15, 14, 0), Duration(3, WH), None, vn(2024, 3, 15, 17, 0)),
    (vn(2025, 4, 29, 14, 0), Duration(3, WH), None, vn(2025, 4, 29, 17, 0)),  # eve of 30/4 off
    (vn(2025, 1, 23, 7, 0), Duration(2, WD), None, vn(2025, 1, 24, 17, 0)),  # eve of Tết 2025
    (vn(2024, 3, 13, 15, 30), Duration(2, WD), time(15, 0), vn(2024, 3, 15, 17, 0)),  # cut-off
    (vn(2025, 4, 28, 16, 0), Duration(1, WD), time(15, 0), vn(2025, 4, 29, 17, 0)),
    (vn(2024, 3, 11, 17, 0), Duration(3, CD), None, vn(2024, 3, 15, 7, 0)),  # from closing
    (vn(2024, 3, 12, 16, 0), Duration(3, CD), None, vn(2024, 3, 15, 16, 0)),
])
def test_a_due_at_closing_time_stays_that_day(received, duration, cutoff, expected):
    assert compute_due(received, duration, CAL, cutoff=cutoff) == expected


@pytest.mark.parametrize(("amount", "unit", "error", "param"), [
    (0, WD, InvalidDurationError, "amount"),
    (-3, WD, InvalidDurationError, "amount"),
    (1.5, WD, InvalidDurationError, "amount"),
    (True, WD, InvalidDurationError, "amount"),
    (3, "weeks", UnknownUnitError, "unit"),
    (3, "", UnknownUnitError, "unit"),
])
def test_bad_durations_are_refused(amount, unit, error, param):
    with pytest.raises(error, match=param):
        Duration(amount, unit)


def test_string_units_and_round_trip():
    duration = Duration(5, "working_days")
    assert duration.unit is WD and Duration.from_dict(duration.to_dict()) == duration
    assert Duration(2, WH).working_minutes() == 120 and Duration(2, CD).working_minutes() is None
    assert str(duration) == "5 working_days"


def test_naive_receipt_is_refused():
    with pytest.raises(NaiveDatetimeError, match="received_at"):
        compute_due(datetime(2024, 3, 11, 9), Duration(1, WD), CAL)


def test_due_from_start_equals_compute_due_for_an_open_office():
    start = vn(2024, 3, 11, 9, 0)
    assert due_from_start(start, Duration(3, WD), CAL) == compute_due(start, Duration(3, WD), CAL)
