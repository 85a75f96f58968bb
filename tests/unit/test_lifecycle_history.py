"""The history kept for reordering: compact, without personal data, still replayable."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from schemas import cloudevents
from schemas.fields import Applicant
from stream_processors.core.calendar import default_calendar
from stream_processors.core.lifecycle import apply, history_entry, history_event, new_state
from stream_processors.core.transitions import Context
from tests.dossier_events import SO_TNMT, at, code, received, resolved, transferred

CTX = Context(default_calendar())
C = code(1)
T0 = at("2025-08-04", "09:30")


def _received_with_personal_data():
    e = received(C, T0)
    person = Applicant(name="Trần Thị Bích", id_number="001190000123", phone="0912345678")
    return dataclasses.replace(e, data=dataclasses.replace(e.data, applicant=person))


def test_the_state_keeps_no_applicant_data():
    state = apply(new_state(C), _received_with_personal_data(), CTX).state
    stored = json.dumps(state.to_dict(), ensure_ascii=False)
    for secret in ("Trần Thị Bích", "001190000123", "0912345678"):
        assert secret not in stored


def test_history_entries_replay_to_the_same_event_data():
    e = transferred(C, T0 + dt.timedelta(hours=1), SO_TNMT, 1, 2)
    back = history_event(history_entry(e), C)
    assert (back.id, back.type, back.time, back.subject, back.data) == \
        (e.id, e.type, e.time, e.subject, e.data)


def test_older_full_envelope_entries_are_still_read():
    e = resolved(C, T0 + dt.timedelta(days=1))
    assert history_event(cloudevents.to_json(e), C).data == e.data


def test_reordering_from_the_compact_history_matches_in_order_application():
    end = T0 + dt.timedelta(hours=2, minutes=30)
    first, step, last = (_received_with_personal_data(),
                         transferred(C, T0 + dt.timedelta(hours=2), SO_TNMT, 1, 2), resolved(C, end))
    in_order = new_state(C)
    for e in (first, step, last):
        in_order = apply(in_order, e, CTX).state
    late = new_state(C)
    for e in (first, last):
        late = apply(late, e, CTX).state
    applied = apply(late, step, CTX)
    assert applied.reordered
    assert applied.state.clock.steps == in_order.clock.steps
    assert [h["id"] for h in applied.state.history] == [h["id"] for h in in_order.history]
