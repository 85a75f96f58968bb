"""The deadline that counts: the printed appointment (NgayHenTra), the statutory due kept beside
it, and the finding when the appointment promises more time than the law allows."""

from datetime import datetime

import pytest

from sinks.reports.appointments import GradeFacts, appointments
from sinks.reports.periods import parse_period
from stream_processors.core.calendar import default_calendar
from stream_processors.core.clock import APPOINTMENT, STATUTORY, DossierClock, start
from stream_processors.core.durations import Duration
from stream_processors.core.exceptions import ClockStateError
from stream_processors.core.lifecycle import apply, new_state
from stream_processors.core.transitions import Context
from stream_processors.core.vntime import VN_TZ
from tests.dossier_events import (at, code, received, resolved, supplement_received,
                                  supplement_requested)

CAL = default_calendar()
FIVE = Duration(5, "working_days")
CTX = Context(CAL)


def vn(*args):
    return datetime(*args, tzinfo=VN_TZ)


def test_the_printed_appointment_is_the_due_and_the_statute_is_kept():
    clock = start(vn(2025, 8, 4, 9, 30), FIVE, CAL, appointment=vn(2025, 8, 12, 17))
    assert (clock.due_at, clock.statutory_due_at, clock.due_basis) == (
        vn(2025, 8, 12, 17), vn(2025, 8, 11, 9, 30), APPOINTMENT)
    assert clock.appointment_beyond_statutory
    assert clock.apology_deadline == vn(2025, 8, 11, 17)  # from the due that counts
    assert DossierClock.from_dict(clock.to_dict()) == clock


def test_an_appointment_equal_to_the_statute_or_absent_is_statutory():
    same = start(vn(2025, 8, 4, 9, 30), FIVE, CAL, appointment=vn(2025, 8, 11, 9, 30, 40))
    none = start(vn(2025, 8, 4, 9, 30), FIVE, CAL)
    assert same.due_basis == none.due_basis == STATUTORY
    assert same.due_at == none.due_at == vn(2025, 8, 11, 9, 30)
    earlier = start(vn(2025, 8, 4, 9, 30), FIVE, CAL, appointment=vn(2025, 8, 8, 9, 30))
    assert earlier.due_basis == APPOINTMENT and not earlier.appointment_beyond_statutory
    with pytest.raises(ClockStateError, match="appointment_at"):
        start(vn(2025, 8, 4, 9, 30), FIVE, CAL, appointment=vn(2025, 8, 4, 9, 0))


def test_the_dossier_is_graded_against_its_appointment():
    c = code(1)
    s = new_state(c)
    # the desk printed Mon 18/8; the statute says Mon 11/8; finished Fri 15/8: on time
    for e in (received(c, at("2025-08-04", "09:30"), appointment=at("2025-08-18", "09:30")),
              resolved(c, at("2025-08-15", "09:00"))):
        applied = apply(s, e, CTX)
        s = applied.state
    graded = applied.emits[0].data
    assert (graded.classification.value, graded.due_at, graded.statutory_due_at,
            graded.due_basis) == ("truoc_han", at("2025-08-18", "09:30"),
                                  at("2025-08-11", "09:30"), "appointment")


def test_a_supplement_receipt_with_a_new_appointment_sets_the_due():
    c = code(2)
    s = new_state(c)
    for e in (received(c, at("2025-08-04", "09:30")),
              supplement_requested(c, at("2025-08-05", "09:30")),
              supplement_received(c, at("2025-08-06", "09:30"), at("2025-08-20", "09:30"))):
        s = apply(s, e, CTX).state
    assert (s.clock.due_at, s.clock.due_basis) == (at("2025-08-20", "09:30"), "appointment")


def test_appointments_report_shows_the_disagreements_per_agency():
    a, b = "000.00.15.H47", "000.00.16.H47"
    facts = [GradeFacts("x1", a, vn(2025, 8, 15), vn(2025, 8, 18, 9, 30), vn(2025, 8, 11, 9, 30),
                        "appointment"),
             GradeFacts("x2", a, vn(2025, 8, 15), vn(2025, 8, 8), vn(2025, 8, 11), "appointment"),
             GradeFacts("x3", b, vn(2025, 8, 15), vn(2025, 8, 11), vn(2025, 8, 11), "statutory"),
             GradeFacts("x4", b, vn(2025, 9, 15), vn(2025, 9, 30), vn(2025, 9, 11), "appointment")]
    rows = appointments(facts, parse_period("2025-08"), {a: "Sở Xây dựng"})
    got = {r.agency: (r.graded, r.graded_against_appointment, r.beyond_statutory,
                      r.max_excess_hours) for r in rows}
    assert got == {a: (2, 2, 1, 168.0), b: (1, 0, 0, 0.0), "TOTAL": (3, 2, 1, 168.0)}
    assert rows[0].agency_name == "Sở Xây dựng"
