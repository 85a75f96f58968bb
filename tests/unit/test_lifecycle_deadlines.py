"""Flags from deadlines: once per key, responsible agency, due version after an apology."""

from __future__ import annotations

from schemas.derived import DossierAtRisk, DossierOverdue, FlagScope
from stream_processors.core.calendar import default_calendar
from stream_processors.core.deadlines import fire_due, pending_deadlines
from stream_processors.core.lifecycle import apply, new_state
from stream_processors.core.transitions import Context
from tests.dossier_events import SO_TNMT, SO_XD, apology, at, code, received, supplement_requested, transferred

CTX = Context(default_calendar())
C = code(1)


def state_of(*events):
    s = new_state(C)
    for e in events:
        s = apply(s, e, CTX).state
    return s


def test_at_risk_then_overdue_once_each():
    s = state_of(received(C, at("2025-08-04", "09:30"), days=5))
    s, early = fire_due(s, at("2025-08-08", "09:29"))
    assert early == []
    s, first = fire_due(s, at("2025-08-08", "09:30"))
    assert [type(e.data) for e in first] == [DossierAtRisk]
    assert first[0].data.apology_deadline == at("2025-08-08", "17:00")  # the day before's end
    s, none = fire_due(s, at("2025-08-11", "09:30"))  # at the due minute: still on time
    assert none == []
    s, late = fire_due(s, at("2025-08-11", "09:31"))
    assert [(type(e.data), e.data.due_version, e.data.responsible_agency) for e in late] == [
        (DossierOverdue, 1, SO_XD)]
    s, again = fire_due(s, at("2025-09-30"))
    assert again == [] and pending_deadlines(s) == []


def test_flag_ids_are_deterministic():
    s = state_of(received(C, at("2025-08-04", "09:30"), days=5))
    _, a = fire_due(s, at("2025-08-20"))
    _, b = fire_due(s, at("2025-08-21"))
    assert [e.id for e in a] == [e.id for e in b] and len({e.id for e in a}) == 2


def test_step_overdue_names_the_step_agency():
    s = state_of(received(C, at("2025-08-04", "09:30"), days=5),
                 transferred(C, at("2025-08-04", "10:00"), SO_TNMT, 1, 1))
    s, flags = fire_due(s, at("2025-08-05", "10:01"))
    assert [(e.data.scope, e.data.step, e.data.responsible_agency) for e in flags] == [
        (FlagScope.STEP, 1, SO_TNMT)]


def test_apology_starts_due_version_2_without_new_at_risk():
    s = state_of(received(C, at("2025-08-04", "09:30"), days=5),
                 apology(C, at("2025-08-07"), at("2025-08-11", "09:30"), at("2025-08-15", "09:30")))
    s, flags = fire_due(s, at("2025-08-15", "09:31"))
    assert [(type(e.data), e.data.due_version) for e in flags] == [(DossierOverdue, 2)]


def test_nothing_fires_while_paused():
    s = state_of(received(C, at("2025-08-04", "09:30"), days=5),
                 supplement_requested(C, at("2025-08-05")))
    assert fire_due(s, at("2025-12-31"))[1] == []
