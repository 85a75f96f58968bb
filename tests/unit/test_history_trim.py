"""The history trimmed to a checkpoint plus the younger events reorders exactly as the full
history did: same outputs, same rejections, same final state, on the simulator's dossiers with
arrivals shuffled within and beyond the tolerance."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta

import pytest

from schemas.lifecycle import ClockHeartbeat
from motcua.bench.workload import simulated_events
from stream_processors.core.calendar import default_calendar
from stream_processors.core.deadlines import fire_due
from stream_processors.core.dossier_state import DossierState
from stream_processors.core.lifecycle import apply, new_state
from stream_processors.core.outputs import IngestRejected, InvalidTransition
from stream_processors.core.transitions import Context

TOLERANCE = timedelta(hours=6)
BOOKKEEPING = ("history", "checkpoint")


def _arrivals(seed: int):
    """Per dossier, its events in an arrival order where each event is delayed by up to twice
    the tolerance (so some are reordered, some rejected as out of order)."""
    rng = random.Random(seed)
    by_code = defaultdict(list)
    for event in simulated_events(250, seed=seed):
        if not isinstance(event.data, ClockHeartbeat):
            by_code[event.subject].append(event)
    return {c: sorted(evs, key=lambda e: e.time + rng.random() * 2 * TOLERANCE)
            for c, evs in by_code.items()}


def _run(events, ctx, stored=False):
    """Apply ``events`` in order; ``stored``: each state goes through the Table's dict form
    (and the checkpoint with it) before the next event, as in the worker."""
    state, trace = new_state(events[0].subject), []
    for event in events:
        if stored:
            state = DossierState.from_dict(state.to_dict())
        try:
            applied = apply(state, event, ctx)
        except (IngestRejected, InvalidTransition) as exc:
            trace.append(("rejected", type(exc).__name__, getattr(exc, "reason", None)))
            continue
        state = applied.state
        state, flags = fire_due(state, event.time)
        trace.append(("applied", applied.reordered, [e.id for e in applied.emits + flags],
                      applied.facts and (applied.facts.seq, applied.facts.new)))
    return state, trace


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_trimmed_history_reorders_like_the_full_one(seed):
    trimmed = Context(default_calendar(), tolerance=TOLERANCE)
    full = Context(default_calendar(), tolerance=TOLERANCE, trim_history=False)
    reorders_after_a_trim = shorter = 0
    for code, events in _arrivals(seed).items():
        a, trace_a = _run(events, trimmed, stored=seed != 1)
        b, trace_b = _run(events, full)
        assert trace_a == trace_b, code
        da, db = a.to_dict(), b.to_dict()
        for key in BOOKKEEPING:
            da.pop(key), db.pop(key)
        assert da == db, code
        if a.checkpoint is not None:  # the stored form rebuilds the same checkpoint
            again = DossierState.from_dict(a.to_dict()).checkpoint_state()
            assert again.to_dict() == a.checkpoint_state().to_dict()
        shorter += len(a.history) < len(b.history)
        reorders_after_a_trim += a.checkpoint is not None and any(t[0] == "applied" and t[1]
                                                                  for t in trace_a)
    assert shorter > 100 and reorders_after_a_trim > 5  # the trim and the reorders both happened


def test_the_history_keeps_only_the_events_a_reorder_may_need():
    """Applied in order, the kept events are a run with no gap over the tolerance ending at the
    latest event; everything before the last such gap is in the checkpoint."""
    ctx = Context(default_calendar(), tolerance=TOLERANCE)
    checkpoints = 0
    for events in _arrivals(4).values():
        in_order = sorted(events, key=lambda e: e.time)
        state, trace = _run(in_order, ctx)
        applied = [e for e, t in zip(in_order, trace) if t[0] == "applied"]
        kept = [datetime.fromisoformat(h["time"]) for h in state.history]
        gaps = [i for i in range(1, len(applied)) if applied[i].time - applied[i - 1].time > TOLERANCE]
        expected = [e.time for e in applied[gaps[-1]:]] if gaps else [e.time for e in applied]
        assert kept == expected
        assert (state.checkpoint is not None) == bool(gaps)
        checkpoints += bool(gaps)
    assert checkpoints > 100
