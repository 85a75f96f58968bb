"""The dossier clock: start, pauses over weekends and holidays, reschedule once, steps, JSON."""

import json
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from stream_processors.core.calendar import default_calendar
from stream_processors.core.clock import DossierClock, PauseReason, apology_moments, start
from stream_processors.core.durations import Duration
from stream_processors.core.exceptions import (ClockStateError, InvalidDurationError,
                                               InvalidPauseError, NaiveDatetimeError,
                                               RescheduleError, UnknownRuleVersionError)
from stream_processors.core.office_hours import DEFAULT_HOURS
from stream_processors.core.rules import rules_by_version
from stream_processors.core.vntime import VN_TZ

CAL = default_calendar()
FIVE_DAYS = Duration(5, "working_days")


def vn(*args):
    return datetime(*args, tzinfo=VN_TZ)


def test_start_receipt_example():
    clock = start(vn(2023, 10, 27, 9, 32, 41), FIVE_DAYS, CAL)
    assert clock.received_at == clock.started_at == vn(2023, 10, 27, 9, 32)  # to the minute
    assert clock.due_at == vn(2023, 11, 3, 9, 32) and clock.due_version == 1
    assert clock.apology_deadline == vn(2023, 11, 2, 17)  # the end of the day before
    assert clock.at_risk_at == vn(2023, 11, 2, 9, 32)  # the warning keeps its own lead
    assert clock.rule_version == "nd61-2018" and not clock.is_paused


def test_start_outside_hours_and_naive_refused():
    assert start(vn(2024, 3, 16, 10), FIVE_DAYS, CAL).started_at == vn(2024, 3, 18, 7)
    with pytest.raises(NaiveDatetimeError, match="received_at"):
        start(datetime(2024, 3, 11, 9), FIVE_DAYS, CAL)
    with pytest.raises(InvalidDurationError, match="duration"):
        start(vn(2024, 3, 11, 9), 5, CAL)  # type: ignore[arg-type]


def test_pause_spanning_a_weekend_pushes_by_working_time():
    clock = start(vn(2023, 10, 23, 9), FIVE_DAYS, CAL)  # due Mon 30/10 09:00
    paused = clock.pause(vn(2023, 10, 27, 10))
    assert paused.due_at is None and paused.apology_deadline is None
    assert paused.frozen_due_at == vn(2023, 10, 30, 9)
    assert paused.remaining_minutes(vn(2023, 10, 28, 12), CAL) == 5 * 60 + 2 * 60  # frozen
    resumed = paused.resume(vn(2023, 10, 30, 10), CAL)  # Fri 5 h + Mon 3 h = 8 h paused
    assert resumed.due_at == vn(2023, 10, 31, 9) and resumed.due_version == 2
    assert resumed.pauses[0].working_minutes == 480 and resumed.paused_minutes == 480
    assert resumed.apology_deadline == vn(2023, 10, 30, 17)


def test_pause_spanning_tet_2025():
    clock = start(vn(2025, 1, 22, 9), FIVE_DAYS, CAL)
    assert clock.due_at == vn(2025, 2, 5, 9)
    resumed = clock.pause(vn(2025, 1, 24, 9)).resume(vn(2025, 2, 4, 9), CAL)
    assert resumed.pauses[0].working_minutes == 6 * 60 + 8 * 60 + 2 * 60
    assert resumed.due_at == vn(2025, 2, 7, 9)


def test_pause_over_a_weekend_only_does_not_move_the_due():
    clock = start(vn(2024, 3, 11, 9), FIVE_DAYS, CAL)
    resumed = clock.pause(vn(2024, 3, 16, 9)).resume(vn(2024, 3, 17, 9), CAL)
    assert resumed.due_at == clock.due_at and resumed.due_version == 1


def test_pause_outliving_the_due_keeps_the_lateness():
    clock = start(vn(2024, 3, 11, 9), Duration(1, "working_days"), CAL)  # due Tue 12/3 09:00
    paused = clock.pause(vn(2024, 3, 12, 10))
    assert paused.is_overdue(vn(2024, 3, 12, 10)) and paused.remaining_minutes(None, CAL) == -60
    resumed = paused.resume(vn(2024, 3, 14, 10), CAL)
    assert resumed.due_at == vn(2024, 3, 14, 9) and resumed.is_overdue(vn(2024, 3, 14, 10))


def test_paused_before_due_is_not_overdue_however_long():
    paused = start(vn(2024, 3, 11, 9), FIVE_DAYS, CAL).pause(vn(2024, 3, 12, 9))
    assert not paused.is_overdue(vn(2024, 6, 1, 9))


@pytest.mark.parametrize("action", ["resume_before", "resume_unpaused", "pause_twice",
                                    "before_receipt", "naive"])
def test_bad_pauses_are_refused(action):
    clock = start(vn(2024, 3, 11, 9), FIVE_DAYS, CAL)
    with pytest.raises((InvalidPauseError, ClockStateError, NaiveDatetimeError), match="at"):
        if action == "resume_before":
            clock.pause(vn(2024, 3, 12, 9)).resume(vn(2024, 3, 12, 8), CAL)
        elif action == "resume_unpaused":
            clock.resume(vn(2024, 3, 12, 9), CAL)
        elif action == "pause_twice":
            clock.pause(vn(2024, 3, 12, 9)).pause(vn(2024, 3, 12, 10))
        elif action == "before_receipt":
            clock.pause(vn(2024, 3, 10, 9))
        else:
            clock.pause(datetime(2024, 3, 12, 9))


def test_supplement_requests_and_the_766_rule():
    clock = start(vn(2024, 3, 11, 9), FIVE_DAYS, CAL)
    once = clock.pause(vn(2024, 3, 11, 10)).resume(vn(2024, 3, 11, 11), CAL)
    assert once.supplement_requests == 1 and not once.counts_late_766
    twice = once.pause(vn(2024, 3, 12, 10)).resume(vn(2024, 3, 12, 11), CAL)
    assert twice.supplement_requests == 2 and twice.counts_late_766
    money = once.pause(vn(2024, 3, 12, 10), PauseReason.FINANCIAL_OBLIGATION)
    assert money.supplement_requests == 1 and money.pause_reason is PauseReason.FINANCIAL_OBLIGATION


def test_reschedule_once_then_refused():
    clock = start(vn(2024, 3, 11, 9), FIVE_DAYS, CAL)
    moved = clock.reschedule(vn(2024, 3, 25, 9))
    assert moved.due_at == vn(2024, 3, 25, 9) and moved.due_version == 2
    assert moved.reschedules == 1 and moved.apology_deadline is None  # no second apology
    with pytest.raises(RescheduleError, match="only 1 time"):
        moved.reschedule(vn(2024, 3, 28, 9))


def test_reschedule_must_extend_and_not_while_paused():
    clock = start(vn(2024, 3, 11, 9), FIVE_DAYS, CAL)
    with pytest.raises(RescheduleError, match="new_due"):
        clock.reschedule(vn(2024, 3, 18, 9))  # equal to the due
    with pytest.raises(ClockStateError, match="new_due"):
        clock.pause(vn(2024, 3, 12, 9)).reschedule(vn(2024, 3, 25, 9))
    with pytest.raises(NaiveDatetimeError, match="new_due"):
        clock.reschedule(datetime(2024, 3, 25, 9))


def test_pause_after_reschedule_pushes_the_new_appointment():
    moved = start(vn(2024, 3, 11, 9), FIVE_DAYS, CAL).reschedule(vn(2024, 3, 25, 9))
    resumed = moved.pause(vn(2024, 3, 19, 9)).resume(vn(2024, 3, 20, 9), CAL)
    assert resumed.due_at == vn(2024, 3, 26, 9) and resumed.apology_deadline is None


@pytest.mark.parametrize(("received", "duration", "due", "apology", "warning"), [
    (vn(2024, 3, 11, 9), Duration(14, "working_hours"), vn(2024, 3, 12, 17), vn(2024, 3, 11, 17),
     vn(2024, 3, 11, 17)),
    (vn(2024, 3, 13, 9), Duration(3, "working_days"), vn(2024, 3, 18, 9), vn(2024, 3, 15, 17),
     vn(2024, 3, 15, 9)),
    (vn(2025, 4, 25, 9), Duration(2, "working_days"), vn(2025, 4, 28, 9), vn(2025, 4, 26, 17),
     vn(2025, 4, 26, 9)),  # a worked Saturday
    (vn(2025, 4, 28, 9), Duration(2, "working_days"), vn(2025, 5, 5, 9), vn(2025, 4, 29, 17),
     vn(2025, 4, 29, 9)),  # the holiday is skipped
    (vn(2024, 3, 11, 9), Duration(5, "calendar_days"), vn(2024, 3, 18, 7), vn(2024, 3, 15, 17),
     vn(2024, 3, 15, 7)),
    (vn(2024, 3, 11, 9), Duration(2, "working_hours"), vn(2024, 3, 11, 11), vn(2024, 3, 11, 9),
     vn(2024, 3, 11, 9)),  # never before the clock start
])
def test_apology_deadline_is_the_end_of_the_working_day_before(received, duration, due, apology,
                                                               warning):
    clock = start(received, duration, CAL)
    assert (clock.due_at, clock.apology_deadline, clock.at_risk_at) == (due, apology, warning)


def test_apology_deadline_rule_is_configurable_per_rule_set():
    same_time = replace(rules_by_version("nd118-2025"),
                        apology_deadline_rule="same_time_previous_working_day")
    assert apology_moments(vn(2025, 8, 12, 9, 30), vn(2025, 8, 4, 9), same_time, CAL,
                            DEFAULT_HOURS) == (vn(2025, 8, 11, 9, 30), vn(2025, 8, 11, 9, 30))
    with pytest.raises(UnknownRuleVersionError, match="apology_deadline_rule"):
        replace(same_time, apology_deadline_rule="noon")


def test_clocks_stored_before_the_warning_lead_decode_to_the_deadline():
    data = start(vn(2025, 8, 4, 9), FIVE_DAYS, CAL).to_dict()
    del data["stored_at_risk_at"]
    old = DossierClock.from_dict(data)
    assert old.at_risk_at == old.apology_deadline == vn(2025, 8, 8, 17)


def test_liên_thông_steps_with_a_pause_inside():
    clock = start(vn(2024, 3, 11, 9), Duration(10, "working_days"), CAL)
    clock = clock.enter_step("000.00.16.H47", Duration(3, "working_days"), vn(2024, 3, 11, 9), CAL)
    assert clock.current_step.deadline == vn(2024, 3, 14, 9)
    clock = clock.pause(vn(2024, 3, 12, 9)).resume(vn(2024, 3, 13, 9), CAL)
    assert clock.current_step.deadline == vn(2024, 3, 15, 9)
    clock = clock.leave_step(vn(2024, 3, 14, 9), CAL)
    step = clock.steps[0]
    assert (step.used_minutes, step.paused_minutes, step.left_at) == (960, 480, vn(2024, 3, 14, 9))
    clock = clock.enter_step("000.00.40.H47", Duration(2, "working_days"), vn(2024, 3, 14, 18), CAL)
    assert clock.current_step.deadline == vn(2024, 3, 18, 17)  # Fri 07:00 + 16 h: Monday's end


def test_step_misuse_is_refused():
    clock = start(vn(2024, 3, 11, 9), FIVE_DAYS, CAL)
    with pytest.raises(ClockStateError, match="no open step"):
        clock.leave_step(vn(2024, 3, 11, 10), CAL)
    inside = clock.enter_step("A", Duration(1, "working_days"), vn(2024, 3, 11, 9), CAL)
    with pytest.raises(ClockStateError, match="another step"):
        inside.enter_step("B", Duration(1, "working_days"), vn(2024, 3, 11, 10), CAL)
    with pytest.raises(InvalidDurationError, match="allowance"):
        clock.enter_step("A", 3, vn(2024, 3, 11, 9), CAL)  # type: ignore[arg-type]


def test_close_and_effective_end():
    clock = start(vn(2024, 3, 11, 9), FIVE_DAYS, CAL)
    closed = clock.close(vn(2024, 3, 20, 9))
    assert closed.is_closed and not closed.is_overdue(vn(2024, 3, 21, 9))
    assert closed.effective_end == vn(2024, 3, 20, 9) and closed.apology_deadline is None
    withdrawn = clock.pause(vn(2024, 3, 12, 9)).close(vn(2024, 3, 30, 9))
    assert withdrawn.effective_end == vn(2024, 3, 12, 9)
    with pytest.raises(ClockStateError, match="closed"):
        closed.pause(vn(2024, 3, 21, 9))


def test_json_round_trip_is_exact():
    clock = start(datetime(2024, 3, 11, 2, 5, tzinfo=timezone.utc), FIVE_DAYS, CAL)
    clock = clock.enter_step("000.00.16.H47", Duration(2, "working_days"), vn(2024, 3, 11, 9, 5), CAL)
    clock = clock.pause(vn(2024, 3, 12, 9)).resume(vn(2024, 3, 13, 9), CAL)
    clock = clock.leave_step(vn(2024, 3, 14, 9), CAL).reschedule(vn(2024, 3, 29, 9))
    clock = clock.pause(vn(2024, 3, 20, 9), "financial_obligation")
    data = json.loads(json.dumps(clock.to_dict()))
    assert DossierClock.from_dict(data) == clock and DossierClock.from_dict(data).to_dict() == data
    assert data["frozen_due_at"] == "2024-03-29T09:00:00+07:00" and data["schema"] == 1


def test_unknown_schema_is_refused():
    data = start(vn(2024, 3, 11, 9), FIVE_DAYS, CAL).to_dict() | {"schema": 99}
    with pytest.raises(ClockStateError, match="schema"):
        DossierClock.from_dict(data)
