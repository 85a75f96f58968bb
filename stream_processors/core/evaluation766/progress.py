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
Moments are compared to the minute, like ``classification`` (Granularity.MOMENT).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime

from stream_processors.core.evaluation766.facts import RESOLVED, Period, ScoredDossier
from stream_processors.core.evaluation766.score import IndicatorScore, scored
from stream_processors.core.evaluation766.weights import IndicatorSpec

__all__ = ["in_scope", "on_time", "on_time_ratio", "average_days", "dossier_satisfaction",
           "SUPPLEMENT_LIMIT"]

SUPPLEMENT_LIMIT = 1
_DAY = 86400.0


def in_scope(d: ScoredDossier, period: Period) -> bool:
    """Received or handled in the period (see the module doc)."""
    started, end = d.started_s, d.end_s
    if started is None or started >= period.at_s:
        return False
    return end is None or end >= period.start_s


def on_time(d: ScoredDossier, at: datetime, at_s: float | None = None) -> bool:
    """Finished on time, or in progress within the deadline at ``at`` (``at_s`` its Unix
    seconds, when the caller has them)."""
    at_s = at.timestamp() if at_s is None else at_s
    if d.supplements > SUPPLEMENT_LIMIT:
        return False
    end = d.end_s
    if end is not None and end < at_s:
        return d.due_at is None or d.end_minute <= d.due_minute
    if d.due_at is None:
        return True
    judged = int(at_s) // 60
    if d.open_since_minute is not None:
        judged = min(judged, d.open_since_minute)
    return d.due_minute >= judged


def on_time_ratio(spec: IndicatorSpec, dossiers: Iterable[ScoredDossier],
                  period: Period) -> IndicatorScore:
    """2.1: (finished on time + in progress within deadline) ÷ all in scope."""
    scope = [d for d in dossiers if in_scope(d, period)]
    late = tuple(d.code for d in scope if not on_time(d, period.at, period.at_s))
    return scored(spec, len(scope) - len(late), len(scope), late,
                  "no dossier received or handled in the period")


def average_days(spec: IndicatorSpec, dossiers: Iterable[ScoredDossier],
                 period: Period) -> IndicatorScore:
    """2.2: mean calendar days from receipt to end of dossiers resolved in the period (no points)."""
    days = [(d.end_s - d.received_s) / _DAY for d in dossiers
            if d.end_status in RESOLVED and d.received_s is not None and d.end_s is not None
            and period.start_s <= d.end_s < period.at_s]
    if not days:
        return scored(spec, 0, 0, empty="no dossier resolved in the period")
    # fsum is exactly rounded: the same facts give the same value in any order (a restarted
    # worker restores them in another order than an uninterrupted one)
    total = math.fsum(days)
    return IndicatorScore(spec.code, spec.max, total, len(days), total / len(days), 0.0)


def dossier_satisfaction(spec: IndicatorSpec, dossiers: Iterable[ScoredDossier],
                         period: Period) -> IndicatorScore:
    """5.3: 1 − (overdue share + share rated khong_hai_long or with a complaint), floored at 0;
    full points at the threshold (90%)."""
    scope = [d for d in dossiers if in_scope(d, period)]
    late = {d.code for d in scope if not on_time(d, period.at, period.at_s)}
    disliked = {d.code for d in scope if d.complaint or d.satisfaction == "khong_hai_long"}
    good = max(0, len(scope) - len(late) - len(disliked))
    return scored(spec, good, len(scope), tuple(late | disliked),
                  "no dossier received or handled in the period")
