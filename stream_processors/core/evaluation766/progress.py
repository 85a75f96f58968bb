"""Group 2 (tiến độ) and the dossier-satisfaction indicator 5.3: the portal's scope rules.

A dossier counts in period ``[start, end)`` judged at ``at`` when it was received (or rejected)
before ``at`` and had not ended before ``start``:

* ended in the period (by NgayKetThucXuLy, else NgayTra) — resolved, **rejected, stopped or
  withdrawn alike** — on time when its end is not after its due moment (a rejection at the desk
  has no due moment and is on time);
* still open at ``at`` — on time while its due moment has not passed at ``at`` (the period
  end, or now for a running period); **one** supplement request still open ends its clock at the
  request, so it is judged at the request moment;
* **more than one** supplement request = overdue, whatever the dates.
Moments are compared to the minute (``classification``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from stream_processors.core.classification import (Outcome, classify_in_progress,
                                                   classify_resolved)
from stream_processors.core.evaluation766.facts import RESOLVED, Period, ScoredDossier
from stream_processors.core.evaluation766.score import IndicatorScore, scored
from stream_processors.core.evaluation766.weights import IndicatorSpec

__all__ = ["in_scope", "on_time", "on_time_ratio", "average_days", "dossier_satisfaction",
           "SUPPLEMENT_LIMIT"]

SUPPLEMENT_LIMIT = 1
_DAY = 86400.0


def in_scope(d: ScoredDossier, period: Period) -> bool:
    """Received or handled in the period (see the module doc)."""
    started, end = d.started, d.end
    if started is None or started >= period.at:
        return False
    return end is None or end >= period.start


def on_time(d: ScoredDossier, at: datetime) -> bool:
    """Finished on time, or in progress within the deadline at ``at``."""
    if d.supplements > SUPPLEMENT_LIMIT:
        return False
    end = d.end
    if end is not None and end < at:
        if d.due_at is None:
            return True
        return classify_resolved(end, d.due_at) is not Outcome.QUA_HAN
    if d.due_at is None:
        return True
    judged = d.supplement_open_since if d.supplement_open_since is not None else at
    return classify_in_progress(d.due_at, min(judged, at)) is Outcome.TRONG_HAN


def on_time_ratio(spec: IndicatorSpec, dossiers: Iterable[ScoredDossier],
                  period: Period) -> IndicatorScore:
    """2.1: (finished on time + in progress within deadline) ÷ all in scope."""
    scope = [d for d in dossiers if in_scope(d, period)]
    late = tuple(d.code for d in scope if not on_time(d, period.at))
    return scored(spec, len(scope) - len(late), len(scope), late,
                  "no dossier received or handled in the period")


def average_days(spec: IndicatorSpec, dossiers: Iterable[ScoredDossier],
                 period: Period) -> IndicatorScore:
    """2.2: mean calendar days from receipt to end of dossiers resolved in the period (no points)."""
    days = [(d.end - d.received_at).total_seconds() / _DAY for d in dossiers
            if d.end_status in RESOLVED and d.received_at is not None and d.end is not None
            and period.start <= d.end < period.at]
    if not days:
        return scored(spec, 0, 0, empty="no dossier resolved in the period")
    mean = sum(days) / len(days)
    return IndicatorScore(spec.code, spec.max, sum(days), len(days), mean, 0.0)


def dossier_satisfaction(spec: IndicatorSpec, dossiers: Iterable[ScoredDossier],
                         period: Period) -> IndicatorScore:
    """5.3: 1 − (overdue share + share rated khong_hai_long or with a complaint), floored at 0;
    full points at the threshold (90%)."""
    scope = [d for d in dossiers if in_scope(d, period)]
    late = {d.code for d in scope if not on_time(d, period.at)}
    disliked = {d.code for d in scope if d.complaint or d.satisfaction == "khong_hai_long"}
    good = max(0, len(scope) - len(late) - len(disliked))
    return scored(spec, good, len(scope), tuple(late | disliked),
                  "no dossier received or handled in the period")
