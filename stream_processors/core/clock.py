"""The dossier clock: an immutable value with pure transitions, stored as a plain JSON dict.

Resolution is **the minute**: every moment given to the clock is truncated to the whole minute
(the slip prints NgayHenTra to the minute). All results are Vietnam time.

* :func:`start` — the clock starts at receipt or the next opening (after a cut-off: the next
  working day); ``due_at`` = clock start + the statutory duration (see ``durations``).
* :meth:`DossierClock.pause` / :meth:`~DossierClock.resume` — while paused there is **no moving
  due moment**: ``due_at`` and ``apology_deadline`` are None, ``frozen_due_at`` keeps the due as
  of the pause and :meth:`~DossierClock.remaining_minutes` the working minutes left. On resume the
  due moment (and an open step's deadline) moves back by the paused *working* minutes, whatever
  the unit; the due never moves earlier.
* :meth:`~DossierClock.reschedule` — an apology's new appointment; allowed ``max_reschedules``
  times (once) by the rule set, later than the current due, never while paused.
* **The deadline that counts**: :func:`start` takes the ``appointment`` the one-stop system
  printed (NgayHenTra) when the record carries one; the dossier is then due at that appointment
  (``due_basis`` ``appointment``: the national portal grades against it, Decision 766, 2.1), and
  the catalog's statutory due is kept beside it (``statutory_due_at``). Without an appointment,
  or when it equals the statutory due, the basis is ``statutory`` (motcua derived it, so a
  calendar change re-derives it). :attr:`DossierClock.appointment_beyond_statutory` is the
  finding "the appointment promised more time than the law allows".
* ``due_estimate`` — why the due moment is an **estimate** (None when every day from the clock
  start to the due is announced): the estimated holiday windows it crosses (calendar_status).
* ``due_version`` starts at 1 and increases whenever the due moment changes (resume, reschedule),
  so a timer armed for an older version can be recognised as stale.
* ``apology_deadline`` — by the rule set's ``apology_deadline_rule``: by default the **end of the
  working day** (closing time) N working days (1) before the due date — "at the latest one day
  before the deadline" read as a date rule; optionally the same wall-clock time on that day,
  clamped into office hours. Never before the clock start; None once no reschedule is left.
* ``at_risk_at`` — when the at-risk warning fires: its own lead (the same wall-clock time
  ``at_risk_lead_working_days`` before the due, clamped into office hours), never after the
  apology deadline, so the agency is warned while the letter can still be sent on time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

from stream_processors.core import clock_codec
from stream_processors.core.calendar import WorkingCalendar
from stream_processors.core.calendar_status import estimate_note
from stream_processors.core.clock_pauses import PauseTracking
from stream_processors.core.clock_records import Pause, PauseReason, Step
from stream_processors.core.clock_steps import StepTracking
from stream_processors.core.durations import Duration, clock_start, due_from_start
from stream_processors.core.exceptions import (ClockStateError, InvalidDurationError,
                                               InvalidPauseError, RescheduleError,
                                               UnknownRuleVersionError)
from stream_processors.core.office_hours import (DEFAULT_HOURS, OfficeHours, add_working_minutes,
                                                 clamp_into_hours, working_minutes_between)
from stream_processors.core.rules import (SAME_TIME_PREVIOUS_WORKING_DAY, RuleSet,
                                         rules_by_version, rules_for)
from stream_processors.core.vntime import to_minute, to_vn

__all__ = ["DossierClock", "start", "apology_moments", "Pause", "PauseReason", "Step",
           "APPOINTMENT", "STATUTORY"]

APPOINTMENT, STATUTORY = "appointment", "statutory"  # what the due moment was taken from


def _moment(value: datetime, param: str) -> datetime:
    return to_minute(to_vn(value, param))


@dataclass(frozen=True)
class DossierClock(PauseTracking, StepTracking):
    """State of one dossier's processing clock. Build with :func:`start`; never mutate."""
    rule_version: str
    duration: Duration
    received_at: datetime
    started_at: datetime
    frozen_due_at: datetime  # the due moment; while paused, as it stood when the pause began
    stored_apology_deadline: datetime | None
    stored_at_risk_at: datetime | None = None  # None on clocks stored before the warning had a lead
    statutory_due_at: datetime | None = None  # the catalog duration's due at receipt
    appointment_at: datetime | None = None  # the printed appointment at receipt, if any
    due_basis: str = STATUTORY  # APPOINTMENT when the due is the printed appointment
    due_estimate: str | None = None  # why the due is an estimate (estimated calendar days crossed)
    rederivations: int = 0  # due moments re-derived after a calendar change
    due_version: int = 1
    reschedules: int = 0
    supplement_requests: int = 0
    paused_at: datetime | None = None
    pause_reason: PauseReason | None = None
    pauses: tuple[Pause, ...] = ()
    steps: tuple[Step, ...] = ()
    closed_at: datetime | None = None

    @property
    def rules(self) -> RuleSet:
        return rules_by_version(self.rule_version)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def due_at(self) -> datetime | None:
        """The due moment (NgayHenTra, or NgayHenTraMoi after a reschedule); None while paused."""
        return None if self.is_paused else self.frozen_due_at

    @property
    def apology_deadline(self) -> datetime | None:
        """Latest moment for the apology letter; None while paused, closed or out of reschedules."""
        return None if self.is_paused or self.is_closed else self.stored_apology_deadline

    @property
    def appointment_beyond_statutory(self) -> bool:
        """True when the printed appointment (at receipt) is later than the statutory due."""
        return (self.appointment_at is not None and self.statutory_due_at is not None
                and self.appointment_at > self.statutory_due_at)

    def with_appointment(self, appointment: datetime, calendar: WorkingCalendar,
                         hours: OfficeHours = DEFAULT_HOURS) -> "DossierClock":
        """The due moment set to an appointment a lifecycle event carries (NgayHenTraMoi on a
        supplement's receipt); unchanged when it is already the due. Refused while paused."""
        at = self._check_open(appointment, "appointment_at")
        if self.is_paused:
            raise ClockStateError("appointment_at: resume the clock before setting an appointment")
        if at == self.frozen_due_at:
            return self
        return replace(self, due_basis=APPOINTMENT)._with_due(at, calendar, hours)

    def rederive(self, calendar: WorkingCalendar,
                 hours: OfficeHours = DEFAULT_HOURS) -> "DossierClock":
        """The clock with its due re-derived under ``calendar`` (a calendar change).

        Only a due motcua derived itself moves: basis ``statutory``, never rescheduled, not
        closed. The statutory due is recomputed from the clock start and every finished pause
        pushes it back by its working minutes under the new calendar. Unchanged → ``self``;
        changed → a new due version (``rederivations`` + 1, apology moments recomputed). An open
        liên thông step keeps its deadline (known limit).
        """
        if self.is_closed or self.due_basis != STATUTORY or self.reschedules:
            return self
        statutory = due = due_from_start(self.started_at, self.duration, calendar, hours)
        pauses = []
        for p in self.pauses:
            minutes = working_minutes_between(p.started_at, p.ended_at, calendar, hours)
            due = add_working_minutes(due, minutes, calendar, hours)
            pauses.append(replace(p, working_minutes=minutes))
        if due == self.frozen_due_at:
            return self
        moved = replace(self, pauses=tuple(pauses), rederivations=self.rederivations + 1,
                        statutory_due_at=statutory)
        return moved._with_due(due, calendar, hours)

    @property
    def at_risk_at(self) -> datetime | None:
        """When the at-risk warning fires (≤ the apology deadline); None when there is no deadline."""
        deadline = self.apology_deadline
        if deadline is None or self.stored_at_risk_at is None:
            return deadline
        return min(self.stored_at_risk_at, deadline)

    @property
    def counts_late_766(self) -> bool:
        """True when supplement requests exceed the rule's limit (Decision 766: > 1 ⇒ quá hạn)."""
        return self.supplement_requests > self.rules.supplement_requests_late_above

    @property
    def effective_end(self) -> datetime | None:
        """When the agency's time stopped: ``closed_at``, or the pause start if closed while paused;
        None while the clock is open."""
        return (self.paused_at or self.closed_at) if self.is_closed else None

    def is_overdue(self, now: datetime) -> bool:
        """Open and past due at minute resolution; while paused, judged at the pause start."""
        at = self.paused_at or _moment(now, "now")
        return not self.is_closed and at > self.frozen_due_at

    def remaining_minutes(self, now: datetime, calendar: WorkingCalendar,
                          hours: OfficeHours = DEFAULT_HOURS) -> int:
        """Working minutes left until the due (negative when overdue); frozen while paused."""
        at = self.paused_at or _moment(now, "now")
        if at <= self.frozen_due_at:
            return working_minutes_between(at, self.frozen_due_at, calendar, hours)
        return -working_minutes_between(self.frozen_due_at, at, calendar, hours)

    def reschedule(self, new_due: datetime, calendar: WorkingCalendar | None = None,
                   hours: OfficeHours = DEFAULT_HOURS) -> "DossierClock":
        """Set the apology's new appointment (NgayHenTraMoi); refused beyond ``max_reschedules``.

        ``calendar`` is needed only when the rule set allows a further reschedule (to compute the
        next apology deadline); with the default single reschedule it may be omitted.
        """
        new_due, limit = self._check_open(new_due, "new_due"), self.rules.max_reschedules
        if self.reschedules >= limit:
            raise RescheduleError(f"new_due: the due moment may be rescheduled only {limit} "
                                  f"time(s) under {self.rule_version}; it already was")
        if self.is_paused:
            raise ClockStateError("new_due: resume the clock before rescheduling")
        if new_due <= self.frozen_due_at:
            raise RescheduleError(f"new_due ({new_due}) must be after the current due "
                                  f"({self.frozen_due_at})")
        moved = replace(self, reschedules=self.reschedules + 1)
        if moved.reschedules < limit:
            if calendar is None:
                raise ClockStateError("calendar is required to compute the next apology deadline")
            return moved._with_due(new_due, calendar, hours)
        return replace(moved, frozen_due_at=new_due, due_version=self.due_version + 1,
                       stored_apology_deadline=None, stored_at_risk_at=None,
                       due_estimate=_estimate(self.started_at, new_due, calendar)
                       if calendar is not None else self.due_estimate)

    def close(self, at: datetime) -> "DossierClock":
        """End the clock (resolved, rejected, stopped or withdrawn); an open pause stays recorded."""
        at = self._check_open(at, "at")
        if self.paused_at is not None and at < self.paused_at:
            raise InvalidPauseError(f"at ({at}) is before the pause started ({self.paused_at})")
        return replace(self, closed_at=at)

    def to_dict(self) -> dict[str, Any]:
        """A dict of JSON types; ``DossierClock.from_dict(c.to_dict()) == c``."""
        return clock_codec.encode(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "DossierClock":
        return cls(**clock_codec.decode(data))

    def _check_open(self, value: datetime, param: str) -> datetime:
        at = _moment(value, param)
        if self.is_closed:
            raise ClockStateError(f"{param}: the clock was closed at {self.closed_at}")
        if at < self.received_at:
            raise ClockStateError(f"{param} ({at}) is before receipt ({self.received_at})")
        return at

    def _with_due(self, due: datetime, calendar: WorkingCalendar,
                  hours: OfficeHours) -> "DossierClock":
        version = self.due_version + (due != self.frozen_due_at)
        apology, warning = apology_moments(due, self.started_at, self.rules, calendar, hours,
                                            self.reschedules)
        return replace(self, frozen_due_at=due, due_version=version, stored_apology_deadline=apology,
                       stored_at_risk_at=warning)


def start(received_at: datetime, duration: Duration, calendar: WorkingCalendar,
          hours: OfficeHours = DEFAULT_HOURS, cutoff: time | None = None,
          rules: RuleSet | None = None, appointment: datetime | None = None) -> DossierClock:
    """Start the clock of a complete dossier received at ``received_at`` (tiếp nhận).

    ``rules`` defaults to the rule set in force at receipt (it must be one of ``RULE_SETS``, as
    the clock stores only its version); ``cutoff`` is the procedure's. ``appointment`` is the
    printed NgayHenTra, if the record carries one: it becomes the due moment (see the module
    docstring); it must be after the receipt.
    """
    received = _moment(received_at, "received_at")
    if not isinstance(duration, Duration):
        raise InvalidDurationError(f"duration must be a Duration, got {duration!r}")
    rules = rules or rules_for(received)
    if rules_by_version(rules.version) != rules:
        raise UnknownRuleVersionError(f"rules {rules.version!r} is not one of RULE_SETS")
    started = clock_start(received, calendar, hours, cutoff)
    statutory = due_from_start(started, duration, calendar, hours)
    printed = None if appointment is None else _moment(appointment, "appointment_at")
    if printed is not None and printed <= received:
        raise ClockStateError(f"appointment_at ({printed}) must be after receipt ({received})")
    basis = APPOINTMENT if printed not in (None, statutory) else STATUTORY
    due = printed if basis == APPOINTMENT else statutory
    apology, warning = apology_moments(due, started, rules, calendar, hours)
    return DossierClock(rules.version, duration, received, started, due, apology, warning,
                        statutory_due_at=statutory, appointment_at=printed, due_basis=basis,
                        due_estimate=_estimate(started, due, calendar))


def _estimate(started: datetime, due: datetime, calendar: WorkingCalendar) -> str | None:
    return estimate_note(calendar.estimates(started.date(), due.date()))


def apology_moments(due: datetime, started: datetime, rules: RuleSet, calendar: WorkingCalendar,
                     hours: OfficeHours, reschedules: int = 0
                     ) -> tuple[datetime | None, datetime | None]:
    """(apology deadline, at-risk warning) for ``due`` under ``rules``; both None without a
    reschedule left (an apology would ask for one that is no longer allowed)."""
    if reschedules >= rules.max_reschedules:
        return None, None
    day = _working_days_before(due, rules.apology_lead_working_days, calendar)
    wall = due.time() if rules.apology_deadline_rule == SAME_TIME_PREVIOUS_WORKING_DAY \
        else hours.windows[-1][1]
    deadline = max(started, clamp_into_hours(day, wall, hours))
    warn_day = _working_days_before(due, rules.at_risk_lead_working_days, calendar)
    warning = max(started, clamp_into_hours(warn_day, due.time(), hours))
    return deadline, min(warning, deadline)


def _working_days_before(due: datetime, n: int, calendar: WorkingCalendar) -> date:
    day = due.date()
    for _ in range(n):
        day = calendar.previous_working_day(day)
    return day
