"""The civil-service working calendar (cán bộ, công chức, viên chức) of Vietnam.

A day is a *working day* when it is Monday–Friday and not a day off, or when it is a Saturday or
Sunday the government declared worked (làm bù for a swapped day). Two layers decide:

1. the base, ``holidays.country_holidays("VN")`` of the pinned release (Labor Code 2019 Art. 112,
   nghỉ bù, and the swaps the release knows through ``weekend_workdays``);
2. the **override table** ``data/calendar_overrides.csv`` (``date,kind,name,source``; kind is
   ``day_off`` or ``working_day``), which always wins. It corrects the library and adds
   announcements a pinned release lacks; adding next year's is a data edit (docs/deadlines.md).

3. the **status table** ``data/calendar_status.csv`` (:mod:`calendar_status`): which holiday
   windows are *announced* (with the deciding document) and which are only *estimated* (rules
   only); :meth:`WorkingCalendar.estimates` says which estimated windows a span of days crosses,
   so a due date derived from them can say it is an estimate.

Lookups are set membership on a per-year table built once, so ``is_working_day`` is cheap enough
to call for every event. Dates are civil dates in Vietnam; an aware datetime is converted first.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple

import holidays

from stream_processors.core.calendar_status import CalendarStatus, Window
from stream_processors.core.datafile import DATA_DIR, read_rows
from stream_processors.core.exceptions import DeadlineError
from stream_processors.core.vntime import vn_date

__all__ = ["WorkingCalendar", "Override", "CalendarEntry", "DAY_OFF", "WORKING_DAY",
           "DEFAULT_OVERRIDES", "load_overrides", "default_calendar"]

DAY_OFF, WORKING_DAY = "day_off", "working_day"
DEFAULT_OVERRIDES = DATA_DIR / "calendar_overrides.csv"
_LIBRARY = f"holidays {holidays.__version__}"


class Override(NamedTuple):
    """One row of the override table: the document that decided ``day`` is off or worked."""
    day: date
    kind: str
    name: str
    source: str


class CalendarEntry(NamedTuple):
    day: date
    source: str


@dataclass(frozen=True)
class _Year:
    off: frozenset[date]  # Monday–Friday dates that are not worked
    on: frozenset[date]  # Saturday/Sunday dates that are worked
    sources: Mapping[date, str]


class WorkingCalendar:
    """Working days of the civil service. Build with :meth:`from_csv` or :func:`default_calendar`."""

    def __init__(self, overrides: Iterable[Override] = (), *, use_library: bool = True,
                 status: CalendarStatus | None = None, version: int = 0) -> None:
        self.status = status if status is not None else _default_status()
        self.version = version  # operator changes applied on top of the shipped tables
        self._rows = tuple(overrides)
        self._overrides: dict[int, list[Override]] = {}
        for row in overrides:
            self._overrides.setdefault(row.day.year, []).append(row)
        self._use_library = use_library
        self._years: dict[int, _Year] = {}

    @classmethod
    def from_csv(cls, path: Path = DEFAULT_OVERRIDES,
                 status: CalendarStatus | None = None) -> "WorkingCalendar":
        """The library base plus the override table at ``path`` (validated, see :func:`load_overrides`)."""
        return cls(load_overrides(path), status=status)

    def with_changes(self, changes: Iterable[Override]) -> "WorkingCalendar":
        """A new calendar (``version`` + the number of changes): ``changes`` — operator decisions
        such as a late official notice or a storm day off — win over every earlier row, the last
        one for a date winning. This calendar is unchanged."""
        changes = tuple(changes)
        latest = {c.day: c for c in changes}
        rows = [r for r in self._rows if r.day not in latest] + list(latest.values())
        return WorkingCalendar(rows, use_library=self._use_library, status=self.status,
                               version=self.version + len(changes))

    def estimates(self, first: date, last: date) -> list[Window]:
        """Estimated holiday windows the days ``[first, last]`` cross (see calendar_status)."""
        return self.status.estimates(vn_date(first), vn_date(last))

    def is_working_day(self, day: date) -> bool:
        """True if civil servants work on ``day`` (a date, or an aware datetime in any zone)."""
        day = vn_date(day)
        table = self._years.get(day.year) or self._year(day.year)
        return day in table.on if day.weekday() >= 5 else day not in table.off

    def source(self, day: date) -> str | None:
        """Why ``day`` departs from the plain Mon–Fri rule (or is a holiday on a weekend); else None."""
        day = vn_date(day)
        return self._year(day.year).sources.get(day)

    def non_working_weekdays(self, year: int) -> list[CalendarEntry]:
        """Monday–Friday days off in ``year``, sorted, each with its source."""
        table = self._year(year)
        return [CalendarEntry(d, table.sources[d]) for d in sorted(table.off)]

    def working_weekend_days(self, year: int) -> list[CalendarEntry]:
        """Saturdays and Sundays worked in ``year`` (làm bù), sorted, each with its source."""
        table = self._year(year)
        return [CalendarEntry(d, table.sources[d]) for d in sorted(table.on)]

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        return self._step(vn_date(day), 1)

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before ``day``."""
        return self._step(vn_date(day), -1)

    def _step(self, day: date, direction: int) -> date:
        for _ in range(366):
            day += timedelta(days=direction)
            if self.is_working_day(day):
                return day
        raise DeadlineError(f"no working day within a year of {day}: check the calendar data")

    def _year(self, year: int) -> _Year:
        if not isinstance(year, int) or not 1 <= year <= 9998:
            raise DeadlineError(f"year must be an integer year, got {year!r}")
        if year not in self._years:
            self._years[year] = self._build(year)
        return self._years[year]

    def _build(self, year: int) -> _Year:
        off: set[date] = set()
        on: set[date] = set()
        sources: dict[date, str] = {}
        if self._use_library:
            _add_library(year, off, on, sources)
        for row in self._overrides.get(year, []):
            _apply(row, off, on)
            sources[row.day] = f"{row.name} — {row.source}"
        return _Year(frozenset(off), frozenset(on), sources)


def _add_library(year: int, off: set[date], on: set[date], sources: dict[date, str]) -> None:
    base = holidays.country_holidays("VN", years=year, language="vi")
    for day, name in base.items():
        sources[day] = f"{name} — {_LIBRARY}"
        if day.weekday() < 5:
            off.add(day)
    for day in base.weekend_workdays:
        if day.year == year:  # the attribute carries other years' swaps too
            on.add(day)
            sources[day] = f"Ngày làm việc bù — {_LIBRARY}"


def _apply(row: Override, off: set[date], on: set[date]) -> None:
    weekend = row.day.weekday() >= 5
    if row.kind == DAY_OFF:
        on.discard(row.day)
        if not weekend:
            off.add(row.day)
    else:
        off.discard(row.day)
        if weekend:
            on.add(row.day)


def load_overrides(path: Path = DEFAULT_OVERRIDES) -> list[Override]:
    """Read and validate the override table; a bad row raises DataFileError(file, line, field)."""
    rows: list[Override] = []
    seen: dict[date, int] = {}
    for row in read_rows(Path(path), ("date", "kind", "name", "source")):
        day = row.parse("date", date.fromisoformat)
        kind = row.get("kind")
        if kind not in (DAY_OFF, WORKING_DAY):
            row.fail("kind", f"{kind!r} must be {DAY_OFF} or {WORKING_DAY}")
        if day in seen:
            row.fail("date", f"{day} already listed on line {seen[day]}")
        seen[day] = row.line
        rows.append(Override(day, kind, row.get("name"), row.get("source")))
    return rows


@functools.lru_cache(maxsize=1)
def _default_status() -> CalendarStatus:
    return CalendarStatus.from_csv()


@functools.lru_cache(maxsize=1)
def default_calendar() -> WorkingCalendar:
    """The shared calendar: library base plus the shipped override table (built once)."""
    return WorkingCalendar.from_csv(DEFAULT_OVERRIDES)
