"""Deadline moments of a dossier and the flags they raise when time passes them.

Three kinds, each emitted **once** per key (recorded in ``DossierState.flags``):

* ``at_risk:{v}`` — the at-risk warning: no apology issued yet and the apology deadline (by
  default the end of the working day before the due date) is near; fires at the clock's
  ``at_risk_at`` (its own lead time) and carries the apology deadline;
* ``overdue:{v}`` — the due moment has passed unresolved; fires one minute after ``due_at``
  (the clock's resolution: at the due minute the dossier is still on time);
* ``step:{n}`` — liên thông step ``n`` outlived its own allowance; fires one minute after the
  step's deadline.

``v`` is the **flag due version**: 1 for the original appointment, + 1 after the one reschedule by
apology and + 1 for every re-derivation after a calendar change (:func:`reissue_due`; the engine's
own ``due_version`` also moves on resume; that is not a new version here).
A paused clock has no moving due, so nothing fires while paused. Flags name the agency holding the
dossier when they fire — with a registry, the agency that continues it *then* (a department merged
away while the dossier was open hands its flags to its successor, by procedure and field); the
state keeps the agencies the records named. ``now`` is passed in (wall clock or the event-time
watermark).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from schemas.derived import DossierAtRisk, DossierFlagsWithdrawn, DossierOverdue, FlagScope
from stream_processors.core.calendar import WorkingCalendar
from stream_processors.core.dossier_state import DossierState
from stream_processors.core.office_hours import DEFAULT_HOURS, OfficeHours
from stream_processors.core.outputs import Emit, event_id
from stream_processors.core.registry import AgencyRegistry
from stream_processors.core.vntime import to_vn

__all__ = ["Deadline", "Reissue", "pending_deadlines", "fire_due", "flag_version", "reissue_due",
           "responsible_now", "withdrawal"]

MINUTE = timedelta(minutes=1)


class Deadline(NamedTuple):
    fire_at: datetime
    key: str  # the flag key
    moment: datetime  # the deadline carried by the flag


class Reissue(NamedTuple):
    """A new due version after a calendar change: the flags of the old version are withdrawn."""
    dossier_code: str
    old_version: int
    new_version: int
    old_due_at: datetime
    new_due_at: datetime
    withdrawn: tuple[str, ...]  # flag keys of the old version already emitted


def flag_version(state: DossierState) -> int:
    clock = state.clock
    return 1 + (clock.reschedules + clock.rederivations if clock else 0)


def reissue_due(state: DossierState, calendar: WorkingCalendar,
                hours: OfficeHours = DEFAULT_HOURS) -> tuple[DossierState, Reissue | None]:
    """Re-derive an open dossier's due under a changed ``calendar``.

    None when nothing moved (a closed dossier, a due taken from a printed appointment or an
    apology, a change that does not touch the dossier's days, or the same change replayed), so
    applying a change twice re-issues nothing. Otherwise the state carries the new due version:
    :func:`pending_deadlines` then yields the new version's flags, and the returned
    :class:`Reissue` lists the old version's flags to withdraw.
    """
    clock = state.clock
    if clock is None or state.is_ended:
        return state, None
    moved = clock.rederive(calendar, hours)
    if moved is clock:
        return state, None
    old = flag_version(state)
    withdrawn = tuple(k for k in state.flags if k.endswith(f":{old}"))
    state = state.evolve(clock=moved)
    return state, Reissue(state.code, old, flag_version(state), clock.frozen_due_at,
                          moved.frozen_due_at, withdrawn)


def pending_deadlines(state: DossierState) -> list[Deadline]:
    """The not-yet-flagged deadlines of an open, running clock (empty otherwise)."""
    clock = state.clock
    if clock is None or state.is_ended or clock.is_paused or clock.is_closed:
        return []
    v, out = flag_version(state), []
    if clock.apology_deadline is not None and state.apology is None:
        out.append(Deadline(clock.at_risk_at, f"at_risk:{v}", clock.apology_deadline))
    out.append(Deadline(clock.due_at + MINUTE, f"overdue:{v}", clock.due_at))
    step = clock.current_step
    if step is not None:
        out.append(Deadline(step.deadline + MINUTE, f"step:{len(clock.steps)}", step.deadline))
    return [d for d in out if d.key not in state.flags]


def fire_due(state: DossierState, now: datetime,
             registry: AgencyRegistry | None = None) -> tuple[DossierState, list[Emit]]:
    """Flags whose moment ``now`` has reached, recorded in the state (idempotent)."""
    emits = []
    for deadline in pending_deadlines(state):
        if deadline.fire_at <= now:
            emits.append(_flag(state, deadline, now, registry))
            state = state.evolve(flags=(*state.flags, deadline.key))
    return state, emits


def responsible_now(state: DossierState, now: datetime,
                    registry: AgencyRegistry | None) -> tuple[str | None, str]:
    """(code, name) of the agency answerable at ``now``: the holder, followed through the
    registry's successor links when it has any (an unknown holder is left as it is)."""
    agency = state.responsible_agency
    if registry is None or agency is None or not registry.knows(agency):
        return agency, state.name_of(agency)
    day, r = to_vn(now, "now").date(), state.receipt
    current = registry.continuing(agency, day, r.procedure_code, r.field_code)
    if current == agency:
        return agency, state.name_of(agency)
    return current, registry.version(current, day).name


def _flag(state: DossierState, d: Deadline, now: datetime, registry: AgencyRegistry | None) -> Emit:
    r, clock = state.receipt, state.clock
    agency, name = responsible_now(state, now, registry)
    common = dict(dossier_code=state.code, due_version=flag_version(state),
                  responsible_agency=agency, responsible_agency_name=name,
                  procedure_code=r.procedure_code, procedure_name=r.procedure_name,
                  received_at=clock.received_at, due_estimate=clock.due_estimate)
    kind = d.key.split(":")[0]
    if kind == "at_risk":
        data = DossierAtRisk(due_at=clock.due_at, apology_deadline=d.moment, **common)
    elif kind == "overdue":
        data = DossierOverdue(scope=FlagScope.DOSSIER, due_at=d.moment, **common)
    else:
        data = DossierOverdue(scope=FlagScope.STEP, due_at=d.moment, step=len(clock.steps),
                              **common)
    return Emit(data, now, event_id(state.code, d.key))


def withdrawal(state: DossierState, reissue: Reissue, now: datetime, reason: str) -> Emit:
    """The ``dossier.flags_withdrawn`` event of a re-issue (id stable per dossier and version)."""
    data = DossierFlagsWithdrawn(
        dossier_code=state.code, due_version=reissue.old_version,
        new_due_version=reissue.new_version, previous_due_at=reissue.old_due_at,
        due_at=reissue.new_due_at, withdrawn=tuple(k.split(":")[0] for k in reissue.withdrawn),
        reason=reason[:300], due_estimate=state.clock.due_estimate)
    return Emit(data, now, event_id(state.code, f"withdrawn:{reissue.old_version}"))
