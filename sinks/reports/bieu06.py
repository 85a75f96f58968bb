"""Biểu số 06/VPCP/KSTT (Circular 01/2020/TT-VPCP): received, resolved and in-progress dossiers.

Pure computation over :class:`DossierFacts` (built from the reporting DB by
:mod:`sinks.reports.queries`). One row per handling agency plus a total row. For period
``[start, end)``, moments compared as timestamps (to the minute, as the clock computes them):

* **received**: *online* / *in person & post* = received in the period by that channel;
  *carried over* = received before ``start`` and not ended before ``start``;
  *total* = online + in person & post + carried over.
* **resolved** = ended in the period (resolved, withdrawn, suspended…), by the stream processor's
  grading: *trước hạn* / *đúng hạn* / *quá hạn* (a dossier ended but not yet graded is graded
  here: end < due, end = due, end > due).
* **in progress at period end** = received before ``end`` and not ended before ``end``:
  *quá hạn* if it was flagged overdue (scope dossier) for a due moment before ``end``, else
  *trong hạn*.

Invariant: received total = resolved total + in-progress total.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from sinks.reports.periods import Period

__all__ = ["DossierFacts", "Bieu06Row", "bieu06", "COLUMNS"]

COLUMNS = ("agency", "agency_name", "received_total", "received_online",
           "received_in_person_post", "carried_over", "resolved_total", "resolved_truoc_han",
           "resolved_dung_han", "resolved_qua_han", "in_progress_total", "in_progress_trong_han",
           "in_progress_qua_han")


@dataclasses.dataclass(frozen=True)
class DossierFacts:
    dossier_code: str
    agency: str
    agency_name: str
    channel: str
    received_at: dt.datetime
    ended_at: dt.datetime | None
    classification: str | None
    due_at: dt.datetime | None
    overdue_due_ats: tuple[dt.datetime, ...] = ()  # due moments of dossier-scope overdue flags
    procedure_code: str | None = None  # these three place the dossier on the map of its period
    field: str | None = None  # (sinks.reports.attribution)
    level: str | None = None


@dataclasses.dataclass
class Bieu06Row:
    agency: str
    agency_name: str
    received_online: int = 0
    received_in_person_post: int = 0
    carried_over: int = 0
    resolved_truoc_han: int = 0
    resolved_dung_han: int = 0
    resolved_qua_han: int = 0
    in_progress_trong_han: int = 0
    in_progress_qua_han: int = 0

    @property
    def received_total(self) -> int:
        return self.received_online + self.received_in_person_post + self.carried_over

    @property
    def resolved_total(self) -> int:
        return self.resolved_truoc_han + self.resolved_dung_han + self.resolved_qua_han

    @property
    def in_progress_total(self) -> int:
        return self.in_progress_trong_han + self.in_progress_qua_han

    def as_dict(self) -> dict[str, object]:
        return {c: getattr(self, c) for c in COLUMNS}

    def add(self, other: "Bieu06Row") -> None:
        for f in dataclasses.fields(self)[2:]:
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def _grade(d: DossierFacts) -> str:
    if d.classification in ("truoc_han", "dung_han", "qua_han"):
        return d.classification
    if d.due_at is None or d.ended_at is None:
        return "dung_han"
    return "truoc_han" if d.ended_at < d.due_at else "dung_han" if d.ended_at == d.due_at else "qua_han"


def _count(row: Bieu06Row, d: DossierFacts, p: Period) -> None:
    if d.received_at >= p.end or (d.ended_at is not None and d.ended_at < p.start):
        return
    if d.received_at < p.start:
        row.carried_over += 1
    elif d.channel == "online":
        row.received_online += 1
    else:
        row.received_in_person_post += 1
    if d.ended_at is not None and d.ended_at < p.end:
        name = "resolved_" + _grade(d)
        setattr(row, name, getattr(row, name) + 1)
    elif any(due < p.end for due in d.overdue_due_ats):
        row.in_progress_qua_han += 1
    else:
        row.in_progress_trong_han += 1


def bieu06(facts: Iterable[DossierFacts], period: Period,
           agency: str | None = None) -> list[Bieu06Row]:
    """Rows per agency (sorted by code) and a final ``TOTAL`` row."""
    rows: dict[str, Bieu06Row] = {}
    for d in facts:
        if agency is not None and d.agency != agency:
            continue
        row = rows.setdefault(d.agency, Bieu06Row(d.agency, d.agency_name))
        _count(row, d, period)
    out = [rows[k] for k in sorted(rows) if rows[k].received_total]
    total = Bieu06Row("TOTAL", "Tổng cộng")
    for r in out:
        total.add(r)
    return out + [total]
