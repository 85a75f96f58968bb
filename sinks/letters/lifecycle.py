"""The apology letter's lifecycle and delivery plan: pure decisions, no I/O.

States::

    drafted ──ApologyIssued (time ≤ apology deadline)──▶ issued_on_time
       │    ──ApologyIssued (later, or no deadline known)──▶ issued_late
       └──DossierOverdue(scope=dossier, same due version)──▶ missed ──ApologyIssued──▶ issued_late

A draft whose due version is withdrawn by a calendar change (``dossier.flags_withdrawn``) becomes
``superseded``; the new version's at-risk flag drafts a new letter. ``issued_*`` are final: a replayed or second ApologyIssued changes nothing. A flag for an
already issued letter changes nothing. The proposed new appointment is the deadline engine's
due moment of ``extension_days`` working days counted from the current due moment.
"""

from __future__ import annotations

import datetime as dt
import enum

from stream_processors.core.calendar import WorkingCalendar
from stream_processors.core.durations import Duration, DurationUnit, due_from_start
from stream_processors.core.office_hours import DEFAULT_HOURS, OfficeHours
from stream_processors.core.vntime import to_vn

__all__ = ["LetterState", "after_issue", "after_overdue", "issued_state", "late_reason",
           "proposed_appointment", "delivery_channels", "ISSUED"]


class LetterState(enum.StrEnum):
    DRAFTED = "drafted"
    ISSUED_ON_TIME = "issued_on_time"
    ISSUED_LATE = "issued_late"
    MISSED = "missed"
    SUPERSEDED = "superseded"  # a calendar change re-issued the due: the draft's dates are void


ISSUED = frozenset({LetterState.ISSUED_ON_TIME, LetterState.ISSUED_LATE})


def issued_state(issued_at: dt.datetime, apology_deadline: dt.datetime | None) -> LetterState:
    """On time iff issued no later than the apology deadline (to the second, tz-aware)."""
    if apology_deadline is not None and issued_at <= apology_deadline:
        return LetterState.ISSUED_ON_TIME
    return LetterState.ISSUED_LATE


def late_reason(state: str, issued_at: dt.datetime | None, apology_deadline: dt.datetime | None,
                missed_at: dt.datetime | None = None) -> str | None:
    """Why a letter counts late (None unless ``state`` is issued_late or missed), in Vietnam time.

    The apology deadline is the rule set's (by default the end of the working day before the due
    date, stream_processors.core.rules); the reason names it so an officer can check the grade.
    """
    if state == LetterState.MISSED:
        return f"quá hạn lúc {_vn(missed_at)} khi chưa ban hành văn bản xin lỗi"
    if state != LetterState.ISSUED_LATE:
        return None
    if missed_at is not None:
        return f"ban hành {_vn(issued_at)}, sau khi hồ sơ đã quá hạn ({_vn(missed_at)})"
    if apology_deadline is None:
        return f"ban hành {_vn(issued_at)}; không có hạn xin lỗi (không còn được gia hạn)"
    return f"ban hành {_vn(issued_at)}, sau hạn xin lỗi {_vn(apology_deadline)}"


def _vn(moment: dt.datetime | None) -> str:
    return "?" if moment is None else f"{to_vn(moment, 'moment'):%H:%M %d/%m/%Y}"


def after_issue(state: LetterState, issued_at: dt.datetime,
                apology_deadline: dt.datetime | None) -> LetterState:
    if state in ISSUED:
        return state
    if state is LetterState.MISSED:
        return LetterState.ISSUED_LATE
    return issued_state(issued_at, apology_deadline)


def after_overdue(state: LetterState) -> LetterState:
    return LetterState.MISSED if state is LetterState.DRAFTED else state


def proposed_appointment(due_at: dt.datetime, extension_days: int, calendar: WorkingCalendar,
                         hours: OfficeHours = DEFAULT_HOURS) -> dt.datetime:
    """The new appointment a letter proposes: ``extension_days`` working days after ``due_at``."""
    return due_from_start(due_at, Duration(extension_days, DurationUnit.WORKING_DAYS), calendar, hours)


def delivery_channels(channel: str, email: str | None, phone: str | None) -> tuple[str, ...]:
    """How the issued letter reaches the applicant, by the channel of filing.

    Online filings: ``email`` (with the PDF) when an address is known and ``webhook`` (the SMS/Zalo
    gateway) when a phone is known. In-person and postal filings: ``paper`` (the print queue).
    An online filing with neither contact falls back to paper, so no letter goes nowhere.
    """
    if channel != "online":
        return ("paper",)
    out = tuple(c for c, have in (("email", email), ("webhook", phone)) if have)
    return out or ("paper",)
