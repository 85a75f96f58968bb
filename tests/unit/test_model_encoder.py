"""The compiled encoder of schemas.model gives exactly what reflecting over the fields gave, for
every event the simulator produces and every output the core derives from them."""

import dataclasses
import datetime as dt
import enum
from datetime import timedelta

from schemas import model
from motcua.bench.workload import simulated_events
from stream_processors.core.calendar import default_calendar
from stream_processors.core.deadlines import fire_due
from stream_processors.core.lifecycle import apply, new_state
from stream_processors.core.outputs import IngestRejected, InvalidTransition
from stream_processors.core.transitions import Context


def reflective(value):
    """The encoder before compilation (the oracle)."""
    if dataclasses.is_dataclass(value):
        return {f.name: reflective(v) for f in dataclasses.fields(value)
                if (v := getattr(value, f.name)) is not None}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, tuple):
        return [reflective(v) for v in value]
    if isinstance(value, dict):
        return {k: reflective(v) for k, v in value.items()}
    return value


def _derived(events):
    ctx, states, out = Context(default_calendar()), {}, []
    for event in events:
        state = states.get(event.subject) or new_state(event.subject)
        try:
            applied = apply(state, event, ctx)
        except (IngestRejected, InvalidTransition):
            continue
        states[event.subject] = applied.state
        out += [e.data for e in applied.emits]
        out += [e.data for e in fire_due(applied.state, event.time + timedelta(days=60))[1]]
    return out


def test_compiled_encoder_equals_reflection():
    events = simulated_events(300)
    derived = _derived(events)
    kinds = {type(d).__name__ for d in derived}
    assert {"DossierClassified", "DossierOverdue"} <= kinds
    for data in [e.data for e in events] + derived:
        assert model.encode(data) == reflective(data)


def test_a_value_of_another_type_than_annotated_encodes_generically():
    event = next(e.data for e in simulated_events(3) if hasattr(e.data, "dossier_code"))
    odd = dataclasses.replace(event, dossier_code=("a", dt.date(2026, 1, 2)))
    assert model.encode(odd) == reflective(odd)
