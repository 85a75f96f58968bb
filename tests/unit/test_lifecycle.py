"""The dossier state machine: every transition, the illegal ones, dedupe and reordering."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from schemas import lifecycle as lc
from schemas.derived import Classification
from stream_processors.core.calendar import default_calendar
from stream_processors.core.dossier_state import DossierState
from stream_processors.core.lifecycle import apply, new_state
from stream_processors.core.outputs import IngestRejected, InvalidTransition
from stream_processors.core.transitions import Context
from tests.dossier_events import (SO_TNMT, SO_XD, apology, at, code, ev, heartbeat, received,
                                  resolved, returned, submitted, supplement_received,
                                  supplement_requested, transferred, withdrawn)

CTX = Context(default_calendar())
C = code(1)
T0 = at("2025-08-04", "09:30")  # Monday


def run(*events, state=None):
    state = state or new_state(C)
    outs = []
    for e in events:
        r = apply(state, e, CTX)
        state = r.state
        outs.append(r)
    return state, outs


def fin_requested(t):
    return ev(lc.FinancialObligationRequested(C, SO_XD, "lệ phí"), t)


def fin_paid(t):
    return ev(lc.FinancialObligationFulfilled(C), t)


def suspended(t):
    return ev(lc.DossierSuspended(C, SO_XD, "dừng"), t)


def rejected(t):
    return ev(lc.DossierRejected(C, SO_XD, "không đủ điều kiện"), t)


def feedback(t):
    return ev(lc.FeedbackGiven(C, "hai_long"), t)


def h(n):
    return T0 + dt.timedelta(hours=n)


def test_received_starts_the_clock_with_the_engine_due():
    s, _ = run(submitted(C, T0 - dt.timedelta(minutes=5)), received(C, T0, days=5))
    assert s.status == 2
    assert s.clock.due_at == at("2025-08-11", "09:30")
    assert s.responsible_agency == SO_XD


@pytest.mark.parametrize("events, status", [
    (lambda: [received(C, T0), transferred(C, h(1), SO_TNMT, 1, 2)], 4),
    (lambda: [received(C, T0), supplement_requested(C, h(1))], 5),
    (lambda: [received(C, T0), supplement_requested(C, h(1)), supplement_received(C, h(2))], 4),
    (lambda: [received(C, T0), fin_requested(h(1))], 6),
    (lambda: [received(C, T0), fin_requested(h(1)), fin_paid(h(2))], 4),
    (lambda: [received(C, T0), withdrawn(C, h(1))], 7),
    (lambda: [submitted(C, T0), withdrawn(C, h(1))], 7),
    (lambda: [received(C, T0), suspended(h(1))], 8),
    (lambda: [submitted(C, T0), rejected(h(1))], 3),
    (lambda: [received(C, T0), resolved(C, h(1))], 9),
    (lambda: [received(C, T0), resolved(C, h(1)), returned(C, h(2))], 10),
    (lambda: [received(C, T0), returned(C, h(2))], 10),
    (lambda: [received(C, T0), resolved(C, h(1)), feedback(h(3))], 9),
    (lambda: [received(C, T0), apology(C, h(1), h(100), h(200))], 2),
])
def test_allowed_transitions(events, status):
    s, _ = run(*events())
    assert s.status == status


@pytest.mark.parametrize("events", [
    lambda: [returned(C, T0)],                                      # result before receipt
    lambda: [resolved(C, T0)],
    lambda: [transferred(C, T0, SO_TNMT, 1, 2)],
    lambda: [submitted(C, T0), submitted(C, h(1))],
    lambda: [received(C, T0), received(C, h(1))],
    lambda: [received(C, T0), withdrawn(C, h(1)), transferred(C, h(2), SO_TNMT, 1, 2)],
    lambda: [received(C, T0), withdrawn(C, h(1)), resolved(C, h(2))],
    lambda: [received(C, T0), supplement_received(C, h(1))],
    lambda: [received(C, T0), fin_paid(h(1))],
    lambda: [received(C, T0), supplement_requested(C, h(1)), resolved(C, h(2))],
    lambda: [received(C, T0), rejected(h(1))],                       # after receipt: suspend
    lambda: [received(C, T0), resolved(C, h(1)), transferred(C, h(2), SO_TNMT, 1, 2)],
    lambda: [received(C, T0), apology(C, h(1), h(100), h(200)), apology(C, h(2), h(200), h(300))],
    lambda: [received(C, T0), resolved(C, h(1)), apology(C, h(2), h(100), h(200))],
    lambda: [feedback(T0)],
])
def test_illegal_transitions_raise_and_leave_state(events):
    *ok, bad = events()
    state, _ = run(*ok)
    with pytest.raises(InvalidTransition):
        apply(state, bad, CTX)


def test_heartbeat_is_not_a_dossier_event():
    with pytest.raises(IngestRejected) as info:
        apply(new_state(C), heartbeat(T0), CTX)
    assert info.value.reason == "wrong_topic"


def test_duplicate_event_id_is_applied_once():
    e = received(C, T0)
    s, outs = run(e, e)
    assert outs[1].duplicate and outs[1].state == outs[0].state and outs[1].facts is None


def test_out_of_order_within_tolerance_is_reordered():
    end = h(2) + dt.timedelta(minutes=30)
    s1, _ = run(received(C, T0), transferred(C, h(2), SO_TNMT, 1, 2), resolved(C, end))
    s2, outs = run(received(C, T0), resolved(C, end))
    # the transfer (earlier than the resolution) arrives late: the dossier ended already, but in
    # event-time order it is legal
    s2, outs = run(transferred(C, h(2), SO_TNMT, 1, 2), state=s2)
    assert outs[0].reordered
    assert s2.clock.steps == s1.clock.steps and s2.status == 9


def test_out_of_order_beyond_tolerance_is_rejected():
    s, _ = run(received(C, T0), transferred(C, h(3), SO_TNMT, 1, 2))
    with pytest.raises(IngestRejected) as info:
        apply(s, supplement_requested(C, h(1) + dt.timedelta(minutes=-1)), CTX)
    assert info.value.reason == "out_of_order"


def test_classified_once_on_resolution_with_agency_times():
    s, outs = run(received(C, T0, days=5), transferred(C, h(1), SO_TNMT, 1, 2),
                  resolved(C, at("2025-08-05", "09:30")), returned(C, at("2025-08-06")))
    classified = [e.data for r in outs for e in r.emits]
    assert len(classified) == 1
    c = classified[0]
    assert c.classification is Classification.TRUOC_HAN and c.end_status == 9
    assert c.statutory_minutes == 2400 and c.used_minutes == 480
    assert [(a.agency, a.step, a.allowance_minutes) for a in c.agencies] == [(SO_TNMT, 1, 960)]


def test_apology_reschedules_once_and_records_timeliness():
    s, _ = run(received(C, T0, days=5),
               apology(C, at("2025-08-07", "10:00"), at("2025-08-11", "09:30"), at("2025-08-15", "09:30")))
    assert s.clock.due_at == at("2025-08-15", "09:30") and s.apology.on_time
    assert s.facts["apology"] == "on_time"


def test_supplement_pause_moves_due_back():
    s, _ = run(received(C, T0, days=5), supplement_requested(C, at("2025-08-05", "09:30")),
               supplement_received(C, at("2025-08-06", "09:30")))
    assert s.clock.due_at == at("2025-08-12", "09:30")
    assert s.facts["supplements"] == 1


def test_facts_change_bumps_seq():
    s, outs = run(received(C, T0), transferred(C, h(1), SO_TNMT, 1, 2))
    assert [r.facts.seq for r in outs] == [1, 2]
    assert outs[1].facts.old["responsible"] == SO_XD and outs[1].facts.new["responsible"] == SO_TNMT


def test_state_round_trips_through_json():
    s, _ = run(received(C, T0), transferred(C, h(1), SO_TNMT, 1, 2),
               supplement_requested(C, h(2)), supplement_received(C, h(3)), resolved(C, h(5)))
    assert DossierState.from_dict(json.loads(json.dumps(s.to_dict()))) == s
