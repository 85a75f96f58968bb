"""Vietnam time helpers: the one timezone the engine computes in, and strict parsing.

Vietnam (Asia/Ho_Chi_Minh, UTC+07:00) has had no daylight-saving time since 1975, so wall-clock
arithmetic in this zone is also elapsed-time arithmetic. Every moment entering the engine must be
timezone-aware; naive datetimes raise :class:`NaiveDatetimeError` naming the parameter.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from stream_processors.core.exceptions import DeadlineError, NaiveDatetimeError

__all__ = ["VN_TZ", "to_vn", "vn_date", "to_minute", "parse_moment", "parse_hhmm"]

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def to_vn(value: object, param: str) -> datetime:
    """Return ``value`` converted to Vietnam time; refuse naive or non-datetime values."""
    if not isinstance(value, datetime):
        raise DeadlineError(f"{param} must be a timezone-aware datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(
            f"{param} must be timezone-aware, got naive {value.isoformat()} "
            f"(add an offset, e.g. {value.isoformat()}+07:00)")
    return value.astimezone(VN_TZ)


def vn_date(value: date, param: str = "day") -> date:
    """The calendar date in Vietnam of a date or an aware datetime."""
    if isinstance(value, datetime):
        return to_vn(value, param).date()
    if not isinstance(value, date):
        raise DeadlineError(f"{param} must be a date, got {value!r}")
    return value


def to_minute(value: datetime) -> datetime:
    """Truncate to the whole minute (the engine's resolution, like NgayHenTra on the slip)."""
    return value.replace(second=0, microsecond=0)


def parse_moment(text: str, param: str) -> datetime:
    """Parse an ISO 8601 moment with an offset into Vietnam time."""
    try:
        value = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise DeadlineError(f"{param}: {text!r} is not an ISO 8601 moment "
                            "(e.g. 2023-10-27T09:32+07:00)") from None
    return to_vn(value, param)


def parse_hhmm(text: str, param: str) -> time:
    """Parse ``HH:MM`` (24-hour) into a :class:`datetime.time`."""
    parts = text.split(":") if isinstance(text, str) else []
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 2 for p in parts):
        raise DeadlineError(f"{param}: {text!r} is not a time HH:MM (e.g. 15:00)")
    hour, minute = int(parts[0]), int(parts[1])
    if hour > 23 or minute > 59:
        raise DeadlineError(f"{param}: {text!r} is not a valid time of day")
    return time(hour, minute)
