"""Biểu số 06/VPCP/KSTT (Circular 01/2020/TT-VPCP): received, resolved and in-progress dossiers.

Pure computation over :class:`DossierFacts` (built from the reporting DB by
:mod:`sinks.reports.queries`). One row per handling agency plus a total row. For period
``[start, end)``, moments compared as timestamps (to the minute, as the clock computes them):

* **received**: *online* / *in person & post* = received in the period by that channel;
  *carried over* = received before ``start`` and not ended before ``start``;
  *total* = online + in person & post + carried over.
* **resolved** = ended in the period (resolved, withdrawn, suspended…): *trước hạn* / *đúng hạn* /
  *quá hạn*, graded here by the report's **grading**: ``date`` (the default: *đúng hạn* = finished
  on the due day, as operations teams read the form, so finishing at 16:00 on a day due at 09:30
  is *đúng hạn*) or ``moment`` (to the minute, the 766 test: the stream processor's grade). Under
  ``date`` a processor grade is turned into *đúng hạn* only when the dossier ended on its due
  day and was not made late by Decision 766's supplement rule; a dossier not yet graded is
  graded here from its end and due moment.
* **in progress at period end** = received before ``end`` and not ended before ``end``:
  *quá hạn* if it was flagged overdue (scope dossier) for a due moment before ``end``, else
  *trong hạn*.

Invariant: received total = resolved total + in-progress total. *Of which due estimated* counts
the dossiers in progress whose due crosses holidays not yet announced (calendar_status).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable

from sinks.reports.periods import Period
from stream_processors.core.calendar import WorkingCalendar
from stream_processors.core.classification import Granularity, classify_resolved
from stream_processors.core.vntime import to_vn

__all__ = ["DossierFacts", "Bieu06Row", "bieu06", "COLUMNS", "DEFAULT_GRADING"]

DEFAULT_GRADING = Granularity.DATE

COLUMNS = ("grading", "agency", "agency_name", "received_total", "received_online",
           "received_in_person_post", "carried_over", "resolved_total", "resolved_truoc_han",
           "resolved_dung_han", "resolved_qua_han", "in_progress_total", "in_progress_trong_han",
           "in_progress_qua_han", "in_progress_due_estimated")


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
    grading: str = DEFAULT_GRADING.value
    received_online: int = 0
    received_in_person_post: int = 0
    carried_over: int = 0
    resolved_truoc_han: int = 0
    resolved_dung_han: int = 0
    resolved_qua_han: int = 0
    in_progress_trong_han: int = 0
    in_progress_qua_han: int = 0
    in_progress_due_estimated: int = 0  # of those in progress: due crosses unannounced holidays

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
        for f in dataclasses.fields(self)[3:]:
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def _grade(d: DossierFacts, grading: Granularity) -> str:
    graded = d.classification in ("truoc_han", "dung_han", "qua_han")
    if d.due_at is None or d.ended_at is None:
        return d.classification if graded else "dung_han"
    if not graded:
        return classify_resolved(d.ended_at, d.due_at, granularity=grading).value
    if grading is Granularity.DATE and _day(d.ended_at) == _day(d.due_at) \
            and (d.classification != "qua_han" or d.ended_at > d.due_at):
        return "dung_han"  # finished on the due day; a 766 supplement-rule qua_han stays late
    return d.classification  # the processor graded to the minute


def _day(moment: dt.datetime) -> dt.date:
    return to_vn(moment, "moment").date()


def _count(row: Bieu06Row, d: DossierFacts, p: Period, grading: Granularity,
           estimated: Callable[[DossierFacts], bool]) -> None:
    if d.received_at >= p.end or (d.ended_at is not None and d.ended_at < p.start):
        return
    if d.received_at < p.start:
        row.carried_over += 1
    elif d.channel == "online":
        row.received_online += 1
    else:
        row.received_in_person_post += 1
    if d.ended_at is not None and d.ended_at < p.end:
        name = "resolved_" + _grade(d, grading)
        setattr(row, name, getattr(row, name) + 1)
    else:
        if any(due < p.end for due in d.overdue_due_ats):
            row.in_progress_qua_han += 1
        else:
            row.in_progress_trong_han += 1
        row.in_progress_due_estimated += estimated(d)


def bieu06(facts: Iterable[DossierFacts], period: Period, agency: str | None = None,
           grading: Granularity = DEFAULT_GRADING,
           calendar: WorkingCalendar | None = None) -> list[Bieu06Row]:
    """Rows per agency (sorted by code) and a final ``TOTAL`` row; each row names its grading.

    With ``calendar``, ``in_progress_due_estimated`` counts the dossiers in progress whose due
    moment crosses a holiday window the calendar marks as estimated (not yet announced).
    """
    def estimated(d: DossierFacts) -> bool:
        return bool(calendar and d.due_at and calendar.estimates(_day(d.received_at),
                                                                 _day(d.due_at)))
    grading = Granularity(grading)
    rows: dict[str, Bieu06Row] = {}
    for d in facts:
        if agency is not None and d.agency != agency:
            continue
        row = rows.setdefault(d.agency, Bieu06Row(d.agency, d.agency_name, grading.value))
        _count(row, d, period, grading, estimated)
    out = [rows[k] for k in sorted(rows) if rows[k].received_total]
    total = Bieu06Row("TOTAL", "Tổng cộng", grading.value)
    for r in out:
        total.add(r)
    return out + [total]
