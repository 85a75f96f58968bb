"""How long a dossier stays in the worker's hot state, and what a record for one that left means.

An **ended** dossier stays until its latest event is ``max(ctx.tolerance, ctx.retention)`` old
(the partition's watermark in event-time mode, the wall clock in wall mode): long enough for any
late event the tolerance still reorders into it, and for the events that legitimately follow an
end (the result returned after *đã xử lý xong*, the applicant's feedback). Then it is **evicted**:
deleted from the Table (a tombstone on the changelog). Its record is kept by the reporting
database (facts, classification, flags); the worker no longer needs it. Open dossiers stay.

A later record for an evicted dossier finds no state. One that cannot start a dossier and whose
code (``agency-yyMMdd-nnnn``) dates from before the retention is dead-lettered with reason
``dossier_evicted`` (:func:`evicted_reason`), instead of the ``illegal_transition`` an unknown
dossier gets otherwise, so an operator sees why.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from schemas import lifecycle as lc
from schemas.cloudevents import Event
from stream_processors.core.deadlines import pending_deadlines
from stream_processors.core.dossier_state import DossierState
from stream_processors.core.transitions import Context
from stream_processors.core.vntime import to_vn

__all__ = ["EVICTED", "evict_at", "evictable", "next_moment", "evicted_reason"]

EVICTED = "dossier_evicted"
_STARTS = (lc.DossierSubmitted, lc.DossierReceived)


def keep_for(ctx: Context) -> timedelta:
    return max(ctx.tolerance, ctx.retention)


def evict_at(state: DossierState, ctx: Context) -> datetime | None:
    """When an ended dossier leaves the hot state; None while it is open."""
    if not state.is_ended or state.last_time is None:
        return None
    return state.last_time + keep_for(ctx)


def evictable(state: DossierState, now: datetime, ctx: Context) -> bool:
    moment = evict_at(state, ctx)
    return moment is not None and moment <= now


def next_moment(state: DossierState, ctx: Context) -> datetime | None:
    """The dossier's next moment in the deadline index: its earliest pending deadline while it
    is open, its eviction once it ended."""
    pending = pending_deadlines(state)
    if pending:
        return min(d.fire_at for d in pending)
    return evict_at(state, ctx)


def evicted_reason(event: Event, now: datetime | None, ctx: Context) -> str | None:
    """For a record of a dossier with no state: a dead-letter detail if the dossier must have
    ended and been evicted (see the module docstring), else None (the usual rules apply)."""
    if now is None or isinstance(event.data, _STARTS):
        return None
    filed = _code_date(event.subject)
    if filed is None or filed >= (to_vn(now, "now") - keep_for(ctx)).date():
        return None
    return (f"{event.type} for dossier {event.subject}, which has no state: filed {filed}, it "
            f"ended and left the worker's state {keep_for(ctx)} after its latest event (the "
            f"reporting database keeps its record), or it was never received")


def _code_date(code: str) -> date | None:
    try:
        day = code.rsplit("-", 2)[1]
        return date(2000 + int(day[:2]), int(day[2:4]), int(day[4:6]))
    except (IndexError, ValueError):
        return None
