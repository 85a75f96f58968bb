"""Liên thông step tracking for the dossier clock (mixed into DossierClock).

Each agency's turn is a :class:`Step`: its allowance, its own deadline (allowance counted from
entry like a dossier's due, pushed back when the clock pauses during the step) and, once left,
the working minutes used there net of pauses. One step is open at a time.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from stream_processors.core.calendar import WorkingCalendar
from stream_processors.core.clock_records import Step
from stream_processors.core.durations import Duration, compute_due
from stream_processors.core.exceptions import ClockStateError, InvalidDurationError
from stream_processors.core.office_hours import (DEFAULT_HOURS, OfficeHours, add_working_minutes,
                                                 working_minutes_between)

__all__ = ["StepTracking", "push_open_step"]


class StepTracking:
    """Step transitions; the host dataclass provides ``steps``, ``is_paused``, ``_check_open``."""

    steps: tuple[Step, ...]
    is_paused: bool

    def _check_open(self, value: datetime, param: str) -> datetime:
        raise NotImplementedError

    @property
    def current_step(self) -> Step | None:
        """The open step, if any."""
        return self.steps[-1] if self.steps and self.steps[-1].is_open else None

    def enter_step(self, agency: str, allowance: Duration, at: datetime,
                   calendar: WorkingCalendar, hours: OfficeHours = DEFAULT_HOURS):
        """The dossier reaches ``agency`` at ``at`` with ``allowance``; its deadline is computed."""
        at = self._check_open(at, "at")
        if self.current_step is not None or self.is_paused:
            busy = "paused" if self.is_paused else "another step is open"
            raise ClockStateError(f"agency: cannot enter a step while {busy}")
        if not isinstance(allowance, Duration):
            raise InvalidDurationError(f"allowance must be a Duration, got {allowance!r}")
        step = Step(agency, allowance, at, compute_due(at, allowance, calendar, hours))
        return replace(self, steps=(*self.steps, step))

    def leave_step(self, at: datetime, calendar: WorkingCalendar,
                   hours: OfficeHours = DEFAULT_HOURS):
        """Close the open step at ``at``, recording the working minutes used there."""
        at, step = self._check_open(at, "at"), self.current_step
        if step is None:
            raise ClockStateError("at: there is no open step to leave")
        if self.is_paused:
            raise ClockStateError("at: resume the clock before leaving the step")
        if at < step.entered_at:
            raise ClockStateError(f"at ({at}) is before the step was entered ({step.entered_at})")
        used = working_minutes_between(step.entered_at, at, calendar, hours) - step.paused_minutes
        done = replace(step, left_at=at, used_minutes=max(0, used))
        return replace(self, steps=(*self.steps[:-1], done))


def push_open_step(steps: tuple[Step, ...], minutes: int, calendar: WorkingCalendar,
                   hours: OfficeHours) -> tuple[Step, ...]:
    """Move the open step's deadline back by ``minutes`` paused working minutes."""
    if not steps or not steps[-1].is_open or not minutes:
        return steps
    step = steps[-1]
    pushed = replace(step, deadline=add_working_minutes(step.deadline, minutes, calendar, hours),
                     paused_minutes=step.paused_minutes + minutes)
    return (*steps[:-1], pushed)
