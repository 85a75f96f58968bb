"""Biểu 06 (Circular 01/2020/TT-VPCP) classification of dossiers against their due moment.

* resolved: ``truoc_han`` (end < due), ``dung_han`` (end = due), ``qua_han`` (end > due);
* in progress at a moment ``at``: ``trong_han`` (due ≥ at), ``qua_han`` (due < at).

**Granularity** is explicit. :attr:`Granularity.MOMENT` (the default) compares moments truncated to
the whole minute in Vietnam time — the resolution of NgayHenTra and of the clock — so *đúng hạn*
means "finished within the due minute" and almost every on-time dossier is *trước hạn*; this is
the 766 test ``NgayKetThucXuLy ≤ NgayHenTra``. :attr:`Granularity.DATE` compares Vietnam calendar
dates, so *đúng hạn* means "finished on the due day" (as some Biểu 06 reports count it).
Either way, trước hạn + đúng hạn is the same set as "not late" at that granularity.

Decision 766: more than ``supplement_limit`` (1) supplement requests ⇒ ``qua_han`` regardless.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from stream_processors.core.clock import DossierClock, Step
from stream_processors.core.exceptions import ClockStateError
from stream_processors.core.vntime import to_minute, to_vn

__all__ = ["Granularity", "Outcome", "DEFAULT_GRANULARITY", "classify_resolved",
           "classify_in_progress", "classify_clock", "classify_step"]


class Granularity(str, Enum):
    MOMENT = "moment"  # to the minute
    DATE = "date"  # Vietnam calendar date


class Outcome(str, Enum):
    TRUOC_HAN = "truoc_han"  # resolved before the due
    DUNG_HAN = "dung_han"  # resolved at the due
    QUA_HAN = "qua_han"  # resolved after, or in progress past, the due
    TRONG_HAN = "trong_han"  # in progress, not yet past the due


DEFAULT_GRANULARITY = Granularity.MOMENT


def _key(moment: datetime, param: str, granularity: Granularity) -> Any:
    local = to_vn(moment, param)
    return to_minute(local) if Granularity(granularity) is Granularity.MOMENT else local.date()


def classify_resolved(ended_at: datetime, due_at: datetime, *, supplement_requests: int = 0,
                      granularity: Granularity = DEFAULT_GRANULARITY,
                      supplement_limit: int = 1) -> Outcome:
    """Outcome of a dossier whose processing ended at ``ended_at`` (NgayKetThucXuLy)."""
    end, due = _key(ended_at, "ended_at", granularity), _key(due_at, "due_at", granularity)
    if supplement_requests > supplement_limit or end > due:
        return Outcome.QUA_HAN
    return Outcome.DUNG_HAN if end == due else Outcome.TRUOC_HAN


def classify_in_progress(due_at: datetime, at: datetime, *, supplement_requests: int = 0,
                         granularity: Granularity = DEFAULT_GRANULARITY,
                         supplement_limit: int = 1) -> Outcome:
    """Outcome at ``at`` (period end or now) of a dossier still being processed."""
    due, now = _key(due_at, "due_at", granularity), _key(at, "at", granularity)
    if supplement_requests > supplement_limit or due < now:
        return Outcome.QUA_HAN
    return Outcome.TRONG_HAN


def classify_clock(clock: DossierClock, at: datetime,
                   granularity: Granularity = DEFAULT_GRANULARITY) -> Outcome:
    """Classify a clock at ``at``: resolved by its effective end if closed, else in progress.

    A paused clock is judged at its pause start against the frozen due (waiting for the
    applicant is not held against the agency), so it stays ``trong_han`` unless already late.
    """
    options = {"supplement_requests": clock.supplement_requests, "granularity": granularity,
               "supplement_limit": clock.rules.supplement_requests_late_above}
    if clock.is_closed:
        return classify_resolved(clock.effective_end, clock.frozen_due_at, **options)
    return classify_in_progress(clock.frozen_due_at, clock.paused_at or at, **options)


def classify_step(step: Step, at: datetime | None = None,
                  granularity: Granularity = DEFAULT_GRANULARITY) -> Outcome:
    """A liên thông step's result for the Phiếu kiểm soát: by ``left_at``, or in progress at ``at``."""
    if step.left_at is not None:
        return classify_resolved(step.left_at, step.deadline, granularity=granularity)
    if at is None:
        raise ClockStateError("at is required to classify a step that is still open")
    return classify_in_progress(step.deadline, at, granularity=granularity)
