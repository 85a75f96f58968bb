"""Value records kept inside a :class:`~stream_processors.core.clock.DossierClock`.

Each record converts to and from a dict of JSON types; moments are ISO 8601 strings with the
+07:00 offset and are read back as Vietnam-time datetimes, so a round trip is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from stream_processors.core.durations import Duration
from stream_processors.core.vntime import parse_moment

__all__ = ["PauseReason", "Pause", "Step", "iso", "from_iso"]


class PauseReason(str, Enum):
    SUPPLEMENT = "supplement"  # status 5, yêu cầu bổ sung
    FINANCIAL_OBLIGATION = "financial_obligation"  # status 6, where the procedure pauses for it


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def from_iso(text: str | None, param: str = "moment") -> datetime | None:
    return None if text is None else parse_moment(text, param)


@dataclass(frozen=True)
class Pause:
    """A finished pause and the working minutes it pushed the due moment back by."""
    started_at: datetime
    ended_at: datetime
    reason: PauseReason
    working_minutes: int

    def to_dict(self) -> dict[str, Any]:
        return {"started_at": iso(self.started_at), "ended_at": iso(self.ended_at),
                "reason": self.reason.value, "working_minutes": self.working_minutes}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Pause":
        return cls(from_iso(data["started_at"]), from_iso(data["ended_at"]),
                   PauseReason(data["reason"]), int(data["working_minutes"]))


@dataclass(frozen=True)
class Step:
    """One agency's turn in a liên thông chain (a row of the Phiếu kiểm soát: Mẫu 06 of
    Circular 03/2025, Mẫu 05 of Circular 01/2018).

    ``deadline`` is the step's own due moment (allowance counted from entry, pushed back by
    pauses while the step is open). ``used_minutes`` = working minutes at the agency minus
    paused working minutes, set when the step is left.
    """
    agency: str
    allowance: Duration
    entered_at: datetime
    deadline: datetime
    left_at: datetime | None = None
    paused_minutes: int = 0
    used_minutes: int | None = None

    @property
    def is_open(self) -> bool:
        return self.left_at is None

    def to_dict(self) -> dict[str, Any]:
        return {"agency": self.agency, "allowance": self.allowance.to_dict(),
                "entered_at": iso(self.entered_at), "deadline": iso(self.deadline),
                "left_at": iso(self.left_at), "paused_minutes": self.paused_minutes,
                "used_minutes": self.used_minutes}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Step":
        return cls(data["agency"], Duration.from_dict(data["allowance"]),
                   from_iso(data["entered_at"]), from_iso(data["deadline"]),
                   from_iso(data["left_at"]), int(data["paused_minutes"]),
                   data["used_minutes"])
