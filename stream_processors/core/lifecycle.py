"""The dossier state machine: ``apply(state, event, ctx) -> (state, outputs)``.

Ingest discipline, in this order:

1. **Duplicates** — an event id already applied to this dossier (the last ``ctx.max_ids``) is
   ignored: :attr:`Applied.duplicate` is set, the state is unchanged, nothing is emitted.
2. **Out of order** — an event older than the latest applied one is *reordered* when it is at
   most ``ctx.tolerance`` older: the dossier is rebuilt from its history in event-time order.
   Older than that raises ``IngestRejected("out_of_order")``. The history is trimmed to what
   such a reorder can still need: when an in-order event comes more than the tolerance after
   every kept one, the state before it becomes the *checkpoint* and the history restarts with it
   (so an open dossier's history holds the events of its latest tolerance window, not its life).
3. **Transition** — :func:`~stream_processors.core.transitions.transition`; an illegal move
   raises :class:`~stream_processors.core.outputs.InvalidTransition` and leaves the state as is.

Outputs: a ``DossierClassified`` :class:`Emit` once, when the dossier ends after receipt, and a
:class:`FactsChanged` whenever the dossier's metric facts change. Flags are not raised here but by
:func:`stream_processors.core.deadlines.fire_due` as time passes. Rejected records leave the
state untouched, so an error never half-applies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from schemas import cloudevents, model
from schemas.cloudevents import Event
from schemas.derived import AgencyTime, Classification, DossierClassified
from stream_processors.core.classification import classify_clock
from stream_processors.core.dossier_state import DossierState
from stream_processors.core.metric_facts import facts_of
from stream_processors.core.office_hours import working_minutes_between
from stream_processors.core.outputs import Emit, FactsChanged, IngestRejected, event_id
from stream_processors.core.transitions import Context, transition

__all__ = ["Applied", "apply", "checkpoint_of", "history_entry", "history_event", "new_state",
           "refresh_facts"]

REDACTED = "-"
HISTORY_SOURCE = "urn:motcua:history"


@dataclass(frozen=True)
class Applied:
    state: DossierState
    emits: list[Emit] = field(default_factory=list)
    facts: FactsChanged | None = None
    duplicate: bool = False
    reordered: bool = False


def new_state(code: str, partition: int = 0) -> DossierState:
    return DossierState(code=code, partition=partition)


def apply(state: DossierState, event: Event, ctx: Context, payload: dict | None = None) -> Applied:
    """Apply ``event`` to ``state`` (see the module docstring for the rules). ``payload``, when
    given, is the JSON object ``event.data`` was decoded from (the history keeps it as is)."""
    if event.id in state.ids:
        return Applied(state, duplicate=True)
    late = state.last_time is not None and event.time < state.last_time
    if late and state.last_time - event.time > ctx.tolerance:
        raise IngestRejected("out_of_order", f"{event.type} is {state.last_time - event.time} "
                                             f"older than the latest event (tolerance {ctx.tolerance})")
    after = _reorder(state, event, ctx) if late else transition(state, event, ctx)
    after = _record(after, event, ctx, payload, before=None if late else state)
    emits = []
    if after.is_ended and not after.classified and after.clock is not None:
        emit = _classified(after, ctx)
        emits.append(emit)
        grade = {"class": emit.data.classification.value, "used": emit.data.used_minutes,
                 "statutory": emit.data.statutory_minutes}
        after = after.evolve(classified=True, grade=grade)
    after, facts = refresh_facts(after, event.time)
    return Applied(after, emits, facts, reordered=late)


def refresh_facts(state: DossierState, at: datetime) -> tuple[DossierState, FactsChanged | None]:
    """Recompute the metric facts; a change bumps ``seq`` and is returned for publishing."""
    new = facts_of(state)
    if new == state.facts:
        return state, None
    changed = FactsChanged(state.code, state.seq + 1, state.facts, new, at)
    return state.evolve(facts=new, seq=state.seq + 1), changed


def _record(state: DossierState, event: Event, ctx: Context, payload: dict | None,
            before: DossierState | None) -> DossierState:
    """Add ``event`` to the bookkeeping of ``state`` (its result). ``before`` is the state the
    in-order ``event`` was applied to (None for a reordered one)."""
    entry = history_entry(event, payload)
    checkpoint = state.checkpoint
    if before is not None and _all_settled(before, event, ctx):
        # no accepted late event can sort before `event` any more: the state before it becomes
        # the checkpoint, and the history starts again with `event`
        history, checkpoint = (entry,), checkpoint_of(before)
    elif state.last_time is None or event.time >= state.last_time:
        history = (*state.history, entry)  # in order: the common case, no re-sort
    else:
        at = sum(1 for h in state.history if datetime.fromisoformat(h["time"]) <= event.time)
        history = (*state.history[:at], entry, *state.history[at:])
    last = max(state.last_time, event.time) if state.last_time else event.time
    return state.evolve(ids=(*state.ids, event.id)[-ctx.max_ids:], history=history,
                        last_time=last, checkpoint=checkpoint)


def _all_settled(before: DossierState, event: Event, ctx: Context) -> bool:
    """True when every event of ``before``'s history is older than any late event the tolerance
    still accepts once ``event`` is the latest (accepted: ``time >= event.time - tolerance``)."""
    return (ctx.trim_history and bool(before.history) and before.last_time is not None
            and before.last_time < event.time - ctx.tolerance)


def checkpoint_of(state: DossierState) -> DossierState:
    """What a rebuild from scratch over ``state``'s events would give before bookkeeping: the
    transitions' part of ``state`` (flags, facts, ids and history are the caller's)."""
    return state.evolve(flags=(), classified=False, grade=None, seq=0, facts=None, ids=(),
                        history=(), last_time=None, checkpoint=None)


def history_entry(event: Event, payload: dict | None = None) -> dict:
    """The event as kept in the history for reordering: id, type, time and data — without the
    envelope (the rest is constant or the dossier code) and without the applicant block, which
    no transition reads, so the worker's state holds no citizen's personal data.

    ``payload`` is the JSON the data was decoded from, if at hand: it is the encoding already
    (nulls dropped, as :func:`schemas.model.encode` omits None fields)."""
    if payload is None:
        data = model.encode(event.data)  # what to_json(event)["data"] holds, without the envelope
    else:
        data = {k: v for k, v in payload.items() if v is not None}
    data.pop("dossier_code", None)
    if "applicant" in data:
        data["applicant"] = {"name": REDACTED}
    return {"id": event.id, "type": event.type, "time": event.time.isoformat(), "data": data}


def history_event(entry: dict, code: str) -> Event:
    """The :class:`Event` of a history entry (also reads the older full-envelope entries)."""
    if "specversion" in entry:
        return cloudevents.from_json(entry)
    return cloudevents.from_json({
        "specversion": cloudevents.SPECVERSION, "id": entry["id"], "source": HISTORY_SOURCE,
        "type": entry["type"], "time": entry["time"], "subject": code,
        "datacontenttype": cloudevents.CONTENT_TYPE,
        "data": {"dossier_code": code, **entry["data"]}})


def _reorder(state: DossierState, event: Event, ctx: Context) -> DossierState:
    """Rebuild from the checkpoint and the history plus ``event`` in event-time order (stable for
    equal times). Every event the checkpoint covers is older than ``event`` (see _all_settled)."""
    events = [history_event(h, state.code) for h in state.history]
    events.insert(sum(1 for e in events if e.time <= event.time), event)
    rebuilt = state.checkpoint_state() or new_state(state.code, state.partition)
    for e in events:
        rebuilt = transition(rebuilt, e, ctx)
    # what was already published stays published: flags and the classification
    return rebuilt.evolve(flags=state.flags, classified=state.classified, grade=state.grade,
                   seq=state.seq,
                   facts=state.facts, history=state.history, ids=state.ids,
                   last_time=state.last_time, checkpoint=state.checkpoint)


def _classified(state: DossierState, ctx: Context) -> Emit:
    clock, r = state.clock, state.receipt
    outcome = classify_clock(clock, clock.effective_end, ctx.granularity)
    used = working_minutes_between(clock.started_at, max(clock.started_at, clock.effective_end),
                                   ctx.calendar, ctx.hours) - clock.paused_minutes
    statutory = clock.duration.working_minutes(ctx.hours)
    if statutory is None:  # calendar days: the span from start to the original due
        statutory = working_minutes_between(clock.started_at, clock.frozen_due_at,
                                            ctx.calendar, ctx.hours)
    data = DossierClassified(
        dossier_code=state.code, procedure_code=r.procedure_code, handling_agency=r.handling_agency,
        classification=Classification(outcome.value), ended_at=clock.effective_end,
        due_at=clock.frozen_due_at, due_version=1 + clock.reschedules,
        used_minutes=max(0, used), statutory_minutes=statutory,
        supplement_requests=clock.supplement_requests,
        agencies=tuple(AgencyTime(s.agency, i, s.used_minutes or 0,
                                  s.allowance.working_minutes(ctx.hours))
                       for i, s in enumerate(clock.steps, start=1)),
        end_status=state.end_status, statutory_due_at=clock.statutory_due_at,
        due_basis=clock.due_basis)
    return Emit(data, state.ended_at, event_id(state.code, "classified"))
