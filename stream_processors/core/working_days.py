"""A cumulative index of working days, built once per calendar object.

``count(a, b)`` (working days in ``[a, b)``) and ``nth_after(day, n)`` (the n-th working day
strictly after ``day``) cost one subtraction and one bisection, instead of a walk over every day
between. Every working day has the same office hours, so working *minutes* follow from these
counts (:mod:`stream_processors.core.office_hours`).

The index is keyed by the calendar *object*: a changed calendar is a new
:class:`~stream_processors.core.calendar.WorkingCalendar` and so gets a new index; one object
is treated as immutable. It covers whole years, is extended lazily when a date falls outside
them, and dies with its calendar (a weak key).
"""

from __future__ import annotations

import bisect
import threading
import weakref
from datetime import date

from stream_processors.core.calendar import WorkingCalendar
from stream_processors.core.exceptions import DeadlineError

__all__ = ["WorkingDayIndex", "index_of"]

_SPAN_YEARS = 2  # years added on each side when a lookup falls outside the index


class WorkingDayIndex:
    """``cum[i]`` = working days in ``[origin, origin + i days)`` over the years covered."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        self._calendar = calendar
        # (first year, last year, ordinal of Jan 1 of the first year, cum): replaced whole, so
        # a reader in another thread sees an old or a new index, never a mix
        self._table: tuple[int, int, int, list[int]] | None = None

    def count(self, a: date, b: date) -> int:
        """Working days ``d`` with ``a <= d < b`` (0 when ``b <= a``)."""
        if b <= a:
            return 0
        _, _, origin, cum = self._cover(a.year, b.year)
        return cum[b.toordinal() - origin] - cum[a.toordinal() - origin]

    def nth_after(self, day: date, n: int) -> date:
        """The ``n``-th (≥ 1) working day strictly after ``day``."""
        first, last, origin, cum = self._cover(day.year, day.year)
        target = cum[day.toordinal() - origin + 1] + n  # working days up to `day` included, + n
        while target > cum[-1]:
            if last >= 9998 or last - day.year > n // 100 + 4 * _SPAN_YEARS:
                raise DeadlineError(f"no {n} working days after {day}: check the calendar data")
            first, last, origin, cum = self._cover(day.year, last + _SPAN_YEARS)
            target = cum[day.toordinal() - origin + 1] + n
        # the first i with cum[i] >= target: day origin + i - 1 is that working day
        return date.fromordinal(origin + bisect.bisect_left(cum, target) - 1)

    def _cover(self, lo: int, hi: int) -> tuple[int, int, int, list[int]]:
        table = self._table
        if table is not None and table[0] <= lo and hi <= table[1]:
            return table
        if table is not None:
            lo, hi = min(lo, table[0]), max(hi, table[1])
        first, last = max(1, lo - _SPAN_YEARS), min(9998, hi + _SPAN_YEARS)
        origin = date(first, 1, 1).toordinal()
        cum = [0]
        working = self._calendar.is_working_day
        for ordinal in range(origin, date(last, 12, 31).toordinal() + 1):
            cum.append(cum[-1] + working(date.fromordinal(ordinal)))
        self._table = (first, last, origin, cum)
        return self._table


_INDEXES: "weakref.WeakKeyDictionary[WorkingCalendar, WorkingDayIndex]" = \
    weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def index_of(calendar: WorkingCalendar) -> WorkingDayIndex:
    """The index of ``calendar`` (built on first use, then shared)."""
    index = _INDEXES.get(calendar)
    if index is None:
        with _LOCK:
            index = _INDEXES.setdefault(calendar, WorkingDayIndex(calendar))
    return index
