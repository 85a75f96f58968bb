"""Projection of events into the reporting tables; every write is an idempotent upsert.

* ``dossiers``: one row per dossier. ``DossierReceived`` fills the filing details; every status
  event moves ``status``/``status_at`` only forward in event time, so replays and late duplicates
  never move a dossier back. The ending events (3, 7, 8, 9) set ``ended_at`` once ("Đã xử lý
  xong" wins over "Đã trả kết quả", which never sets it). ``due_at`` follows the latest due
  version seen (flags, apology, classification); the classification's due moment wins over
  earlier values of its own version, so the dossier and its grade agree.
* ``dossier_flags``: one row per (dossier, kind, scope, due version, step): insert-or-ignore.
* ``classifications``: one row per dossier, the latest grading wins.
* ``metric_snapshots``: one row per ``{scope}:{key}:{window}``, replaced only by a newer ``as_of``.
* Decision 766 data on ``dossiers`` (fees, payment, digitisation, VNeID, result link, returned_at,
  the open supplement request, satisfaction), each set from the event that reports it: payment
  and complaints only ever turn on, ``returned_at`` is set once. ``supplement_requests``: one
  row per request event (counted, so redelivery does not inflate it). ``feedback`` /
  ``feedback_steps``: one row per PAKN and per (PAKN, step), the first moment wins.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, or_, update

from schemas import derived, feedback as F, lifecycle as L
from schemas.cloudevents import Event
from sinks.db.tables import (classifications, dossier_flags, dossiers, feedback, feedback_steps,
                             metric_snapshots, supplement_requests)

__all__ = ["apply_event", "ENDING_STATUSES"]

ENDING_STATUSES = frozenset({3, 7, 8, 9})


def apply_event(conn: Connection, insert: Any, event: Event) -> bool:
    """Apply one event; False when its type is not projected (e.g. heartbeats)."""
    handler = _HANDLERS.get(type(event.data))
    if handler is None:
        status = event.event_type.status
        if status is None:
            return False
        _status(conn, insert, event, int(status))
        return True
    handler(conn, insert, event)
    return True


def _status(conn: Connection, insert: Any, event: Event, status: int) -> None:
    code, at = event.data.dossier_code, event.time
    stmt = insert(dossiers).values(dossier_code=code, status=status, status_at=at, due_version=1)
    c = dossiers.c
    newer = stmt.excluded.status_at >= c.status_at
    stmt = stmt.on_conflict_do_update(index_elements=[c.dossier_code], set_={
        "status": stmt.excluded.status, "status_at": stmt.excluded.status_at}, where=newer)
    conn.execute(stmt)
    if status in ENDING_STATUSES:
        conn.execute(update(dossiers).where(c.dossier_code == code, c.ended_at.is_(None))
                     .values(ended_at=at, end_status=status))


def _received(conn: Connection, insert: Any, event: Event) -> None:
    d: L.DossierReceived = event.data
    details = dict(procedure_code=d.procedure_code, procedure_name=d.procedure_name,
                   field_code=d.field_code, receiving_agency=d.receiving_agency,
                   handling_agency=d.handling_agency, handling_agency_name=d.handling_agency_name,
                   level=d.level.value, channel=d.channel.value, received_at=event.time,
                   appointment_at=d.appointment_at)
    stmt = insert(dossiers).values(dossier_code=d.dossier_code, status=2, status_at=event.time,
                                   due_at=d.appointment_at, due_version=1, **details)
    stmt = stmt.on_conflict_do_update(index_elements=[dossiers.c.dossier_code], set_=details)
    conn.execute(stmt)
    c = dossiers.c
    services = {k: v for k, v in dict(
        fees_vnd=None if d.fees is None else sum(f.amount_vnd for f in d.fees),
        digitised=d.digitised, reused=d.reused_components, vneid=d.vneid_authenticated).items()
        if v is not None}
    if services:
        conn.execute(update(dossiers).where(c.dossier_code == d.dossier_code).values(**services))
    conn.execute(update(dossiers).where(c.dossier_code == d.dossier_code, c.due_at.is_(None))
                 .values(due_at=d.appointment_at))
    conn.execute(update(dossiers).where(c.dossier_code == d.dossier_code, c.status_at < event.time)
                 .values(status=2, status_at=event.time))


def _due(conn: Connection, code: str, due_at: Any, version: int) -> None:
    c = dossiers.c
    conn.execute(update(dossiers).where(
        c.dossier_code == code, or_(c.due_version < version,
                                    and_(c.due_version == version, c.due_at.is_(None))))
        .values(due_at=due_at, due_version=version))


def _flag(conn: Connection, insert: Any, event: Event) -> None:
    d = event.data
    at_risk = isinstance(d, derived.DossierAtRisk)
    row = dict(dossier_code=d.dossier_code, kind="at_risk" if at_risk else "overdue",
               scope="dossier" if at_risk else d.scope.value, due_version=d.due_version,
               step=0 if at_risk else (d.step or 0), due_at=d.due_at,
               apology_deadline=d.apology_deadline if at_risk else None,
               responsible_agency=d.responsible_agency, flagged_at=event.time, event_id=event.id,
               due_estimate=d.due_estimate)
    conn.execute(insert(dossier_flags).values(**row).on_conflict_do_nothing())
    _due(conn, d.dossier_code, d.due_at, d.due_version)


def _apology(conn: Connection, insert: Any, event: Event) -> None:
    d: L.ApologyIssued = event.data
    c = dossiers.c
    stmt = insert(dossiers).values(dossier_code=d.dossier_code, status=4, status_at=event.time,
                                   due_version=1).on_conflict_do_nothing()
    conn.execute(stmt)
    conn.execute(update(dossiers).where(c.dossier_code == d.dossier_code,
                                        c.apology_issued_at.is_(None))
                 .values(apology_issued_at=event.time))
    _due(conn, d.dossier_code, d.new_appointment_at, 2)


def _classified(conn: Connection, insert: Any, event: Event) -> None:
    d: derived.DossierClassified = event.data
    row = dict(dossier_code=d.dossier_code, procedure_code=d.procedure_code,
               handling_agency=d.handling_agency, classification=d.classification.value,
               ended_at=d.ended_at, due_at=d.due_at, due_version=d.due_version,
               used_minutes=d.used_minutes, statutory_minutes=d.statutory_minutes,
               supplement_requests=d.supplement_requests, end_status=d.end_status,
               event_id=event.id, statutory_due_at=d.statutory_due_at, due_basis=d.due_basis)
    stmt = insert(classifications).values(**row)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=[classifications.c.dossier_code],
        set_={k: stmt.excluded[k] for k in row if k != "dossier_code"}))
    c = dossiers.c
    conn.execute(insert(dossiers).values(dossier_code=d.dossier_code, status=d.end_status,
                                         status_at=d.ended_at, due_version=d.due_version,
                                         handling_agency=d.handling_agency,
                                         procedure_code=d.procedure_code)
                 .on_conflict_do_nothing())
    conn.execute(update(dossiers).where(c.dossier_code == d.dossier_code).values(
        classification=d.classification.value, ended_at=d.ended_at, end_status=d.end_status))
    # the grade's due moment is the last word on its version (a pause may have moved it since
    # the receipt's appointment), so the dossier and its classification agree
    conn.execute(update(dossiers).where(c.dossier_code == d.dossier_code,
                                        c.due_version <= d.due_version)
                 .values(due_at=d.due_at, due_version=d.due_version))


def _snapshot(conn: Connection, insert: Any, event: Event) -> None:
    d: derived.MetricSnapshot = event.data
    row = dict(snapshot_key=f"{d.scope}:{d.key}:{d.window}", scope=d.scope, key=d.key,
               window=d.window, period_start=d.period_start, period_end=d.period_end,
               as_of=d.as_of, metric_values=dict(d.values))
    stmt = insert(metric_snapshots).values(**row)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=[metric_snapshots.c.snapshot_key],
        set_={k: stmt.excluded[k] for k in row if k != "snapshot_key"},
        where=stmt.excluded.as_of > metric_snapshots.c.as_of))


def _with_status(extra: Any) -> Any:
    """A status event's handler: the usual status move, then ``extra``."""
    def handle(conn: Connection, insert: Any, event: Event) -> None:
        _status(conn, insert, event, int(event.event_type.status))
        extra(conn, insert, event)
    return handle


def _set(conn: Connection, code: str, *where: Any, **values: Any) -> None:
    conn.execute(update(dossiers).where(dossiers.c.dossier_code == code, *where).values(**values))


def _rejected(conn: Connection, insert: Any, event: Event) -> None:
    _set(conn, event.data.dossier_code, dossiers.c.handling_agency.is_(None),
         handling_agency=event.data.agency)


def _supplement_requested(conn: Connection, insert: Any, event: Event) -> None:
    code = event.data.dossier_code
    conn.execute(insert(supplement_requests).values(
        event_id=event.id, dossier_code=code, requested_at=event.time).on_conflict_do_nothing())
    c = dossiers.c
    _set(conn, code, or_(c.supplement_open_since.is_(None), c.supplement_open_since < event.time),
         c.status == 5, supplement_open_since=event.time)


def _supplement_received(conn: Connection, insert: Any, event: Event) -> None:
    c = dossiers.c
    _set(conn, event.data.dossier_code, c.supplement_open_since <= event.time,
         supplement_open_since=None)


def _resolved(conn: Connection, insert: Any, event: Event) -> None:
    d: L.DossierResolved = event.data
    if d.result_link is not None or d.result_digitised is not None:
        _set(conn, d.dossier_code, result_electronic=d.result_link is not None)


def _returned(conn: Connection, insert: Any, event: Event) -> None:
    _set(conn, event.data.dossier_code, dossiers.c.returned_at.is_(None), returned_at=event.time)


def _fee_paid(conn: Connection, insert: Any, event: Event) -> None:
    d: L.FeePaid = event.data
    conn.execute(insert(dossiers).values(dossier_code=d.dossier_code, status=2,
                                         status_at=event.time, due_version=1)
                 .on_conflict_do_nothing())
    c = dossiers.c
    _set(conn, d.dossier_code, or_(c.paid_online.is_(None), c.paid_online.is_(False)),
         paid_online=d.online)


def _feedback_given(conn: Connection, insert: Any, event: Event) -> None:
    d: L.FeedbackGiven = event.data
    values: dict[str, Any] = {"satisfaction": d.satisfaction}
    if d.complaint:
        values["complaint"] = True
    _set(conn, d.dossier_code, **values)


def _pakn_received(conn: Connection, insert: Any, event: Event) -> None:
    d: F.FeedbackReceived = event.data
    stmt = insert(feedback).values(feedback_id=d.feedback_id, agency=d.agency,
                                   received_at=event.time, subject=d.subject,
                                   dossier_code=d.dossier_code)
    conn.execute(stmt.on_conflict_do_nothing())


def _pakn_step(conn: Connection, insert: Any, event: Event) -> None:
    d: F.FeedbackStepTaken = event.data
    conn.execute(insert(feedback_steps).values(feedback_id=d.feedback_id, action=d.action.value,
                                               at=event.time).on_conflict_do_nothing())
    if d.satisfied is not None:
        conn.execute(update(feedback).where(feedback.c.feedback_id == d.feedback_id)
                     .values(satisfied=d.satisfied))


_HANDLERS = {
    L.DossierReceived: _received,
    L.DossierRejected: _with_status(_rejected),
    L.SupplementRequested: _with_status(_supplement_requested),
    L.SupplementReceived: _with_status(_supplement_received),
    L.DossierResolved: _with_status(_resolved),
    L.ResultReturned: _with_status(_returned),
    L.FeePaid: _fee_paid,
    L.FeedbackGiven: _feedback_given,
    F.FeedbackReceived: _pakn_received,
    F.FeedbackStepTaken: _pakn_step,
    L.ApologyIssued: _apology,
    derived.DossierAtRisk: _flag,
    derived.DossierOverdue: _flag,
    derived.DossierClassified: _classified,
    derived.MetricSnapshot: _snapshot,
}
