"""Whether the working calendar of a day is *announced* or only *estimated*.

The government announces each year's holiday windows late (the Tết notice usually arrives a few
months before Tết), so a due date that crosses a window not yet announced is an **estimate**: the
official notice may move it. The status table ``data/calendar_status.csv``
(``year,window,first_day,last_day,status,source``) lists, per year, windows that are
``announced`` (with the deciding document) or ``estimated`` (rules only, with why). A window's
range is every day the notice may change (the days off and any make-up Saturday).

* a day inside a listed window has that window's status (the narrowest window wins);
* a day of a listed year outside every window is an ordinary week, fixed by law: announced;
* a day of a year with no row at all is estimated ("no calendar entered for YYYY").

Pure data and set lookups; no clock is read here (``today`` is passed in).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import NamedTuple

from stream_processors.core.datafile import DATA_DIR, read_rows

__all__ = ["ANNOUNCED", "ESTIMATED", "Window", "CalendarStatus", "DEFAULT_STATUS",
           "load_windows", "estimate_note"]

ANNOUNCED, ESTIMATED = "announced", "estimated"
DEFAULT_STATUS = DATA_DIR / "calendar_status.csv"


class Window(NamedTuple):
    """One holiday window (or a whole year) and whether its days are announced."""
    year: int
    name: str
    first: date
    last: date
    status: str
    source: str

    @property
    def estimated(self) -> bool:
        return self.status == ESTIMATED

    def overlaps(self, first: date, last: date) -> bool:
        return self.first <= last and first <= self.last

    def describe(self) -> str:
        return f"{self.name} ({self.first:%d/%m/%Y}–{self.last:%d/%m/%Y}): {self.status} — {self.source}"


class CalendarStatus:
    """The status table; build with :meth:`from_csv`."""

    def __init__(self, windows: Iterable[Window] = ()) -> None:
        self._windows = sorted(windows, key=lambda w: (w.last - w.first, w.first))
        self._years = {w.year for w in self._windows}

    @classmethod
    def from_csv(cls, path: Path = DEFAULT_STATUS) -> "CalendarStatus":
        return cls(load_windows(path))

    def windows(self, year: int) -> list[Window]:
        """The year's windows by first day; a year without rows is one estimated window."""
        if year not in self._years:
            return [_unlisted(year)]
        return sorted((w for w in self._windows if w.year == year), key=lambda w: w.first)

    def status_of(self, day: date) -> Window | None:
        """The window deciding ``day`` (None: an ordinary week of a listed year)."""
        if day.year not in self._years:
            return _unlisted(day.year)
        return next((w for w in self._windows if w.first <= day <= w.last), None)

    def estimates(self, first: date, last: date) -> list[Window]:
        """Estimated windows a span of days ``[first, last]`` crosses (empty: all announced)."""
        out = [_unlisted(y) for y in range(first.year, last.year + 1) if y not in self._years]
        out += [w for w in self._windows if w.estimated and w.overlaps(first, last)]
        return sorted(out, key=lambda w: w.first)

    def year_status(self, year: int) -> str:
        """``announced`` when none of the year's windows is estimated, else ``estimated``."""
        return ESTIMATED if any(w.estimated for w in self.windows(year)) else ANNOUNCED

    def estimated_years(self, years: Iterable[int]) -> list[int]:
        return [y for y in years if self.year_status(y) == ESTIMATED]


def estimate_note(windows: list[Window]) -> str | None:
    """One line saying why a date is an estimate (None when nothing is estimated)."""
    if not windows:
        return None
    return "ước tính — " + "; ".join(f"{w.name}: {w.source}" for w in windows)


def _unlisted(year: int) -> Window:
    return Window(year, f"năm {year}", date(year, 1, 1), date(year, 12, 31), ESTIMATED,
                  f"no calendar entered for {year}: rules only (holidays library)")


def load_windows(path: Path = DEFAULT_STATUS) -> list[Window]:
    """Read and validate the status table; a bad row raises DataFileError(file, line, field)."""
    rows: list[Window] = []
    for row in read_rows(Path(path), ("year", "window", "first_day", "last_day", "status",
                                      "source")):
        year = row.parse("year", int)
        first, last = row.parse("first_day", date.fromisoformat), row.parse("last_day",
                                                                            date.fromisoformat)
        status = row.get("status")
        if status not in (ANNOUNCED, ESTIMATED):
            row.fail("status", f"{status!r} must be {ANNOUNCED} or {ESTIMATED}")
        if last < first:
            row.fail("last_day", f"{last} is before first_day {first}")
        if first.year != year and last.year != year:
            row.fail("year", f"{year} does not match the window {first}–{last}")
        rows.append(Window(year, row.get("window"), first, last, status, row.get("source")))
    return rows
