"""Errors raised by the deadline engine. Every message names the offending parameter or field.

All of them derive from :class:`DeadlineError`, itself a ``ValueError``, so callers that only
want "bad input" can catch ``ValueError``; none of them is ever replaced by a guessed answer.
"""

from __future__ import annotations

__all__ = [
    "DeadlineError", "NaiveDatetimeError", "InvalidDurationError", "UnknownUnitError",
    "InvalidOfficeHoursError", "InvalidPauseError", "ClockStateError", "RescheduleError",
    "UnknownRuleVersionError", "DataFileError", "UnknownProcedureError",
    "UnknownAgencyError", "RegistryInvalid",
]


class DeadlineError(ValueError):
    """Base class: an input the deadline engine refuses to compute with."""


class NaiveDatetimeError(DeadlineError):
    """A datetime without a UTC offset was passed where a moment is required."""


class InvalidDurationError(DeadlineError):
    """A duration amount is zero, negative or not an integer."""


class UnknownUnitError(DeadlineError):
    """A duration unit is not one of :class:`~stream_processors.core.durations.DurationUnit`."""


class InvalidOfficeHoursError(DeadlineError):
    """Office-hour windows are empty, reversed, overlapping or out of order."""


class InvalidPauseError(DeadlineError):
    """A pause ends before it starts, or pause/resume arrive in an impossible order."""


class ClockStateError(DeadlineError):
    """A transition is not allowed in the clock's current state (e.g. after it was closed)."""


class RescheduleError(DeadlineError):
    """A reschedule beyond the allowed number, or to a moment not after the current due."""


class UnknownRuleVersionError(DeadlineError):
    """No rule set has this version string, or none was in force at that date."""


class UnknownProcedureError(DeadlineError, KeyError):
    """A procedure (mã TTHC) or agency code is not in the catalog."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class DataFileError(DeadlineError):
    """A row of a data file is invalid. ``path``, ``line`` and ``field`` locate it."""

    def __init__(self, path: object, line: int, field: str | None, problem: str) -> None:
        self.path, self.line, self.field, self.problem = str(path), line, field, problem
        where = f"{self.path}:{line}" + (f": field '{field}'" if field else "")
        super().__init__(f"{where}: {problem}")


class UnknownAgencyError(UnknownProcedureError):
    """An agency code is not in the registry (or its successor links loop)."""


class RegistryInvalid(DeadlineError):
    """The registry files break one or more rules; ``errors`` lists each (file, line, rule)."""

    def __init__(self, errors: list[DataFileError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))
