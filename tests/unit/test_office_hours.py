"""Office hours and working-time arithmetic."""

import time as clock
from datetime import datetime, time, timezone

import pytest

from stream_processors.core.calendar import default_calendar
from stream_processors.core.exceptions import DeadlineError, InvalidOfficeHoursError, \
    NaiveDatetimeError
from stream_processors.core.office_hours import (DEFAULT_HOURS, OfficeHours, add_working_minutes,
                                                 clamp_into_hours, is_open, next_opening,
                                                 working_minutes_between)
from stream_processors.core.vntime import VN_TZ

CAL = default_calendar()


def vn(*args):
    return datetime(*args, tzinfo=VN_TZ)


def test_default_hours_are_eight_a_day():
    assert DEFAULT_HOURS.minutes_per_day == 480
    assert DEFAULT_HOURS.text == "07:00-11:30,13:30-17:00"
    assert OfficeHours.parse("08:00-12:00,13:00-17:00").minutes_per_day == 480


@pytest.mark.parametrize("text", ["", "11:30-07:00", "07:00-12:00,11:00-17:00", "7-11", "07:00"])
def test_bad_windows_are_refused(text):
    with pytest.raises(InvalidOfficeHoursError):
        OfficeHours.parse(text)


@pytest.mark.parametrize(("moment", "expected"), [
    (vn(2024, 3, 12, 9, 15), vn(2024, 3, 12, 9, 15)),  # open
    (vn(2024, 3, 12, 6, 0), vn(2024, 3, 12, 7, 0)),  # before opening
    (vn(2024, 3, 12, 11, 30), vn(2024, 3, 12, 13, 30)),  # the end of a window is closed
    (vn(2024, 3, 12, 12, 10), vn(2024, 3, 12, 13, 30)),  # lunch
    (vn(2024, 3, 12, 17, 0), vn(2024, 3, 13, 7, 0)),  # after closing
    (vn(2024, 3, 15, 18, 0), vn(2024, 3, 18, 7, 0)),  # Friday evening → Monday
    (vn(2025, 4, 29, 17, 30), vn(2025, 5, 5, 7, 0)),  # eve of 30/4–4/5 2025
    (vn(2025, 4, 25, 17, 30), vn(2025, 4, 26, 7, 0)),  # swapped Saturday is open
])
def test_next_opening(moment, expected):
    assert next_opening(moment, CAL) == expected


def test_is_open_and_other_zones():
    assert is_open(vn(2024, 3, 12, 7, 0), CAL) and not is_open(vn(2024, 3, 12, 11, 30), CAL)
    utc = datetime(2024, 3, 12, 2, 0, tzinfo=timezone.utc)  # 09:00 in Vietnam
    assert is_open(utc, CAL) and next_opening(utc, CAL) == vn(2024, 3, 12, 9, 0)


@pytest.mark.parametrize(("start", "minutes", "expected"), [
    (vn(2024, 3, 12, 7, 0), 269, vn(2024, 3, 12, 11, 29)),
    (vn(2024, 3, 12, 7, 0), 270, vn(2024, 3, 12, 13, 30)),  # a window's end rolls over
    (vn(2024, 3, 12, 7, 0), 480, vn(2024, 3, 12, 17, 0)),  # a day ends at its closing time
    (vn(2024, 3, 15, 13, 30), 210, vn(2024, 3, 15, 17, 0)),  # Friday's closing, not Monday
    (vn(2024, 3, 15, 17, 0), 60, vn(2024, 3, 18, 8, 0)),  # counting from closing: next opening
    (vn(2025, 4, 29, 13, 30), 210, vn(2025, 4, 29, 17, 0)),  # eve of 30/4–4/5/2025
    (vn(2024, 3, 12, 12, 0), 60, vn(2024, 3, 12, 14, 30)),  # start at lunch
    (vn(2024, 3, 15, 16, 0), 120, vn(2024, 3, 18, 8, 0)),  # over a weekend
    (vn(2024, 3, 12, 9, 15, 30), 480, vn(2024, 3, 13, 9, 15, 30)),  # seconds kept
    (vn(2024, 3, 16, 10, 0), 0, vn(2024, 3, 16, 10, 0)),  # zero is the identity
])
def test_add_working_minutes(start, minutes, expected):
    assert add_working_minutes(start, minutes, CAL) == expected


def test_working_minutes_between():
    assert working_minutes_between(vn(2024, 3, 12, 11, 0), vn(2024, 3, 12, 14, 0), CAL) == 60
    assert working_minutes_between(vn(2024, 3, 16, 8), vn(2024, 3, 17, 16), CAL) == 0  # weekend
    assert working_minutes_between(vn(2024, 3, 15, 16), vn(2024, 3, 18, 8), CAL) == 120
    assert working_minutes_between(vn(2025, 1, 24, 7), vn(2025, 2, 3, 7), CAL) == 480  # Tết


def test_inverse_over_a_year_and_fast():
    start = vn(2024, 1, 2, 9, 32)
    began = clock.perf_counter()
    due = add_working_minutes(start, 250 * 480, CAL)
    elapsed = clock.perf_counter() - began
    assert working_minutes_between(start, due, CAL) == 250 * 480
    assert elapsed < 0.01  # well under a millisecond on a warm cache; generous for CI


def test_errors_name_the_parameter():
    with pytest.raises(NaiveDatetimeError, match="start"):
        add_working_minutes(datetime(2024, 3, 12, 9), 10, CAL)
    with pytest.raises(DeadlineError, match="minutes"):
        add_working_minutes(vn(2024, 3, 12, 9), -1, CAL)
    with pytest.raises(DeadlineError, match="b "):
        working_minutes_between(vn(2024, 3, 12, 9), vn(2024, 3, 12, 8), CAL)


@pytest.mark.parametrize(("wall", "expected"), [
    (time(9, 15), time(9, 15)), (time(12, 0), time(11, 30)), (time(6, 0), time(7, 0)),
    (time(20, 0), time(17, 0)), (time(17, 0), time(17, 0)), (time(13, 30), time(13, 30)),
])
def test_clamp_into_hours(wall, expected):
    day = datetime(2024, 3, 12).date()
    assert clamp_into_hours(day, wall).timetz().replace(tzinfo=None) == expected
