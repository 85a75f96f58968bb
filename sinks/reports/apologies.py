"""The apologies report: per agency, late dossiers and whether each apology was sent on time.

Pure computation over letters and overdue flags of the reporting DB. For period ``[start, end)``
and the agency that caused the delay (the letter's causing agency, the flag's responsible one):

* **late dossiers**: distinct dossiers flagged overdue (scope dossier) for a due moment in the period;
* over letters whose original due moment falls in the period: **on time** (issued no later than
  the apology deadline), **late** (issued after it), **missing** (the dossier went overdue with
  no apology: state ``missed``), **pending** (drafted, not yet issued, not yet overdue).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from sinks.reports.periods import Period

__all__ = ["ApologyRow", "apologies", "LetterFacts", "OverdueFacts", "COLUMNS"]

COLUMNS = ("agency", "agency_name", "late_dossiers", "apologies_on_time", "apologies_late",
           "apologies_missing", "apologies_pending")
_STATE_COLUMN = {"issued_on_time": "apologies_on_time", "issued_late": "apologies_late",
                 "missed": "apologies_missing", "drafted": "apologies_pending"}


@dataclasses.dataclass(frozen=True)
class LetterFacts:
    agency: str
    agency_name: str
    due_at: dt.datetime
    state: str
    procedure_code: str | None = None  # the dossier's, to place it on the map of its period
    field: str | None = None


@dataclasses.dataclass(frozen=True)
class OverdueFacts:
    dossier_code: str
    agency: str
    due_at: dt.datetime
    procedure_code: str | None = None
    field: str | None = None


@dataclasses.dataclass
class ApologyRow:
    agency: str
    agency_name: str
    late_dossiers: int = 0
    apologies_on_time: int = 0
    apologies_late: int = 0
    apologies_missing: int = 0
    apologies_pending: int = 0

    def as_dict(self) -> dict[str, object]:
        return {c: getattr(self, c) for c in COLUMNS}


def apologies(letters: Iterable[LetterFacts], overdue: Iterable[OverdueFacts], period: Period,
              names: dict[str, str] | None = None, agency: str | None = None) -> list[ApologyRow]:
    """Rows per agency (sorted by code) plus a ``TOTAL`` row."""
    names = dict(names or {})
    rows: dict[str, ApologyRow] = {}

    def row(code: str) -> ApologyRow:
        return rows.setdefault(code, ApologyRow(code, names.get(code, code)))

    for lt in letters:
        names.setdefault(lt.agency, lt.agency_name)
        if period.contains(lt.due_at) and agency in (None, lt.agency):
            col = _STATE_COLUMN.get(lt.state)
            if col is None:
                continue  # superseded by a calendar change: the re-issued version's letter counts
            r = row(lt.agency)
            setattr(r, col, getattr(r, col) + 1)
    late: dict[str, set[str]] = {}
    for f in overdue:
        if period.contains(f.due_at) and agency in (None, f.agency):
            late.setdefault(f.agency, set()).add(f.dossier_code)
    for code, dossiers in late.items():
        row(code).late_dossiers = len(dossiers)
    out = [rows[k] for k in sorted(rows)]
    total = ApologyRow("TOTAL", "Tổng cộng")
    for r in out:
        for c in COLUMNS[2:]:
            setattr(total, c, getattr(total, c) + getattr(r, c))
    return out + [total]
