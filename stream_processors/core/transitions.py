"""One pure transition per lifecycle event type: ``(state, event, ctx) -> state``.

Statuses are the DVCQG TrangThaiHoSo codes. Allowed moves (anything else raises
:class:`~stream_processors.core.outputs.InvalidTransition`):

* submitted: only as the first event; received: new or submitted (the clock starts);
  rejected: new or submitted (ends);
* transferred, supplement/financial requests, apology: while being processed (2, 4; apology also
  while waiting on a financial obligation that does not pause the clock);
* supplement received only while 5, financial obligation fulfilled only while 6;
* withdrawn, suspended: any open state after receipt (end);
* resolved: 2, 4 (end; the open step is left); result returned: after resolution, or directly
  from 2/4 (then it is also the end);
* feedback and fee payment: any time after receipt, including after the end.

After withdrawal, rejection or suspension nothing but feedback is accepted. Deadline-engine
refusals (a second reschedule, a pause inside a pause) surface as ``DeadlineError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from schemas import lifecycle as lc
from schemas.cloudevents import Event
from schemas.fields import DurationUnit as WireUnit
from stream_processors.core import clock as engine
from stream_processors.core.calendar import WorkingCalendar
from stream_processors.core.classification import DEFAULT_GRANULARITY, Granularity
from stream_processors.core.clock_records import PauseReason
from stream_processors.core.dossier_state import Apology, DossierState, Receipt
from stream_processors.core.durations import Duration
from stream_processors.core.exceptions import DeadlineError
from stream_processors.core.office_hours import DEFAULT_HOURS, OfficeHours
from stream_processors.core.outputs import IngestRejected, InvalidTransition
from stream_processors.core.registry import AgencyRegistry
from stream_processors.core.vntime import parse_hhmm

__all__ = ["Context", "transition", "engine_duration"]

NEW, SUBMITTED, RECEIVED, REJECTED, PROCESSING, SUPPLEMENT, FINANCIAL = None, 1, 2, 3, 4, 5, 6
WITHDRAWN, SUSPENDED, RESOLVED, RETURNED = 7, 8, 9, 10
OPEN = (RECEIVED, PROCESSING, SUPPLEMENT, FINANCIAL)


@dataclass(frozen=True)
class Context:
    """What the core needs besides the state and the event (passed in, never looked up)."""
    calendar: WorkingCalendar
    hours: OfficeHours = DEFAULT_HOURS
    tolerance: timedelta = timedelta(hours=1)
    granularity: Granularity = DEFAULT_GRANULARITY
    max_ids: int = 64
    registry: AgencyRegistry | None = None  # None: agency codes are not checked (pure tests)
    #: how long an ended dossier stays in the hot state after its latest event (at least the
    #: tolerance): time for the result to be returned and feedback given (core.retention)
    retention: timedelta = timedelta(days=7)
    #: keep the history trimmed to a checkpoint plus what a reorder may still need
    trim_history: bool = True


def engine_duration(d: Any) -> Duration:
    """The wire Duration (float amount) as the engine's whole-number Duration."""
    amount, unit = d.amount, d.unit
    if unit is WireUnit.WORKING_DAYS and not float(amount).is_integer():
        amount, unit = amount * 8, WireUnit.WORKING_HOURS
    if not float(amount).is_integer():
        raise IngestRejected("deadline_error", f"duration {d.amount} {d.unit}: not a whole number")
    return Duration(int(amount), unit.value)


def _require(state: DossierState, allowed: tuple, what: str) -> None:
    if state.status not in allowed:
        raise InvalidTransition(f"{what} not allowed in status {state.status}")


def _submitted(s: DossierState, e: Event, c: Context) -> DossierState:
    _require(s, (NEW,), "dossier.submitted")
    return s.evolve(status=SUBMITTED)


def _received(s: DossierState, e: Event, c: Context) -> DossierState:
    _require(s, (NEW, SUBMITTED), "dossier.received")
    d: lc.DossierReceived = e.data
    cutoff = parse_hhmm(d.cutoff, "cutoff") if d.cutoff else None
    clock = engine.start(e.time, engine_duration(d.duration), c.calendar, c.hours, cutoff,
                         appointment=d.appointment_at)
    receipt = Receipt(d.procedure_code, d.procedure_name, d.field_code, d.receiving_agency,
                      d.handling_agency, d.level.value, d.channel.value, d.four_step,
                      d.appointment_at.isoformat(), d.pauses_on_financial_obligation)
    names = {**s.names, d.handling_agency: d.handling_agency_name}
    return s.evolve(status=RECEIVED, receipt=receipt, clock=clock, names=names,
                   holder=d.handling_agency, services={**s.services, **_received_services(d)})


def _received_services(d: lc.DossierReceived) -> dict[str, Any]:
    reported = {"fees_vnd": None if d.fees is None else sum(f.amount_vnd for f in d.fees),
                "digitised": d.digitised, "reused": d.reused_components,
                "vneid": d.vneid_authenticated}
    return {k: v for k, v in reported.items() if v is not None}


def _rejected(s: DossierState, e: Event, c: Context) -> DossierState:
    _require(s, (NEW, SUBMITTED), "dossier.rejected (before receipt; after it use suspended)")
    return s.evolve(status=REJECTED, ended_at=e.time, end_status=REJECTED)


def _transferred(s: DossierState, e: Event, c: Context) -> DossierState:
    _require(s, (RECEIVED, PROCESSING), "dossier.transferred")
    d: lc.DossierTransferred = e.data
    clock = s.clock
    if clock.current_step is not None:
        clock = clock.leave_step(e.time, c.calendar, c.hours)
    clock = clock.enter_step(d.to_agency, engine_duration(d.step_allowance), e.time,
                             c.calendar, c.hours)
    return s.evolve(status=PROCESSING, clock=clock, holder=d.to_agency,
                   names={**s.names, d.to_agency: d.to_agency_name})


def _supplement_requested(s: DossierState, e: Event, c: Context) -> DossierState:
    _require(s, (RECEIVED, PROCESSING), "dossier.supplement_requested")
    return s.evolve(status=SUPPLEMENT, clock=s.clock.pause(e.time, PauseReason.SUPPLEMENT))


def _supplement_received(s: DossierState, e: Event, c: Context) -> DossierState:
    _require(s, (SUPPLEMENT,), "dossier.supplement_received")
    d: lc.SupplementReceived = e.data
    clock = s.clock.resume(e.time, c.calendar, c.hours)
    if d.appointment_at is not None:  # the desk's new appointment (NgayHenTraMoi) counts
        clock = clock.with_appointment(d.appointment_at, c.calendar, c.hours)
    return s.evolve(status=PROCESSING, clock=clock)


def _financial_requested(s: DossierState, e: Event, c: Context) -> DossierState:
    _require(s, (RECEIVED, PROCESSING), "dossier.financial_obligation_requested")
    clock = s.clock
    if s.receipt.pauses_on_financial_obligation:
        clock = clock.pause(e.time, PauseReason.FINANCIAL_OBLIGATION)
    return s.evolve(status=FINANCIAL, clock=clock)


def _financial_fulfilled(s: DossierState, e: Event, c: Context) -> DossierState:
    _require(s, (FINANCIAL,), "dossier.financial_obligation_fulfilled")
    clock = s.clock.resume(e.time, c.calendar, c.hours) if s.clock.is_paused else s.clock
    return s.evolve(status=PROCESSING, clock=clock)


def _ending(status: int) -> Callable[[DossierState, Event, Context], DossierState]:
    def end(s: DossierState, e: Event, c: Context) -> DossierState:
        if s.status in (NEW, SUBMITTED) and status == WITHDRAWN:
            return s.evolve(status=WITHDRAWN, ended_at=e.time, end_status=WITHDRAWN)
        _require(s, OPEN, f"status {status}")
        return _close(s, e.time, status, c)
    return end


def _close(s: DossierState, at: datetime, status: int, c: Context) -> DossierState:
    clock = s.clock
    if clock.current_step is not None and not clock.is_paused:
        clock = clock.leave_step(at, c.calendar, c.hours)
    return s.evolve(status=status, clock=clock.close(at), ended_at=at, end_status=status,
                   resolved_at=at if status in (RESOLVED, RETURNED) else None)


def _resolved(s: DossierState, e: Event, c: Context) -> DossierState:
    _require(s, (RECEIVED, PROCESSING), "dossier.resolved")
    d: lc.DossierResolved = e.data
    services = s.services
    if d.result_link is not None or d.result_digitised is not None:
        services = {**services, "result_electronic": d.result_link is not None}
    return _close(s, e.time, RESOLVED, c).evolve(services=services)


def _fee_paid(s: DossierState, e: Event, c: Context) -> DossierState:
    if s.receipt is None:
        raise InvalidTransition("dossier.fee_paid before receipt")
    d: lc.FeePaid = e.data
    return s.evolve(services={**s.services,
                              "paid_online": s.services.get("paid_online", False) or d.online})


def _result_returned(s: DossierState, e: Event, c: Context) -> DossierState:
    if s.status == RESOLVED:
        return s.evolve(status=RETURNED)  # "đã xử lý xong" stays the end moment
    _require(s, (RECEIVED, PROCESSING), "dossier.result_returned (before receipt/resolution)")
    return _close(s, e.time, RETURNED, c)


def _apology(s: DossierState, e: Event, c: Context) -> DossierState:
    _require(s, (RECEIVED, PROCESSING, FINANCIAL), "dossier.apology_issued")
    if s.apology is not None:
        raise InvalidTransition("dossier.apology_issued: the due moment may be rescheduled once")
    d: lc.ApologyIssued = e.data
    deadline = s.clock.apology_deadline
    clock = s.clock.reschedule(d.new_appointment_at, c.calendar, c.hours)
    return s.evolve(clock=clock, apology=Apology(e.time, deadline, d.causing_agency))


def _feedback(s: DossierState, e: Event, c: Context) -> DossierState:
    if s.receipt is None:
        raise InvalidTransition("dossier.feedback_given before receipt")
    d: lc.FeedbackGiven = e.data
    return s.evolve(satisfaction=d.satisfaction, complaint=s.complaint or d.complaint)


_TRANSITIONS: dict[type, Callable[[DossierState, Event, Context], DossierState]] = {
    lc.DossierSubmitted: _submitted, lc.DossierReceived: _received, lc.DossierRejected: _rejected,
    lc.DossierTransferred: _transferred, lc.SupplementRequested: _supplement_requested,
    lc.SupplementReceived: _supplement_received,
    lc.FinancialObligationRequested: _financial_requested,
    lc.FinancialObligationFulfilled: _financial_fulfilled,
    lc.DossierWithdrawn: _ending(WITHDRAWN), lc.DossierSuspended: _ending(SUSPENDED),
    lc.DossierResolved: _resolved, lc.ResultReturned: _result_returned,
    lc.ApologyIssued: _apology, lc.FeedbackGiven: _feedback, lc.FeePaid: _fee_paid,
}


_AGENCY_FIELDS = ("receiving_agency", "handling_agency", "from_agency", "to_agency", "agency",
                  "causing_agency")


def _check_agencies(event: Event, registry: AgencyRegistry) -> None:
    """A record naming an agency the registry does not know is refused, never attributed."""
    for name in _AGENCY_FIELDS:
        code = getattr(event.data, name, None)
        if code is not None and not registry.knows(code):
            raise IngestRejected("unknown_agency",
                                 f"{event.type} field '{name}': {code!r} is not in the agency registry")


def transition(state: DossierState, event: Event, ctx: Context) -> DossierState:
    """Apply one lifecycle event in order; raises InvalidTransition / IngestRejected."""
    handler = _TRANSITIONS.get(type(event.data))
    if handler is None:
        raise IngestRejected("wrong_topic", f"{event.type} is not a dossier lifecycle event")
    if ctx.registry is not None:
        _check_agencies(event, ctx.registry)
    if state.is_ended and handler not in (_feedback, _fee_paid) and not (
            handler is _result_returned and state.status == RESOLVED):
        raise InvalidTransition(f"{event.type} after the dossier ended (status {state.status})")
    try:
        return handler(state, event, ctx)
    except DeadlineError as exc:
        raise InvalidTransition(f"{event.type}: {exc}") from None


def has_transition(model: type) -> bool:
    return model in _TRANSITIONS

