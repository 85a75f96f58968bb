"""Working-day limits of citizen feedback (PAKN) handling, from ``data/pakn_limits.csv``.

Each row: an ``action``, its limit in working days, the moment it counts from (``received`` or
another action, e.g. ``published`` from ``handled``) and when it applies (``always`` or only
when that action happened: a rejection is due within 2 days only if the feedback was rejected).
``rejected`` and ``returned`` close the feedback, so ``handled`` is not due after them. A
deadline is the end (23:59) of the last allowed working day, Vietnam time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

from stream_processors.core.calendar import WorkingCalendar
from stream_processors.core.datafile import DATA_DIR, read_rows
from stream_processors.core.vntime import VN_TZ, to_vn

__all__ = ["PAKN_ACTIONS", "Limit", "load_limits", "deadlines"]

DEFAULT_LIMITS = DATA_DIR / "pakn_limits.csv"
PAKN_ACTIONS = ("rejected", "returned", "info_requested", "handled", "published")
_CLOSING = ("rejected", "returned")


@dataclass(frozen=True)
class Limit:
    action: str
    working_days: int
    counted_from: str
    applies_when: str


def load_limits(path: Path = DEFAULT_LIMITS) -> tuple[Limit, ...]:
    limits = []
    for row in read_rows(Path(path), ("action", "working_days", "counted_from", "applies_when",
                                      "source", "confirmed")):
        action = row.get("action")
        if action not in PAKN_ACTIONS:
            row.fail("action", f"{action!r}: expected one of {', '.join(PAKN_ACTIONS)}")
        limits.append(Limit(action, row.parse("working_days", int), row.get("counted_from"),
                            row.get("applies_when")))
    return tuple(limits)


def _add_working_days(start: datetime, days: int, calendar: WorkingCalendar) -> datetime:
    day = to_vn(start, "start").date()
    for _ in range(days):
        day = calendar.next_working_day(day)
    return datetime.combine(day, time(23, 59), tzinfo=VN_TZ)


def deadlines(received_at: datetime, actions: Sequence[tuple[str, datetime]],
              limits: Sequence[Limit], calendar: WorkingCalendar) -> tuple[tuple[str, datetime], ...]:
    """(action, deadline) for every limit that applies to a feedback with these ``actions``."""
    done = dict(actions)
    closed = any(a in done for a in _CLOSING)
    due = []
    for limit in limits:
        if limit.applies_when == "always" and closed and limit.action == "handled":
            continue
        if limit.applies_when != "always" and limit.applies_when not in done:
            continue
        start = received_at if limit.counted_from == "received" else done.get(limit.counted_from)
        if start is not None:
            due.append((limit.action, _add_working_days(start, limit.working_days, calendar)))
    return tuple(due)
