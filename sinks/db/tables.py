"""SQL tables of the sinks (SQLAlchemy Core), the single description the Alembic migrations follow.

Moments are stored as timezone-aware ``DateTime(timezone=True)``; SQLite keeps them as ISO text
and :func:`aware` puts the offset back (values are written in UTC). Two groups of tables:

* **reporting** (``motcua sink db``): ``dossiers``, ``dossier_flags``, ``classifications``,
  ``metric_snapshots``, ``supplement_requests``, ``feedback``, ``feedback_steps`` — projections
  with idempotent upserts.
* **letters** (``motcua sink letters``): ``letter_dossiers`` (the applicant and filing details the
  letter needs), ``letter_pending`` (flags that arrived before their dossier), ``letters`` (one
  per dossier and due version), ``deliveries`` (one per letter and channel), ``print_queue``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (JSON, BigInteger, Boolean, Column, DateTime, Integer, MetaData, String,
                        Table, Text,
                        TypeDecorator, UniqueConstraint)

__all__ = ["metadata", "dossiers", "dossier_flags", "classifications", "metric_snapshots",
           "supplement_requests", "feedback", "feedback_steps",
           "letter_dossiers", "letter_pending", "letters", "deliveries", "print_queue", "aware"]

metadata = MetaData()


class UtcDateTime(TypeDecorator):
    """An aware moment stored in UTC (``timestamptz`` on PostgreSQL, ISO text on SQLite).

    SQLite keeps no offset, so every value is converted to UTC on the way in and comes back
    aware (UTC); comparisons in SQL are then correct on both dialects.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # noqa: ANN001, ANN201
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the sinks store aware moments only")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):  # noqa: ANN001, ANN201
        return aware(value)


TS = UtcDateTime()


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """A moment read back from the DB as an aware datetime (SQLite drops the offset; we write UTC)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.timezone.utc)


dossiers = Table(
    "dossiers", metadata,
    Column("dossier_code", String(64), primary_key=True),
    Column("procedure_code", String(32)),
    Column("procedure_name", String(300)),
    Column("field_code", String(64)),
    Column("receiving_agency", String(32)),
    Column("handling_agency", String(32)),
    Column("handling_agency_name", String(300)),
    Column("level", String(16)),
    Column("channel", String(16)),
    Column("received_at", TS),
    Column("appointment_at", TS),
    Column("due_at", TS),
    Column("due_version", Integer, nullable=False, default=1),
    Column("status", Integer, nullable=False),
    Column("status_at", TS, nullable=False),
    Column("ended_at", TS),
    Column("end_status", Integer),
    Column("classification", String(16)),
    Column("apology_issued_at", TS),
    # Decision 766 (migration 0002); NULL = not reported
    Column("returned_at", TS),
    Column("supplement_open_since", TS),
    Column("fees_vnd", BigInteger),
    Column("paid_online", Boolean),
    Column("digitised", Boolean),
    Column("reused", Boolean),
    Column("vneid", Boolean),
    Column("result_electronic", Boolean),
    Column("satisfaction", String(16)),
    Column("complaint", Boolean),
)

supplement_requests = Table(
    "supplement_requests", metadata,
    Column("event_id", String(200), primary_key=True),
    Column("dossier_code", String(64), nullable=False, index=True),
    Column("requested_at", TS, nullable=False),
)

feedback = Table(
    "feedback", metadata,
    Column("feedback_id", String(100), primary_key=True),
    Column("agency", String(32), nullable=False),
    Column("received_at", TS, nullable=False),
    Column("subject", String(300), nullable=False),
    Column("dossier_code", String(64)),
    Column("satisfied", Boolean),
)

feedback_steps = Table(
    "feedback_steps", metadata,
    Column("feedback_id", String(100), primary_key=True),
    Column("action", String(16), primary_key=True),
    Column("at", TS, nullable=False),  # the first time this step was taken
)

dossier_flags = Table(
    "dossier_flags", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dossier_code", String(64), nullable=False, index=True),
    Column("kind", String(16), nullable=False),       # at_risk | overdue
    Column("scope", String(16), nullable=False),      # dossier | step
    Column("due_version", Integer, nullable=False),
    Column("step", Integer, nullable=False, default=0),  # 0 for dossier-scope flags
    Column("due_at", TS, nullable=False),
    Column("apology_deadline", TS),
    Column("responsible_agency", String(32), nullable=False),
    Column("flagged_at", TS, nullable=False),
    Column("event_id", String(200), nullable=False),
    Column("due_estimate", Text),  # why the due is an estimate (unannounced holidays; 0003)
    UniqueConstraint("dossier_code", "kind", "scope", "due_version", "step", name="uq_flag"),
)

classifications = Table(
    "classifications", metadata,
    Column("dossier_code", String(64), primary_key=True),
    Column("procedure_code", String(32), nullable=False),
    Column("handling_agency", String(32), nullable=False),
    Column("classification", String(16), nullable=False),
    Column("ended_at", TS, nullable=False),
    Column("due_at", TS, nullable=False),
    Column("due_version", Integer, nullable=False),
    Column("used_minutes", Integer, nullable=False),
    Column("statutory_minutes", Integer, nullable=False),
    Column("supplement_requests", Integer, nullable=False),
    Column("end_status", Integer, nullable=False),
    Column("event_id", String(200), nullable=False),
    Column("statutory_due_at", TS),  # the catalog's due at receipt (migration 0003)
    Column("due_basis", String(16)),  # appointment | statutory: what due_at is
)

metric_snapshots = Table(
    "metric_snapshots", metadata,
    Column("snapshot_key", String(400), primary_key=True),  # {scope}:{key}:{window}
    Column("scope", String(16), nullable=False),
    Column("key", String(300), nullable=False),
    Column("window", String(32), nullable=False),
    Column("period_start", TS, nullable=False),
    Column("period_end", TS, nullable=False),
    Column("as_of", TS, nullable=False),
    Column("metric_values", JSON, nullable=False),
)

letter_dossiers = Table(
    "letter_dossiers", metadata,
    Column("dossier_code", String(64), primary_key=True),
    Column("procedure_name", String(300), nullable=False),
    Column("receiving_agency", String(32), nullable=False),
    Column("handling_agency", String(32), nullable=False),
    Column("handling_agency_name", String(300), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("received_at", TS, nullable=False),
    Column("appointment_at", TS, nullable=False),
    Column("applicant", JSON, nullable=False),  # personal data: name, address, phone, email
)

letter_pending = Table(
    "letter_pending", metadata,
    Column("event_id", String(200), primary_key=True),
    Column("dossier_code", String(64), nullable=False, index=True),
    Column("event", JSON, nullable=False),  # structured CloudEvent (schemas.cloudevents.to_json)
    Column("parked_at", TS, nullable=False),
)

letters = Table(
    "letters", metadata,
    Column("letter_id", String(100), primary_key=True),  # {dossier_code}-v{due_version}
    Column("dossier_code", String(64), nullable=False),
    Column("due_version", Integer, nullable=False),
    Column("rule_version", String(32), nullable=False),
    Column("form", String(300), nullable=False),
    Column("state", String(16), nullable=False),  # drafted | issued_on_time | issued_late | missed
    Column("causing_agency", String(32), nullable=False),
    Column("causing_agency_name", String(300), nullable=False),
    Column("due_at", TS, nullable=False),
    Column("apology_deadline", TS),
    Column("proposed_appointment_at", TS, nullable=False),
    Column("new_appointment_at", TS),
    Column("reason", String(300)),
    Column("letter_number", String(64)),
    Column("drafted_at", TS, nullable=False),
    Column("issued_at", TS),
    Column("missed_at", TS),
    Column("html_path", Text),
    Column("pdf_path", Text),
    Column("published_at", TS),  # outbox: LetterDrafted sent to the apology-letters topic
    UniqueConstraint("dossier_code", "due_version", name="uq_letter_dossier_version"),
)

deliveries = Table(
    "deliveries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("letter_id", String(100), nullable=False),
    Column("channel", String(16), nullable=False),  # email | webhook
    Column("state", String(16), nullable=False),    # pending | sending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", TS, nullable=False),
    Column("last_error", Text),
    Column("acknowledged_at", TS),
    UniqueConstraint("letter_id", "channel", name="uq_delivery_letter_channel"),
)

print_queue = Table(
    "print_queue", metadata,
    Column("letter_id", String(100), primary_key=True),
    Column("queued_at", TS, nullable=False),
    Column("printed_at", TS),
)
