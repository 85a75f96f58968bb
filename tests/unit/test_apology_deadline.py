"""The apology deadline read as a date rule, graded at its edges (issue: one day before = the end
of the previous working day, not the same clock time)."""

from datetime import datetime

import pytest

from sinks.letters.lifecycle import LetterState, after_issue, late_reason
from stream_processors.core.calendar import default_calendar
from stream_processors.core.clock import start
from stream_processors.core.durations import Duration
from stream_processors.core.vntime import VN_TZ

CAL = default_calendar()


def vn(*args):
    return datetime(*args, tzinfo=VN_TZ)


# received Tue 5/8/2025 09:30 (Decree 118), 5 working days: due Tue 12/8 09:30
CLOCK = start(vn(2025, 8, 5, 9, 30), Duration(5, "working_days"), CAL)


def test_the_deadline_is_the_end_of_the_previous_working_day():
    assert CLOCK.due_at == vn(2025, 8, 12, 9, 30)
    assert CLOCK.apology_deadline == vn(2025, 8, 11, 17, 0)
    assert CLOCK.at_risk_at == vn(2025, 8, 11, 9, 30)  # the warning keeps its own lead time


@pytest.mark.parametrize(("issued", "state"), [
    (vn(2025, 8, 11, 16, 59), LetterState.ISSUED_ON_TIME),
    (vn(2025, 8, 11, 17, 0), LetterState.ISSUED_ON_TIME),
    (vn(2025, 8, 11, 17, 1), LetterState.ISSUED_LATE),
    (vn(2025, 8, 11, 10, 0), LetterState.ISSUED_ON_TIME),  # after the warning: still on time
])
def test_a_letter_is_graded_against_the_day_end(issued, state):
    assert after_issue(LetterState.DRAFTED, issued, CLOCK.apology_deadline) is state


def test_a_late_letter_says_why():
    assert late_reason("issued_late", vn(2025, 8, 11, 17, 1), CLOCK.apology_deadline) == (
        "ban hành 17:01 11/08/2025, sau hạn xin lỗi 17:00 11/08/2025")
    assert late_reason("issued_on_time", vn(2025, 8, 11, 16, 59), CLOCK.apology_deadline) is None
    assert "quá hạn lúc 09:31 12/08/2025" in late_reason(
        "missed", None, CLOCK.apology_deadline, vn(2025, 8, 12, 9, 31))
    assert "sau khi hồ sơ đã quá hạn" in late_reason(
        "issued_late", vn(2025, 8, 12, 10), CLOCK.apology_deadline, vn(2025, 8, 12, 9, 31))


def test_a_one_day_procedure_has_its_deadline_at_the_clock_start():
    clock = start(vn(2025, 8, 8, 7, 0), Duration(1, "working_days"), CAL)  # Friday, 07:00
    assert (clock.due_at, clock.apology_deadline) == (vn(2025, 8, 8, 17), vn(2025, 8, 8, 7))
