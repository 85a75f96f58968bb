"""Reading the facts the reports need from the reporting DB (blocking SQLAlchemy)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from sinks.db.tables import classifications, dossier_flags, dossiers, letters
from sinks.reports.apologies import LetterFacts, OverdueFacts
from sinks.reports.appointments import GradeFacts
from sinks.reports.bieu06 import DossierFacts

__all__ = ["dossier_facts", "letter_facts", "overdue_facts", "grade_facts"]


def _overdue_rows(engine: Engine) -> list:
    f = dossier_flags.c
    q = select(f.dossier_code, f.responsible_agency, f.due_at).where(
        f.kind == "overdue", f.scope == "dossier")
    with engine.connect() as conn:
        return list(conn.execute(q))


def dossier_facts(engine: Engine) -> list[DossierFacts]:
    """One fact per received dossier (rows without a DossierReceived are not reportable)."""
    overdue: dict[str, list] = {}
    for r in _overdue_rows(engine):
        overdue.setdefault(r.dossier_code, []).append(r.due_at)
    c = dossiers.c
    q = select(dossiers).where(c.received_at.is_not(None))
    with engine.connect() as conn:
        rows = list(conn.execute(q))
    return [DossierFacts(r.dossier_code, r.handling_agency, r.handling_agency_name or "",
                         r.channel, r.received_at, r.ended_at, r.classification, r.due_at,
                         tuple(overdue.get(r.dossier_code, ())), r.procedure_code, r.field_code,
                         r.level) for r in rows]


def _places(engine: Engine) -> dict[str, tuple[str | None, str | None]]:
    """dossier code → (procedure code, field): where a letter or flag sits on the map."""
    c = dossiers.c
    with engine.connect() as conn:
        rows = conn.execute(select(c.dossier_code, c.procedure_code, c.field_code))
        return {r.dossier_code: (r.procedure_code, r.field_code) for r in rows}


def letter_facts(engine: Engine) -> list[LetterFacts]:
    c = letters.c
    places = _places(engine)
    with engine.connect() as conn:
        rows = list(conn.execute(select(c.dossier_code, c.causing_agency, c.causing_agency_name,
                                        c.due_at, c.state)))
    return [LetterFacts(r.causing_agency, r.causing_agency_name, r.due_at, r.state,
                        *places.get(r.dossier_code, (None, None))) for r in rows]


def overdue_facts(engine: Engine) -> list[OverdueFacts]:
    places = _places(engine)
    return [OverdueFacts(r.dossier_code, r.responsible_agency, r.due_at,
                         *places.get(r.dossier_code, (None, None)))
            for r in _overdue_rows(engine)]


def grade_facts(engine: Engine) -> list[GradeFacts]:
    c = classifications.c
    q = select(c.dossier_code, c.handling_agency, c.ended_at, c.due_at, c.statutory_due_at,
               c.due_basis)
    with engine.connect() as conn:
        rows = list(conn.execute(q))
    return [GradeFacts(r.dossier_code, r.handling_agency, r.ended_at, r.due_at, r.statutory_due_at,
                       r.due_basis) for r in rows]
