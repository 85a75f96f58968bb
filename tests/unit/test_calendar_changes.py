"""Operators change the calendar: every open dossier whose due depends on the changed day gets a
new due version, the old version's flags are listed for withdrawal, nothing doubles on replay."""

from datetime import date, datetime

from stream_processors.core.calendar import DAY_OFF, WORKING_DAY, Override, default_calendar
from stream_processors.core.clock import start
from stream_processors.core.deadlines import fire_due, pending_deadlines, reissue_due
from stream_processors.core.durations import Duration
from stream_processors.core.lifecycle import apply, new_state
from stream_processors.core.transitions import Context
from stream_processors.core.vntime import VN_TZ
from tests.dossier_events import received

CAL = default_calendar()
# an illustrative Tết 2027 swap: Mon 15/2 off, Sat 20/2 worked (no such notice is known)
SWAP = (Override(date(2027, 2, 15), DAY_OFF, "Nghỉ hoán đổi (ví dụ)", "TB 1/TB-BNV (ví dụ)"),
        Override(date(2027, 2, 20), WORKING_DAY, "Làm bù (ví dụ)", "TB 1/TB-BNV (ví dụ)"))


def vn(*args):
    return datetime(*args, tzinfo=VN_TZ)


def test_with_changes_is_a_new_calendar_version():
    changed = CAL.with_changes(SWAP)
    assert changed.version == CAL.version + 2
    assert not changed.is_working_day(date(2027, 2, 15)) and CAL.is_working_day(date(2027, 2, 15))
    assert changed.is_working_day(date(2027, 2, 20))
    again = changed.with_changes([SWAP[0]._replace(kind=WORKING_DAY)])  # the last change wins
    assert again.is_working_day(date(2027, 2, 15))


def test_rederive_moves_only_dues_that_cross_the_changed_day():
    crossing = start(vn(2027, 2, 1, 9), Duration(10, "working_days"), CAL)  # due Mon 22/2 09:00
    before = start(vn(2027, 1, 4, 9), Duration(5, "working_days"), CAL)
    changed = CAL.with_changes(SWAP)
    assert crossing.due_at == vn(2027, 2, 22, 9)
    # Mon 15/2 lost and Sat 20/2 gained: the same working days before Mon 22/2, nothing moves
    assert crossing.rederive(changed) is crossing
    off = CAL.with_changes([SWAP[0]])  # Mon 15/2 off alone: one day later
    assert crossing.rederive(off).due_at == vn(2027, 2, 23, 9)
    assert crossing.rederive(off).rederivations == 1
    assert before.rederive(changed) is before


def test_reissue_withdraws_the_old_flags_and_the_new_ones_follow_once():
    c = "000.00.15.H47-270201-0001"
    s = apply(new_state(c), received(c, vn(2027, 2, 1, 9), days=10), Context(CAL)).state
    s, first = fire_due(s, vn(2027, 2, 24, 10))  # at risk and overdue for version 1
    assert sorted(s.flags) == ["at_risk:1", "overdue:1"]
    changed = CAL.with_changes([SWAP[0]])  # Mon 15/2 off: due Tue 23/2 09:00
    s, reissue = reissue_due(s, changed)
    assert (reissue.old_version, reissue.new_version, reissue.new_due_at) == (
        1, 2, vn(2027, 2, 23, 9))
    assert sorted(reissue.withdrawn) == ["at_risk:1", "overdue:1"]
    assert [d.key for d in pending_deadlines(s)] == ["at_risk:2", "overdue:2"]
    s, new = fire_due(s, vn(2027, 2, 24, 10))
    assert [(type(e.data).__name__, e.data.due_version) for e in new] == [
        ("DossierAtRisk", 2), ("DossierOverdue", 2)]
    replayed, none = reissue_due(s, changed)  # the same change again: nothing re-issued
    assert none is None and replayed == s
    assert fire_due(s, vn(2027, 3, 1))[1] == []


def test_a_printed_appointment_or_an_ended_dossier_does_not_move():
    c = "000.00.15.H47-270201-0002"
    s = apply(new_state(c), received(c, vn(2027, 2, 1, 9), days=10,
                                     appointment=vn(2027, 2, 26, 9)), Context(CAL)).state
    assert reissue_due(s, CAL.with_changes([SWAP[0]]))[1] is None
