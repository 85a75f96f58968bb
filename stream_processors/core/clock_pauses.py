"""Pause and resume for the dossier clock (mixed into DossierClock).

A pause (supplement requested — status 5 — or a financial obligation — status 6 — where the
procedure pauses for it) stops the clock. Resuming moves the due moment, and an open step's
deadline, back by the *working* minutes between pause and resume, whatever the duration's unit
(the 766 excluded time). Pauses do not nest and never overlap; each supplement request counts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from stream_processors.core.calendar import WorkingCalendar
from stream_processors.core.clock_records import Pause, PauseReason, Step
from stream_processors.core.clock_steps import push_open_step
from stream_processors.core.exceptions import InvalidPauseError
from stream_processors.core.office_hours import (DEFAULT_HOURS, OfficeHours, add_working_minutes,
                                                 working_minutes_between)

__all__ = ["PauseTracking"]


class PauseTracking:
    """Pause transitions; the host dataclass provides the fields and ``_check_open``/``_with_due``."""

    paused_at: datetime | None
    pause_reason: PauseReason | None
    pauses: tuple[Pause, ...]
    steps: tuple[Step, ...]
    supplement_requests: int
    frozen_due_at: datetime

    def _check_open(self, value: datetime, param: str) -> datetime:
        raise NotImplementedError

    def _with_due(self, due: datetime, calendar: WorkingCalendar, hours: OfficeHours):
        raise NotImplementedError

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def paused_minutes(self) -> int:
        """Working minutes of all finished pauses (the 766 'excluded time')."""
        return sum(p.working_minutes for p in self.pauses)

    def pause(self, at: datetime, reason: PauseReason = PauseReason.SUPPLEMENT):
        """Stop the clock at ``at``. A supplement request is counted even if never resumed."""
        at, reason = self._check_open(at, "at"), PauseReason(reason)
        if self.paused_at is not None:
            raise InvalidPauseError(f"at: the clock is already paused since {self.paused_at}")
        if self.pauses and at < self.pauses[-1].ended_at:
            raise InvalidPauseError(f"at ({at}) is before the previous pause ended "
                                    f"({self.pauses[-1].ended_at})")
        extra = 1 if reason is PauseReason.SUPPLEMENT else 0
        return replace(self, paused_at=at, pause_reason=reason,
                       supplement_requests=self.supplement_requests + extra)

    def resume(self, at: datetime, calendar: WorkingCalendar, hours: OfficeHours = DEFAULT_HOURS):
        """Restart at ``at``; the due moment moves back by the paused working minutes."""
        at = self._check_open(at, "at")
        if self.paused_at is None or self.pause_reason is None:
            raise InvalidPauseError("at: the clock is not paused, there is nothing to resume")
        if at < self.paused_at:
            raise InvalidPauseError(f"at ({at}) is before the pause started ({self.paused_at})")
        minutes = working_minutes_between(self.paused_at, at, calendar, hours)
        due = add_working_minutes(self.frozen_due_at, minutes, calendar, hours)
        pause = Pause(self.paused_at, at, self.pause_reason, minutes)
        moved = replace(self, paused_at=None, pause_reason=None, pauses=(*self.pauses, pause),
                        steps=push_open_step(self.steps, minutes, calendar, hours))
        return moved._with_due(due, calendar, hours)
