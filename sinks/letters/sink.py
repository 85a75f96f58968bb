"""``LetterSink``: drafts, issues and misses apology letters; writes them as HTML and PDF.

Reads ``dossier-lifecycle`` (DossierReceived for the applicant and filing, ApologyIssued) and
``dossier-flags`` (DossierAtRisk, DossierOverdue). Guarantee: at-least-once in, one letter per
(dossier, due version) out — the unique constraint absorbs redelivery, state changes follow
:mod:`sinks.letters.lifecycle` and are no-ops when replayed. A flag or apology that arrives before
its dossier's DossierReceived is parked in ``letter_pending`` and applied when the dossier
arrives. LetterDrafted events leave through an outbox (``letters.published_at``) after commit.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, update

from schemas import cloudevents, derived, lifecycle as L, topics
from schemas.cloudevents import Event
from sinks.base import BaseSink, Envelope
from sinks.db import migrate
from sinks.db.engine import insert_for, make_engine
from sinks.db.tables import letter_pending, letters
from sinks.letters import store
from sinks.letters.content import safe_file_stem
from sinks.letters.files import LetterFiles
from sinks.letters.render import STOP_NOTICE
from sinks.letters.lifecycle import (ISSUED, LetterState, after_issue, after_overdue,
                                     delivery_channels, issued_state, proposed_appointment)
from stream_processors.core.calendar import WorkingCalendar, default_calendar
from stream_processors.core.calendar_status import estimate_note
from stream_processors.core.rules import rules_for
from stream_processors.core.vntime import to_vn

__all__ = ["LetterSink", "LETTER_TOPICS"]

LETTER_TOPICS = (topics.LIFECYCLE.name, topics.FLAGS.name)
_PARKED = (derived.DossierAtRisk, derived.DossierOverdue, L.ApologyIssued, L.DossierSuspended)


class LetterSink(BaseSink):
    name = "letters"

    def __init__(self, database_url: str, files: LetterFiles, *, extension_days: int = 5,
                 source: str = "urn:motcua:local", letters_topic: str = topics.LETTERS.name,
                 calendar: WorkingCalendar | None = None, migrate_on_setup: bool = True) -> None:
        self.database_url, self.files, self.extension_days = database_url, files, extension_days
        self.source, self.letters_topic = source, letters_topic
        self._calendar, self.migrate_on_setup = calendar, migrate_on_setup
        self._engine: Engine | None = None
        self._next_outbox_check = 0.0

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.database_url)
        return self._engine

    @property
    def calendar(self) -> WorkingCalendar:
        return self._calendar or default_calendar()

    def setup(self) -> None:
        if self.migrate_on_setup:
            migrate.upgrade(self.engine)
        self.files.directory.mkdir(parents=True, exist_ok=True)

    def write(self, batch: Sequence[Envelope]) -> None:
        insert = insert_for(self.engine)
        with self.engine.begin() as conn:
            for env in batch:
                self.apply(conn, insert, env.event)
        self._next_outbox_check = 0.0

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    # ------------------------------------------------------------------ applying events

    def apply(self, conn: Connection, insert: Any, event: Event) -> None:
        data = event.data
        if isinstance(data, derived.DossierFlagsWithdrawn):
            conn.execute(update(letters).where(
                letters.c.dossier_code == data.dossier_code,
                letters.c.due_version == data.due_version,
                letters.c.state == LetterState.DRAFTED.value).values(
                    state=LetterState.SUPERSEDED.value))
        elif isinstance(data, L.DossierReceived):
            store.save_dossier(conn, insert, event)
            self._unpark(conn, insert, data.dossier_code)
        elif isinstance(data, _PARKED):
            if isinstance(data, derived.DossierOverdue) and data.scope is not derived.FlagScope.DOSSIER:
                return
            dossier = store.get_dossier(conn, data.dossier_code)
            if dossier is None:
                self._park(conn, insert, event)
            else:
                self._apply_known(conn, insert, event, dossier)

    def _apply_known(self, conn: Connection, insert: Any, event: Event, dossier: Any) -> None:
        if isinstance(event.data, derived.DossierAtRisk):
            self._at_risk(conn, insert, event, dossier)
        elif isinstance(event.data, derived.DossierOverdue):
            self._overdue(conn, insert, event, dossier)
        elif isinstance(event.data, L.DossierSuspended):
            self._stopped(event, dossier)
        else:
            self._issued(conn, insert, event, dossier)

    def _park(self, conn: Connection, insert: Any, event: Event) -> None:
        conn.execute(insert(letter_pending).values(
            event_id=event.id, dossier_code=event.data.dossier_code,
            event=cloudevents.to_json(event), parked_at=event.time).on_conflict_do_nothing())

    def _unpark(self, conn: Connection, insert: Any, code: str) -> None:
        rows = list(conn.execute(select(letter_pending).where(letter_pending.c.dossier_code == code)))
        dossier = store.get_dossier(conn, code)
        for row in sorted(rows, key=lambda r: (r.parked_at, r.event_id)):
            self._apply_known(conn, insert, cloudevents.from_json(row.event), dossier)
        conn.execute(delete(letter_pending).where(letter_pending.c.dossier_code == code))

    def _at_risk(self, conn: Connection, insert: Any, event: Event, dossier: Any) -> None:
        d: derived.DossierAtRisk = event.data
        self._adopt(conn, store.letters_of(conn, d.dossier_code), d.due_version, d.due_at)
        row = self._row(dossier, d.due_version, d.due_at, d.responsible_agency,
                        d.responsible_agency_name, event.time, LetterState.DRAFTED,
                        apology_deadline=d.apology_deadline)
        if store.insert_letter(conn, insert, row):
            self._render(conn, row, dossier)
            return
        existing = next(r for r in store.letters_of(conn, d.dossier_code)
                        if r.due_version == d.due_version)
        if existing.apology_deadline is None:  # the apology was applied before this flag
            state = existing.state
            if state in ISSUED:
                state = issued_state(existing.issued_at, d.apology_deadline)
            store.update_letter(conn, existing.letter_id, apology_deadline=d.apology_deadline,
                                state=state)

    def _overdue(self, conn: Connection, insert: Any, event: Event, dossier: Any) -> None:
        d: derived.DossierOverdue = event.data
        existing = self._adopt(conn, store.letters_of(conn, d.dossier_code), d.due_version,
                               d.due_at)
        same = [r for r in existing if r.due_version == d.due_version]
        if same:
            new = after_overdue(LetterState(same[0].state))
            if new != same[0].state:
                store.update_letter(conn, same[0].letter_id, state=new, missed_at=event.time)
            return
        if any(r.state in ISSUED for r in existing):
            return  # the one reschedule was used; a later overdue needs no new letter
        row = self._row(dossier, d.due_version, d.due_at, d.responsible_agency,
                        d.responsible_agency_name, event.time, LetterState.MISSED,
                        missed_at=event.time)
        if store.insert_letter(conn, insert, row):
            self._render(conn, row, dossier)

    def _issued(self, conn: Connection, insert: Any, event: Event, dossier: Any) -> None:
        d: L.ApologyIssued = event.data
        existing = self._without_missed_after(conn, store.letters_of(conn, d.dossier_code),
                                              event.time)
        if any(r.state in ISSUED for r in existing):
            return
        open_ = [r for r in existing if r.state not in ISSUED]
        if open_:
            letter = open_[-1]._asdict()
        else:  # issued before any flag: on time until an at-risk flag proves otherwise
            letter = self._row(dossier, 1, d.previous_appointment_at, d.causing_agency,
                               dossier.handling_agency_name, event.time, LetterState.DRAFTED)
            store.insert_letter(conn, insert, letter)
        state = after_issue(LetterState(letter["state"]), event.time, letter["apology_deadline"])
        if not open_:
            state = LetterState.ISSUED_ON_TIME
        values = dict(state=state, issued_at=event.time, new_appointment_at=d.new_appointment_at,
                      letter_number=d.letter_number, reason=d.reason)
        store.update_letter(conn, letter["letter_id"], **values)
        letter.update(values)
        self._render(conn, letter, dossier)
        applicant = dossier.applicant
        if not applicant.get("name"):
            return  # an imported dossier without ChuHoSo: the letter waits for the applicant
        store.enqueue_deliveries(conn, insert, letter["letter_id"], delivery_channels(
            dossier.channel, applicant.get("email"), applicant.get("phone")), event.time)

    @staticmethod
    def _adopt(conn: Connection, existing: list[Any], version: int,
               due_at: dt.datetime) -> list[Any]:
        """Give the flag's due version to the letter an apology created before any flag; returns
        the dossier's letters (``existing``, read again if one changed).

        That letter's version was a guess (1); the first flag of a due before the apology's new
        appointment names the real one (a resumed pause moves the due to version 2, 3, …).
        Read in event-time order the flag would have drafted the letter at its version and the
        apology issued it; this makes the other reading order end the same. The letter keeps
        its id and files."""
        if any(r.due_version == version for r in existing):
            return existing
        for row in existing:
            if row.state in ISSUED and row.apology_deadline is None \
                    and row.new_appointment_at is not None and due_at < row.new_appointment_at:
                store.update_letter(conn, row.letter_id, due_version=version)
                return store.letters_of(conn, row.dossier_code)
        return existing

    @staticmethod
    def _without_missed_after(conn: Connection, existing: list[Any],
                              issued_at: dt.datetime) -> list[Any]:
        """``existing`` less the letters missed *after* ``issued_at``, which become superseded.

        The sink reads two topics, and after an outage it may read a dossier's overdue flag
        before the apology that came earlier in event time (the flag is for the due the apology
        set). In event-time order the apology used the one reschedule and that overdue needed no
        letter (:meth:`_overdue`); superseding it makes the outcome the same in either order."""
        kept = []
        for row in existing:
            if row.state == LetterState.MISSED.value and row.missed_at is not None \
                    and row.missed_at > issued_at:
                store.update_letter(conn, row.letter_id, state=LetterState.SUPERSEDED.value)
            else:
                kept.append(row)
        return kept

    def _stopped(self, event: Event, dossier: Any) -> None:
        """Mẫu 05 (Thông báo dừng giải quyết hồ sơ) for a dossier under Decree 118; the files
        ``{code}-dung.html/.pdf`` are rewritten identically on redelivery (no letters row)."""
        rules = rules_for(dossier.received_at)
        if rules.stop_form is None:
            return  # Circular 01/2018 had no stop notice
        d: L.DossierSuspended = event.data
        notice = dict(letter_id=f"{safe_file_stem(d.dossier_code)}-dung",
                      dossier_code=d.dossier_code, rule_version=rules.version,
                      causing_agency=d.agency, causing_agency_name=dossier.handling_agency_name,
                      letter_number=None,
                      drafted_at=event.time, issued_at=event.time, due_at=dossier.appointment_at,
                      reason=d.reason, new_appointment_at=None,
                      proposed_appointment_at=dossier.appointment_at)
        self.files.write(notice, dossier, form=STOP_NOTICE)

    # ------------------------------------------------------------------ helpers

    def _row(self, dossier: Any, version: int, due_at: dt.datetime, agency: str, agency_name: str,
             at: dt.datetime, state: LetterState, **extra: Any) -> dict[str, Any]:
        rules = rules_for(dossier.received_at)
        return dict(letter_id=self.files.letter_id(dossier.dossier_code, version),
                    dossier_code=dossier.dossier_code, due_version=version,
                    rule_version=rules.version, form=rules.apology_form, state=state.value,
                    causing_agency=agency, causing_agency_name=agency_name, due_at=due_at,
                    apology_deadline=extra.pop("apology_deadline", None),
                    proposed_appointment_at=proposed_appointment(due_at, self.extension_days,
                                                                 self.calendar),
                    drafted_at=at, **extra)

    def _render(self, conn: Connection, letter: dict[str, Any], dossier: Any) -> None:
        last = letter.get("new_appointment_at") or letter["proposed_appointment_at"]
        estimate = estimate_note(self.calendar.estimates(to_vn(dossier.received_at, "received_at"),
                                                         to_vn(last, "appointment")))
        html_path, pdf_path = self.files.write(letter, dossier, estimate)
        store.update_letter(conn, letter["letter_id"], html_path=str(html_path),
                            pdf_path=str(pdf_path))

    # ------------------------------------------------------------------ outbox

    def after_commit(self, publish: Callable[[list[tuple[str, cloudevents.KafkaRecord]]], None]) -> None:
        if time.monotonic() < self._next_outbox_check:
            return
        self._next_outbox_check = time.monotonic() + 5.0
        with self.engine.connect() as conn:
            rows = list(conn.execute(select(letters).where(letters.c.published_at.is_(None))
                                     .limit(1000)))
        if not rows:
            return
        publish([(self.letters_topic, cloudevents.to_record(self._drafted_event(r))) for r in rows])
        with self.engine.begin() as conn:
            conn.execute(update(letters).where(letters.c.letter_id.in_([r.letter_id for r in rows]))
                         .values(published_at=dt.datetime.now(dt.timezone.utc)))
        self._next_outbox_check = 0.0 if len(rows) == 1000 else self._next_outbox_check

    def _drafted_event(self, r: Any) -> Event:
        data = derived.LetterDrafted(
            letter_id=r.letter_id, dossier_code=r.dossier_code, due_version=r.due_version,
            form=r.rule_version, causing_agency=r.causing_agency, previous_appointment_at=r.due_at,
            proposed_appointment_at=r.proposed_appointment_at)
        return Event.new(data, time=r.drafted_at, source=self.source, subject=r.dossier_code,
                         id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"letter.drafted/{r.letter_id}")))
