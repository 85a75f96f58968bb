"""The working-day index and the constant-time working-time sums, checked against a plain walk
over every day (the implementation they replaced) on random calendars and moments."""

from datetime import date, datetime, time, timedelta

from hypothesis import given, settings, strategies as st

from stream_processors.core.calendar import DAY_OFF, WORKING_DAY, Override, WorkingCalendar, \
    default_calendar
from stream_processors.core.durations import Duration, compute_due
from stream_processors.core.office_hours import DEFAULT_HOURS, OfficeHours, add_working_minutes, \
    working_minutes_between
from stream_processors.core.vntime import VN_TZ, to_vn
from stream_processors.core.working_days import index_of

ZERO, ONE_DAY = timedelta(0), timedelta(days=1)
DAYS = st.dates(date(2024, 1, 1), date(2027, 12, 31))
HOURS = st.sampled_from([DEFAULT_HOURS, OfficeHours.parse("08:00-12:00,13:00-17:00"),
                         OfficeHours.parse("07:30-11:30"),
                         OfficeHours.parse("07:00-09:00,10:00-11:30,13:30-17:00")])
OVERRIDES = st.lists(st.tuples(DAYS, st.sampled_from([DAY_OFF, WORKING_DAY])), max_size=25,
                     unique_by=lambda t: t[0])


def _calendar(overrides) -> WorkingCalendar:
    """The library's Tết and swapped days, plus random days off and worked Saturdays/Sundays."""
    return WorkingCalendar([Override(d, k, "random", "test") for d, k in overrides])


def _split(moment):
    local = to_vn(moment, "m")
    return local.date(), local - local.replace(hour=0, minute=0, second=0, microsecond=0)


def _join(day, offset):
    return datetime.combine(day, time(0), tzinfo=VN_TZ) + offset


def walk_add(start, minutes, calendar, hours):
    """The day-by-day walk the index replaced (the oracle)."""
    day, offset = _split(start)
    left, closing = timedelta(minutes=minutes), hours.spans[-1][1]
    if not left:
        return _join(day, offset)
    while True:
        if calendar.is_working_day(day):
            for begin, end in hours.spans:
                begin = max(begin, offset)
                fits = left < end - begin or (left == end - begin and end == closing)
                if begin < end and fits:
                    return _join(day, begin + left)
                left -= max(ZERO, end - begin)
        day, offset = day + ONE_DAY, ZERO


def walk_between(a, b, calendar, hours):
    (a_day, a_off), (b_day, b_off) = _split(a), _split(b)
    total, day = ZERO, a_day
    while day <= b_day:
        if calendar.is_working_day(day):
            lo = a_off if day == a_day else ZERO
            hi = b_off if day == b_day else ONE_DAY
            total += hours.overlap(lo, hi)
        day += ONE_DAY
    return total // timedelta(minutes=1)


def _moment(day, minute, second=0):
    return datetime.combine(day, time(0), tzinfo=VN_TZ) + timedelta(minutes=minute, seconds=second)


MINUTE_OF_DAY = st.one_of(st.integers(0, 1439), st.sampled_from([420, 690, 810, 1020, 0, 900]))


@settings(max_examples=400, deadline=None)
@given(OVERRIDES, HOURS, DAYS, MINUTE_OF_DAY, st.integers(0, 59),
       st.one_of(st.integers(0, 600), st.integers(0, 480 * 300), st.sampled_from([270, 480, 4800])))
def test_add_working_minutes_equals_the_day_walk(overrides, hours, day, minute, second, minutes):
    calendar = _calendar(overrides)
    start = _moment(day, minute, second)
    assert add_working_minutes(start, minutes, calendar, hours) == walk_add(start, minutes,
                                                                            calendar, hours)


@settings(max_examples=400, deadline=None)
@given(OVERRIDES, HOURS, DAYS, MINUTE_OF_DAY, st.integers(0, 400), MINUTE_OF_DAY)
def test_working_minutes_between_equals_the_day_walk(overrides, hours, day, minute, span, minute2):
    calendar = _calendar(overrides)
    a, b = _moment(day, minute), _moment(day + timedelta(days=span), minute2)
    a, b = min(a, b), max(a, b)
    assert working_minutes_between(a, b, calendar, hours) == walk_between(a, b, calendar, hours)


@settings(max_examples=200, deadline=None)
@given(OVERRIDES, DAYS, MINUTE_OF_DAY, st.sampled_from([None, time(15, 0), time(11, 0)]),
       st.integers(1, 60), st.sampled_from(["working_days", "working_hours"]))
def test_due_with_cutoff_equals_the_day_walk(overrides, day, minute, cutoff, amount, unit):
    from stream_processors.core.durations import clock_start
    calendar = _calendar(overrides)
    received, duration = _moment(day, minute), Duration(amount, unit)
    start = clock_start(received, calendar, DEFAULT_HOURS, cutoff)
    expected = walk_add(start, duration.working_minutes(DEFAULT_HOURS), calendar, DEFAULT_HOURS)
    assert compute_due(received, duration, calendar, DEFAULT_HOURS, cutoff) == expected


def test_tet_and_a_swapped_saturday_on_the_shipped_calendar():
    cal = default_calendar()
    # 2025-04-25 (Friday) 16:00 + 2 working hours: 1 h on Friday, then the worked Saturday 26/4
    assert add_working_minutes(_moment(date(2025, 4, 25), 960), 120, cal) == \
        walk_add(_moment(date(2025, 4, 25), 960), 120, cal, DEFAULT_HOURS)
    # across Tết 2025 (27/1–31/1 off): 5 working days from Friday 24/1 09:00
    start = _moment(date(2025, 1, 24), 540)
    assert add_working_minutes(start, 5 * 480, cal) == walk_add(start, 5 * 480, cal, DEFAULT_HOURS)
    assert add_working_minutes(start, 5 * 480, cal).date() == date(2025, 2, 7)


def test_index_is_per_calendar_object_and_grows_lazily():
    a, b = _calendar([]), _calendar([(date(2026, 3, 3), DAY_OFF)])
    assert index_of(a) is index_of(a) and index_of(a) is not index_of(b)
    assert index_of(a).count(date(2026, 3, 2), date(2026, 3, 7)) == 5
    assert index_of(b).count(date(2026, 3, 2), date(2026, 3, 7)) == 4
    far = index_of(a).nth_after(date(2026, 12, 30), 3000)  # years beyond the first build
    assert index_of(a).count(date(2026, 12, 31), far + ONE_DAY) == 3000
