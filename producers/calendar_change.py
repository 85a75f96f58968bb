"""The ``calendar.changed`` event of an operator's change (CLI ``calendar set``, ingest API)."""

from __future__ import annotations

import datetime as dt
import uuid

from schemas.calendar import CalendarChanged
from schemas.cloudevents import Event

__all__ = ["change_event"]

_NAMESPACE = uuid.UUID("3d0b1f6e-2f7a-4c55-9a8e-7b7c1f0c2a17")


def change_event(change: CalendarChanged, source: str) -> Event:
    """The event of ``change``; its id is derived from the change, so publishing the same
    change twice yields one event id (consumers dedupe; workers re-issue nothing twice)."""
    ident = uuid.uuid5(_NAMESPACE, f"{change.calendar_key}|{change.kind}|{change.source}")
    return Event.new(change, time=dt.datetime.now(dt.timezone.utc), source=source, id=str(ident))
