"""A dossier's **metric facts**: the small, flat record the compliance metrics are computed from.

The worker publishes a dossier's facts whenever they change, keyed by each metric scope it
belongs to (:func:`scope_keys`); the aggregator keeps the latest facts per (scope key, dossier)
and derives every metric from them (see ``compliance``). Keeping *latest values* rather than
increments makes the metrics idempotent under redelivery and replay.

On the wire, a lifecycle batch's changes are **bundled per scope key**: one ``metric-facts``
record per scope key per batch (:func:`encode_bundles`), its value
``{"entries": [{"code", "seq", "time", "facts"}, ...]}`` — one entry per dossier, ``facts``
None where the dossier no longer counts in that key. :func:`decode_bundle` also reads the
older one-entry value ``{"code", "seq", "time", "facts"}``.

Fields (JSON types): ``agency`` (handling), ``responsible`` (holding it now; None once ended),
``procedure``, ``field``, ``channel``, ``level``, ``four_step``, ``received_at``, ``due_at``,
``paused_at``, ``ended_at``, ``end_status``, ``class`` (Biểu 06, resolved only), ``used``,
``statutory`` (working minutes), ``supplements``, ``agencies`` (distinct in the chain),
``steps_late``, ``steps_equal``, ``apology`` (on_time | late | never | None), ``apology_at``,
``at_risk_open``, ``overdue_open``; for Decision 766 ``supplement_open_at`` (the open supplement
request's moment), ``satisfaction``, ``complaint`` and the dossier's ``services`` (``fees_vnd``,
``paid_online``, ``digitised``, ``reused``, ``vneid``, ``result_electronic``; absent = not
reported).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from stream_processors.core.clock_records import iso
from stream_processors.core.dossier_state import DossierState

__all__ = ["facts_of", "scope_keys", "SCOPES", "entry_json", "encode_bundles", "decode_bundle",
           "MAX_BUNDLE_BYTES"]

SCOPES = ("province", "agency", "procedure", "field", "channel")
RESOLVED_STATUSES = (9, 10)
#: A bundle's value stays below this (Kafka's default ``max.message.bytes`` is ~1 MB); a larger
#: bundle is split into several records of the same key.
MAX_BUNDLE_BYTES = 512 * 1024
_HEAD, _TAIL = b'{"entries":[', b"]}"
_FRAME = len(_HEAD) + len(_TAIL)


def facts_of(state: DossierState) -> dict[str, Any] | None:
    """The facts of a received dossier; None before receipt (it counts nowhere yet)."""
    r, clock = state.receipt, state.clock
    if r is None or clock is None:
        return None
    resolved = state.end_status in RESOLVED_STATUSES
    grade = state.grade if resolved else None
    steps = clock.steps
    return {
        "agency": r.handling_agency, "procedure": r.procedure_code, "field": r.field_code,
        "channel": r.channel, "level": r.level, "four_step": r.four_step,
        "responsible": None if state.is_ended else state.responsible_agency,
        "received_at": iso(clock.received_at), "due_at": iso(clock.frozen_due_at),
        "paused_at": iso(clock.paused_at), "ended_at": iso(state.ended_at),
        "end_status": state.end_status,
        "class": grade["class"] if grade else None,
        "used": grade["used"] if grade else None,
        "statutory": grade["statutory"] if grade else None,
        "supplements": clock.supplement_requests,
        "agencies": len({r.handling_agency, *(s.agency for s in steps)}),
        "steps_late": sum(1 for s in steps if _late(s) == 1),
        "steps_equal": sum(1 for s in steps if _late(s) == 0),
        **_apology(state),
        "at_risk_open": (not state.is_ended and state.apology is None
                         and any(f.startswith("at_risk:") for f in state.flags)),
        "overdue_open": not state.is_ended and any(f.startswith("overdue:") for f in state.flags),
        "supplement_open_at": iso(clock.paused_at) if state.status == 5 else None,
        "satisfaction": state.satisfaction, "complaint": state.complaint,
        "services": state.services,
    }


def _late(step: Any) -> int | None:
    """1 late, 0 exactly at the allowance, -1 within it, None if open or not measurable."""
    allowance = step.allowance.working_minutes()
    if step.used_minutes is None or allowance is None:
        return None
    return (step.used_minutes > allowance) - (step.used_minutes < allowance)


def _apology(state: DossierState) -> dict[str, Any]:
    if state.apology is not None:
        a = state.apology
        return {"apology": "on_time" if a.on_time else "late", "apology_at": iso(a.issued_at)}
    if "at_risk:1" in state.flags:
        deadline = state.clock.stored_apology_deadline
        return {"apology": "never", "apology_at": iso(deadline or state.clock.frozen_due_at)}
    return {"apology": None, "apology_at": None}


def scope_keys(facts: dict[str, Any] | None) -> set[str]:
    """The metric scope keys ``{scope}:{key}`` these facts count in (responsible agency too)."""
    if facts is None:
        return set()
    keys = {"province:all", f"agency:{facts['agency']}", f"procedure:{facts['procedure']}",
            f"field:{facts['field']}", f"channel:{facts['channel']}"}
    if facts["responsible"]:
        keys.add(f"agency:{facts['responsible']}")
    return keys


def entry_json(code: str, seq: int, time: str, facts_json: str) -> str:
    """One bundle entry as JSON text; ``facts_json`` is the facts already encoded (``"null"``
    when the dossier no longer counts in the key), so a dossier's facts are encoded once for
    all its keys."""
    return f'{{"code":{json.dumps(code)},"seq":{int(seq)},"time":{json.dumps(time)},' \
           f'"facts":{facts_json}}}'


def encode_bundles(entries: Iterable[str], max_bytes: int = MAX_BUNDLE_BYTES) -> list[bytes]:
    """Record values ``{"entries": [...]}`` holding ``entries`` (from :func:`entry_json`) in
    order, each value at most ``max_bytes`` long unless a single entry alone is longer."""
    values, chunk, size = [], [], _FRAME
    for entry in entries:
        raw = entry.encode()
        if chunk and size + 1 + len(raw) > max_bytes:
            values.append(_bundle(chunk))
            chunk, size = [], _FRAME
        size += len(raw) + (1 if chunk else 0)  # the comma before every entry but the first
        chunk.append(raw)
    if chunk:
        values.append(_bundle(chunk))
    return values


def _bundle(chunk: list[bytes]) -> bytes:
    return _HEAD + b",".join(chunk) + _TAIL


def decode_bundle(value: bytes) -> list[dict[str, Any]]:
    """The entries ``{"code", "seq", "time", "facts"}`` of a ``metric-facts`` record value."""
    body = json.loads(value)
    return body["entries"] if "entries" in body else [body]
