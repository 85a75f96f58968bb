"""SQL side of the letters: reading and writing ``letters``, ``letter_dossiers``, deliveries.

Every insert is the dialect's ``insert(...).on_conflict_do_nothing()`` on the table's natural key
(letter = dossier + due version, delivery = letter + channel), so redelivery never duplicates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, select, update

from schemas import lifecycle as L
from schemas.cloudevents import Event
from schemas.model import encode
from sinks.db.tables import deliveries, letter_dossiers, letters, print_queue

__all__ = ["save_dossier", "get_dossier", "letters_of", "insert_letter", "update_letter",
           "enqueue_deliveries"]


def save_dossier(conn: Connection, insert: Any, event: Event) -> None:
    d: L.DossierReceived = event.data
    row = dict(dossier_code=d.dossier_code, procedure_name=d.procedure_name,
               receiving_agency=d.receiving_agency, handling_agency=d.handling_agency,
               handling_agency_name=d.handling_agency_name, channel=d.channel.value,
               received_at=event.time, appointment_at=d.appointment_at,
               applicant=encode(d.applicant))
    stmt = insert(letter_dossiers).values(**row)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=[letter_dossiers.c.dossier_code],
        set_={k: stmt.excluded[k] for k in row if k != "dossier_code"}))


def get_dossier(conn: Connection, code: str) -> Any:
    return conn.execute(select(letter_dossiers).where(letter_dossiers.c.dossier_code == code)).first()


def letters_of(conn: Connection, code: str) -> list[Any]:
    q = select(letters).where(letters.c.dossier_code == code).order_by(letters.c.due_version)
    return list(conn.execute(q))


def insert_letter(conn: Connection, insert: Any, row: dict[str, Any]) -> bool:
    """Insert a letter unless one exists for its (dossier, due version); True if inserted."""
    result = conn.execute(insert(letters).values(**row).on_conflict_do_nothing())
    return result.rowcount == 1


def update_letter(conn: Connection, letter_id: str, **values: Any) -> None:
    conn.execute(update(letters).where(letters.c.letter_id == letter_id).values(**values))


def enqueue_deliveries(conn: Connection, insert: Any, letter_id: str, channels: tuple[str, ...],
                       now: dt.datetime) -> None:
    for channel in channels:
        if channel == "paper":
            conn.execute(insert(print_queue).values(letter_id=letter_id, queued_at=now)
                         .on_conflict_do_nothing())
        else:
            conn.execute(insert(deliveries).values(
                letter_id=letter_id, channel=channel, state="pending", attempts=0,
                next_attempt_at=now).on_conflict_do_nothing())
