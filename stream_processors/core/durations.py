"""Statutory durations and the due moment they give (thời hạn giải quyết → ngày hẹn trả).

Units (:class:`DurationUnit`):

* ``working_days`` — N working days = N × (working minutes per day, 480 by default) counted
  inside office hours from the clock start: received Monday 09:00 + 1 working day → Tuesday 09:00.
* ``working_hours`` — N × 60 working minutes, counted the same way.
* ``calendar_days`` — N × 24 h from the clock start; a due moment on a non-working day moves to
  the next working day's opening.

The **clock start** is the receipt moment if the office is open then, otherwise the next opening.
A procedure may declare an afternoon **cut-off** (e.g. 15:00): a dossier received after it
starts at the next working day's opening. Moments are aware datetimes; results are Vietnam time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import Enum

from stream_processors.core.calendar import WorkingCalendar
from stream_processors.core.exceptions import InvalidDurationError, UnknownUnitError
from stream_processors.core.office_hours import DEFAULT_HOURS, OfficeHours, add_working_minutes, \
    next_opening
from stream_processors.core.vntime import to_minute, to_vn

__all__ = ["DurationUnit", "Duration", "clock_start", "due_from_start", "compute_due"]


class DurationUnit(str, Enum):
    WORKING_DAYS = "working_days"
    WORKING_HOURS = "working_hours"
    CALENDAR_DAYS = "calendar_days"

    @classmethod
    def parse(cls, value: "str | DurationUnit", param: str = "unit") -> "DurationUnit":
        """The unit named ``value``; anything else raises :class:`UnknownUnitError`."""
        try:
            return cls(value)
        except ValueError:
            allowed = " | ".join(u.value for u in cls)
            raise UnknownUnitError(f"{param} must be one of {allowed}, got {value!r}") from None


@dataclass(frozen=True)
class Duration:
    """A positive whole ``amount`` of ``unit`` (a string unit is parsed and validated)."""
    amount: int
    unit: DurationUnit

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise InvalidDurationError(f"amount must be a whole number, got {self.amount!r}")
        if self.amount <= 0:
            raise InvalidDurationError(f"amount must be positive, got {self.amount}")
        object.__setattr__(self, "unit", DurationUnit.parse(self.unit))

    def working_minutes(self, hours: OfficeHours = DEFAULT_HOURS) -> int | None:
        """Working minutes this duration allows; None for ``calendar_days``."""
        if self.unit is DurationUnit.WORKING_DAYS:
            return self.amount * hours.minutes_per_day
        if self.unit is DurationUnit.WORKING_HOURS:
            return self.amount * 60
        return None

    def to_dict(self) -> dict[str, object]:
        return {"amount": self.amount, "unit": self.unit.value}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> "Duration":
        return cls(data["amount"], data["unit"])  # type: ignore[arg-type]

    def __str__(self) -> str:
        return f"{self.amount} {self.unit.value}"


def clock_start(received_at: datetime, calendar: WorkingCalendar,
                hours: OfficeHours = DEFAULT_HOURS, cutoff: time | None = None) -> datetime:
    """When the processing clock starts for a dossier received at ``received_at``."""
    received = to_vn(received_at, "received_at")
    if cutoff is not None and to_minute(received).time() > cutoff:  # the cut-off minute is in
        received = received.replace(hour=23, minute=59, second=59, microsecond=999999)
    return next_opening(received, calendar, hours)


def due_from_start(started_at: datetime, duration: Duration, calendar: WorkingCalendar,
                   hours: OfficeHours = DEFAULT_HOURS) -> datetime:
    """The due moment of ``duration`` counted from an already computed clock start."""
    minutes = duration.working_minutes(hours)
    if minutes is not None:
        return add_working_minutes(started_at, minutes, calendar, hours)
    nominal = to_vn(started_at, "started_at") + timedelta(days=duration.amount)
    if calendar.is_working_day(nominal.date()):
        return nominal
    return next_opening(nominal.replace(hour=0, minute=0, second=0, microsecond=0), calendar, hours)


def compute_due(received_at: datetime, duration: Duration, calendar: WorkingCalendar,
                hours: OfficeHours = DEFAULT_HOURS, cutoff: time | None = None) -> datetime:
    """Due moment for a dossier received at ``received_at`` with no pause or reschedule."""
    start = clock_start(received_at, calendar, hours, cutoff)
    return due_from_start(start, duration, calendar, hours)
