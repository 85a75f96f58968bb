"""The appointments report: per agency, dossiers graded against the printed appointment and those
whose appointment promised more time than the law allows (NgayHenTra later than the statutory due).

Pure computation over :class:`GradeFacts` (the reporting DB's ``classifications``), for dossiers
that ended in period ``[start, end)``. A dossier is graded against the appointment its record
carried (``due_basis`` ``appointment``) or, without one, the catalog's statutory duration; both
moments are kept, and ``beyond_statutory`` counts the disagreements an inspector should see.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from sinks.reports.periods import Period

__all__ = ["GradeFacts", "AppointmentRow", "appointments", "COLUMNS"]

COLUMNS = ("agency", "agency_name", "graded", "graded_against_appointment", "beyond_statutory",
           "max_excess_hours")


@dataclasses.dataclass(frozen=True)
class GradeFacts:
    dossier_code: str
    agency: str
    ended_at: dt.datetime
    due_at: dt.datetime
    statutory_due_at: dt.datetime | None
    due_basis: str | None


@dataclasses.dataclass
class AppointmentRow:
    agency: str
    agency_name: str
    graded: int = 0
    graded_against_appointment: int = 0
    beyond_statutory: int = 0
    max_excess_hours: float = 0.0  # clock hours the latest appointment lies past the statutory due

    def as_dict(self) -> dict[str, object]:
        return {c: getattr(self, c) for c in COLUMNS}

    def add(self, f: GradeFacts) -> None:
        self.graded += 1
        if f.due_basis != "appointment":
            return
        self.graded_against_appointment += 1
        if f.statutory_due_at is not None and f.due_at > f.statutory_due_at:
            self.beyond_statutory += 1
            excess = (f.due_at - f.statutory_due_at).total_seconds() / 3600
            self.max_excess_hours = max(self.max_excess_hours, round(excess, 2))


def appointments(facts: Iterable[GradeFacts], period: Period, names: dict[str, str] | None = None,
                 agency: str | None = None) -> list[AppointmentRow]:
    """Rows per agency (sorted by code) plus a ``TOTAL`` row."""
    names = names or {}
    rows: dict[str, AppointmentRow] = {}
    total = AppointmentRow("TOTAL", "Tổng cộng")
    for f in facts:
        if period.contains(f.ended_at) and agency in (None, f.agency):
            rows.setdefault(f.agency, AppointmentRow(f.agency, names.get(f.agency, f.agency))).add(f)
            total.add(f)
    return [rows[k] for k in sorted(rows)] + [total]
