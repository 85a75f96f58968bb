"""Reporting periods: ``2025`` (year), ``2025-Q3`` (quarter), ``2025-08`` (month), in Vietnam time.

A period is the half-open interval ``[start, end)`` of aware datetimes at local midnight.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from stream_processors.core.vntime import VN_TZ

__all__ = ["Period", "parse_period"]

_RE = re.compile(r"^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$")


@dataclasses.dataclass(frozen=True)
class Period:
    label: str
    start: dt.datetime
    end: dt.datetime

    def contains(self, moment: dt.datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end


def _midnight(year: int, month: int) -> dt.datetime:
    if month > 12:
        year, month = year + 1, month - 12
    return dt.datetime(year, month, 1, tzinfo=VN_TZ)


def parse_period(text: str) -> Period:
    """The period named ``text``; ValueError naming the accepted forms otherwise."""
    m = _RE.match(text.strip())
    if not m:
        raise ValueError(f"period {text!r}: expected YYYY, YYYY-Qn or YYYY-MM")
    year = int(m.group(1))
    if m.group(2):
        first = 3 * (int(m.group(2)) - 1) + 1
        return Period(text, _midnight(year, first), _midnight(year, first + 3))
    if m.group(3):
        month = int(m.group(3))
        return Period(text, _midnight(year, month), _midnight(year, month + 1))
    return Period(text, _midnight(year, 1), _midnight(year + 1, 1))
