"""Encoding a DossierClock to a dict of JSON types and back (for a faust Table).

The dict carries ``schema`` (currently 1) so a later layout can be migrated. Moments are ISO 8601
strings with the +07:00 offset; decoding reads them back in Vietnam time, so
``from_dict(to_dict(c)) == c`` and ``to_dict(from_dict(d)) == d`` hold exactly.
"""

from __future__ import annotations

from typing import Any

from stream_processors.core.clock_records import Pause, PauseReason, Step, from_iso, iso
from stream_processors.core.durations import Duration
from stream_processors.core.exceptions import ClockStateError

__all__ = ["SCHEMA", "encode", "decode"]

SCHEMA = 1
_MOMENTS = ("received_at", "started_at", "frozen_due_at", "stored_apology_deadline",
            "paused_at", "closed_at")
_OPTIONAL_MOMENTS = ("stored_at_risk_at", "statutory_due_at", "appointment_at")  # absent from
# clocks stored before they existed
_COUNTS = ("due_version", "reschedules", "supplement_requests")


def encode(clock: Any) -> dict[str, Any]:
    """The clock's fields as JSON types (see module docstring)."""
    data: dict[str, Any] = {"schema": SCHEMA, "rule_version": clock.rule_version,
                            "duration": clock.duration.to_dict()}
    data.update({name: iso(getattr(clock, name)) for name in _MOMENTS + _OPTIONAL_MOMENTS})
    data.update({name: getattr(clock, name) for name in _COUNTS})
    data["pause_reason"] = clock.pause_reason.value if clock.pause_reason else None
    data["due_basis"] = clock.due_basis
    data["due_estimate"] = clock.due_estimate
    data["rederivations"] = clock.rederivations
    data["pauses"] = [p.to_dict() for p in clock.pauses]
    data["steps"] = [s.to_dict() for s in clock.steps]
    return data


def decode(data: dict[str, Any]) -> dict[str, Any]:
    """Constructor keyword arguments for DossierClock from an :func:`encode` dict."""
    if data.get("schema") != SCHEMA:
        raise ClockStateError(f"schema: expected {SCHEMA}, got {data.get('schema')!r}")
    fields: dict[str, Any] = {"rule_version": data["rule_version"],
                              "duration": Duration.from_dict(data["duration"])}
    fields.update({name: from_iso(data[name], name) for name in _MOMENTS})
    fields.update({name: from_iso(data.get(name), name) for name in _OPTIONAL_MOMENTS})
    fields.update({name: int(data[name]) for name in _COUNTS})
    fields["due_basis"] = data.get("due_basis", "statutory")
    fields["due_estimate"] = data.get("due_estimate")
    fields["rederivations"] = int(data.get("rederivations", 0))
    reason = data["pause_reason"]
    fields["pause_reason"] = PauseReason(reason) if reason else None
    fields["pauses"] = tuple(Pause.from_dict(p) for p in data["pauses"])
    fields["steps"] = tuple(Step.from_dict(s) for s in data["steps"])
    return fields
