"""Properties of the deadline engine (hypothesis): monotonicity, pauses, classification, JSON."""

import json
from datetime import datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from stream_processors.core.calendar import default_calendar
from stream_processors.core.classification import (Outcome, classify_in_progress,
                                                   classify_resolved)
from stream_processors.core.clock import DossierClock, start
from stream_processors.core.durations import Duration, DurationUnit, compute_due
from stream_processors.core.office_hours import add_working_minutes, working_minutes_between
from stream_processors.core.vntime import VN_TZ, to_minute

CAL = default_calendar()
FAST = settings(max_examples=60, deadline=None)

moments = st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2026, 11, 30),
                       timezones=st.just(VN_TZ)).map(to_minute)
units = st.sampled_from(list(DurationUnit))
amounts = st.integers(min_value=1, max_value=40)
cutoffs = st.sampled_from([None, time(15, 0), time(16, 30)])
gaps = st.integers(min_value=0, max_value=20 * 24 * 60).map(lambda m: timedelta(minutes=m))


@FAST
@given(moments, units, amounts, cutoffs)
def test_due_is_monotonic_in_duration(received, unit, amount, cutoff):
    shorter = compute_due(received, Duration(amount, unit), CAL, cutoff=cutoff)
    longer = compute_due(received, Duration(amount + 1, unit), CAL, cutoff=cutoff)
    assert shorter < longer if unit is not DurationUnit.CALENDAR_DAYS else shorter <= longer


@FAST
@given(moments, gaps, units, amounts, cutoffs)
def test_due_is_monotonic_in_receipt(received, gap, unit, amount, cutoff):
    duration = Duration(amount, unit)
    first = compute_due(received, duration, CAL, cutoff=cutoff)
    assert first <= compute_due(received + gap, duration, CAL, cutoff=cutoff)


@FAST
@given(moments, units, amounts, gaps, gaps)
def test_a_pause_never_moves_the_due_earlier(received, unit, amount, before, length):
    clock = start(received, Duration(amount, unit), CAL)
    resumed = clock.pause(received + before).resume(received + before + length, CAL)
    assert resumed.due_at >= clock.due_at
    assert resumed.due_version == clock.due_version + (resumed.due_at != clock.due_at)


@FAST
@given(moments, units, amounts, st.integers(min_value=-30 * 24 * 60, max_value=30 * 24 * 60))
def test_classification_agrees_with_the_due(received, unit, amount, offset_minutes):
    clock = start(received, Duration(amount, unit), CAL)
    moment = clock.due_at + timedelta(minutes=offset_minutes, seconds=offset_minutes % 60)
    resolved = classify_resolved(moment, clock.due_at)
    late = to_minute(moment) > clock.due_at
    assert (resolved is Outcome.QUA_HAN) == late
    assert (resolved is Outcome.DUNG_HAN) == (to_minute(moment) == clock.due_at)
    in_progress = classify_in_progress(clock.due_at, moment)
    assert (in_progress is Outcome.QUA_HAN) == late == clock.is_overdue(moment)


@FAST
@given(moments, st.integers(min_value=0, max_value=300 * 480))
def test_adding_working_minutes_inverts_counting_them(moment, minutes):
    assert working_minutes_between(moment, add_working_minutes(moment, minutes, CAL), CAL) == minutes


@FAST
@given(moments, units, amounts, gaps, gaps, st.booleans())
def test_json_round_trip(received, unit, amount, before, length, still_paused):
    clock = start(received, Duration(amount, unit), CAL).pause(received + before)
    if not still_paused:
        clock = clock.resume(received + before + length, CAL)
    data = json.loads(json.dumps(clock.to_dict()))
    assert DossierClock.from_dict(data) == clock and DossierClock.from_dict(data).to_dict() == data
