"""Office hours and working-time arithmetic in Vietnam time (Asia/Ho_Chi_Minh).

Working time is the time inside an :class:`OfficeHours` window on a working day of the
:class:`~stream_processors.core.calendar.WorkingCalendar`. Defaults: 07:00–11:30 and 13:30–17:00,
8 working hours a day. Windows are half-open: the office is open at 07:00, closed at 11:30.

**The end of a working day is the end of that day**: a sum of working time used up exactly at the
day's closing time ends *at that closing time*, never at the next working day's opening (8 working
hours from 07:00 → 17:00 the same day; 1 from 16:00 Friday → 17:00 Friday, not Monday 07:00: a
receipt printed for the next opening after a weekend sends the citizen away for days). Used up at
the end of an earlier window of the day (the lunch break), the sum ends at the next window's
opening, the same day (4.5 working hours from 07:00 → 13:30). Counting from a closing time starts
at the next opening. Hence N working days counted from a moment strictly inside office hours end
at the same wall-clock time N working days later.

Sums and differences of working time cost the same for an hour as for a year: whole days are
counted on the calendar's cumulative working-day index (:mod:`~stream_processors.core.working_days`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from stream_processors.core.calendar import WorkingCalendar
from stream_processors.core.exceptions import DeadlineError, InvalidOfficeHoursError
from stream_processors.core.vntime import VN_TZ, parse_hhmm, to_vn
from stream_processors.core.working_days import index_of

__all__ = ["OfficeHours", "DEFAULT_HOURS", "next_opening", "is_open", "add_working_minutes",
           "working_minutes_between", "clamp_into_hours"]

ZERO, ONE_DAY, MINUTE = timedelta(0), timedelta(days=1), timedelta(minutes=1)
Window = tuple[time, time]


def _offset(t: time) -> timedelta:
    return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second)


@dataclass(frozen=True)
class OfficeHours:
    """Daily opening windows of an agency, in order and not overlapping (same on every working day)."""
    windows: tuple[Window, ...] = ((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))
    spans: tuple[tuple[timedelta, timedelta], ...] = field(init=False, repr=False, compare=False)
    day_length: timedelta = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        spans = tuple((_offset(a), _offset(b)) for a, b in self.windows)
        if not spans:
            raise InvalidOfficeHoursError("windows must contain at least one window")
        for prev_end, (start, end) in zip((ZERO, *(e for _, e in spans)), spans):
            if not prev_end <= start < end:
                raise InvalidOfficeHoursError(
                    f"windows must be increasing and non-overlapping, got {self.text}")
        object.__setattr__(self, "spans", spans)
        # working time of one working day, read on every sum: computed once
        object.__setattr__(self, "day_length", sum((end - start for start, end in spans), ZERO))

    @classmethod
    def parse(cls, text: str) -> "OfficeHours":
        """Parse ``"07:00-11:30,13:30-17:00"``."""
        try:
            pairs = [part.strip().split("-") for part in text.split(",")]
            return cls(tuple((parse_hhmm(a, "hours"), parse_hhmm(b, "hours")) for a, b in pairs))
        except ValueError as exc:
            raise InvalidOfficeHoursError(f"hours {text!r}: {exc}") from None

    @property
    def text(self) -> str:
        return ",".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in self.windows)

    @property
    def minutes_per_day(self) -> int:
        """Working minutes in one working day (480 by default)."""
        return self.day_length // MINUTE

    def overlap(self, lo: timedelta, hi: timedelta) -> timedelta:
        """Working time of one working day between offsets ``lo`` and ``hi`` from midnight."""
        return sum((max(ZERO, min(hi, e) - max(lo, s)) for s, e in self.spans), ZERO)


DEFAULT_HOURS = OfficeHours()


def _split(moment: datetime, param: str) -> tuple[date, timedelta]:
    local = to_vn(moment, param)
    return local.date(), local - local.replace(hour=0, minute=0, second=0, microsecond=0)


def _join(day: date, offset: timedelta) -> datetime:
    return datetime.combine(day, time(0), tzinfo=VN_TZ) + offset


def is_open(moment: datetime, calendar: WorkingCalendar, hours: OfficeHours = DEFAULT_HOURS) -> bool:
    """True if ``moment`` is inside a window (start included, end excluded) on a working day."""
    day, offset = _split(moment, "moment")
    return calendar.is_working_day(day) and any(s <= offset < e for s, e in hours.spans)


def next_opening(moment: datetime, calendar: WorkingCalendar,
                 hours: OfficeHours = DEFAULT_HOURS) -> datetime:
    """``moment`` itself if the office is open then, else the start of the next window."""
    day, offset = _split(moment, "moment")
    while True:
        if calendar.is_working_day(day):
            for start, end in hours.spans:
                if offset < end:
                    return _join(day, max(start, offset))
        day, offset = day + ONE_DAY, ZERO


def add_working_minutes(start: datetime, minutes: int, calendar: WorkingCalendar,
                        hours: OfficeHours = DEFAULT_HOURS) -> datetime:
    """The moment at which ``minutes`` (≥ 0) working minutes after ``start`` are used up: inside
    a window, or exactly at the day's closing time (see the module docstring).

    Zero returns ``start`` unchanged (in Vietnam time). Seconds of ``start`` are kept. Constant
    time in ``minutes``: whole days are counted on the calendar's working-day index.
    """
    if isinstance(minutes, bool) or not isinstance(minutes, int | float) or minutes < 0:
        raise DeadlineError(f"minutes must be a number ≥ 0, got {minutes!r}")
    day, offset = _split(start, "start")
    left, closing = timedelta(minutes=minutes), hours.spans[-1][1]
    if not left:
        return _join(day, offset)
    if calendar.is_working_day(day):
        found = _within_day(offset, left, hours)
        if found is not None:
            return _join(day, found)
        left -= hours.overlap(offset, ONE_DAY)
    # the rest lies on later working days: whole days, then the remainder on the next one; used
    # up exactly by whole days, it ends at the closing time of the last of them
    whole, rest = divmod(left, hours.day_length)
    if not rest:
        return _join(index_of(calendar).nth_after(day, whole), closing)
    return _join(index_of(calendar).nth_after(day, whole + 1), _within_day(ZERO, rest, hours))


def _within_day(offset: timedelta, left: timedelta, hours: OfficeHours) -> timedelta | None:
    """The offset at which ``left`` working time from ``offset`` ends on a working day, if it
    ends that day (at the latest at closing time); else None."""
    closing = hours.spans[-1][1]
    for begin, end in hours.spans:
        begin = max(begin, offset)
        if begin < end and (left < end - begin or (left == end - begin and end == closing)):
            return begin + left
        left -= max(ZERO, end - begin)
    return None


def working_minutes_between(a: datetime, b: datetime, calendar: WorkingCalendar,
                            hours: OfficeHours = DEFAULT_HOURS) -> int:
    """Whole working minutes (floored) between ``a`` and ``b``; ``b`` must not precede ``a``.
    Constant time in the span (the working-day index counts the days in between)."""
    (a_day, a_off), (b_day, b_off) = _split(a, "a"), _split(b, "b")
    if (b_day, b_off) < (a_day, a_off):
        raise DeadlineError(f"b ({b.isoformat()}) must not be before a ({a.isoformat()})")
    working = calendar.is_working_day
    if a_day == b_day:
        total = hours.overlap(a_off, b_off) if working(a_day) else ZERO
    else:
        total = hours.overlap(a_off, ONE_DAY) if working(a_day) else ZERO
        total += hours.overlap(ZERO, b_off) if working(b_day) else ZERO
        total += hours.day_length * index_of(calendar).count(a_day + ONE_DAY, b_day)
    return total // MINUTE


def clamp_into_hours(day: date, wall: time, hours: OfficeHours = DEFAULT_HOURS) -> datetime:
    """On ``day``, the latest moment ≤ ``wall`` inside or at the end of a window;
    the first opening if ``wall`` is before it. (Used for the apology deadline.)"""
    offset, best = _offset(wall) + timedelta(microseconds=wall.microsecond), hours.spans[0][0]
    for start, end in hours.spans:
        if start <= offset:
            best = min(offset, end)
    return _join(day, best)
