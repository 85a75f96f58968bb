"""What the Decision 766 indicators are computed from: flat, immutable facts per dossier,
procedure and citizen feedback (PAKN), the units scored and the evaluation period.

Moments are timezone-aware. ``None`` in a dossier's optional data means *not reported* (an old
record, a one-stop system that does not send it), which is different from ``False``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from stream_processors.core.vntime import VN_TZ

#: Vietnam has kept UTC+07:00 since 1975; a fixed offset compares much faster than the zone.
_VN_FIXED = timezone(timedelta(hours=7))

__all__ = ["ScoredDossier", "ScoredProcedure", "Feedback", "Unit", "Period", "evaluation_period",
           "ONLINE_LEVELS", "RESOLVED", "minute"]

ONLINE_LEVELS = ("full", "partial", "none")  # toàn trình / một phần / none
RESOLVED = (9, 10)


def _seconds(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


def minute(moment: datetime | None) -> int | None:
    """The whole minute of an aware moment (Unix minutes): the portal compares to the minute,
    and Vietnam's offset is whole hours, so this equals truncating the local time."""
    return None if moment is None else int(moment.timestamp()) // 60


@dataclass(frozen=True)
class ScoredDossier:
    """A dossier as the portal sees it (its ``HoSoDongBoDVC`` state).

    ``ended_at`` is NgayKetThucXuLy and ``returned_at`` NgayTra; the end moment is the first
    present of the two (:attr:`end`). A dossier rejected at the desk has ``received_at`` None
    and its rejection moment as ``ended_at``. ``supplement_open_since`` is the moment of the
    supplement request still waiting for the applicant, if any.
    """

    code: str
    agency: str
    procedure: str
    received_at: datetime | None
    due_at: datetime | None
    ended_at: datetime | None = None
    returned_at: datetime | None = None
    end_status: int | None = None
    supplements: int = 0
    supplement_open_since: datetime | None = None
    channel: str = "in_person"
    fees_vnd: int | None = None  # DanhSachPhiLePhi total; 0 = no fees
    paid_online: bool | None = None  # DuocThanhToanTrucTuyen 1 or 2
    digitised: bool | None = None  # HoSoCoThanhPhanSoHoa
    reused: bool | None = None  # a component DuocLayTuKhoDMQG
    result_electronic: bool | None = None  # DuongDanTepTinKetQua present
    vneid: bool | None = None  # TaiKhoanDuocXacThucVoiVNeID
    satisfaction: str | None = None  # rat_hai_long | hai_long | khong_hai_long
    complaint: bool = False

    @property
    def end(self) -> datetime | None:
        return self.ended_at if self.ended_at is not None else self.returned_at

    @property
    def started(self) -> datetime | None:
        return self.received_at if self.received_at is not None else self.ended_at

    # numbers computed once per dossier: one scorecard judges each dossier many times
    received_s: float | None = field(init=False, repr=False, compare=False)
    end_s: float | None = field(init=False, repr=False, compare=False)
    started_s: float | None = field(init=False, repr=False, compare=False)
    end_minute: int | None = field(init=False, repr=False, compare=False)
    due_minute: int | None = field(init=False, repr=False, compare=False)
    open_since_minute: int | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        end = self.end
        received_s = _seconds(self.received_at)
        end_s = _seconds(end)
        for name, value in (("received_s", received_s), ("end_s", end_s),
                            ("started_s", received_s if received_s is not None else end_s),
                            ("end_minute", minute(end)), ("due_minute", minute(self.due_at)),
                            ("open_since_minute", minute(self.supplement_open_since))):
            object.__setattr__(self, name, value)


@dataclass(frozen=True)
class ScoredProcedure:
    """A catalog procedure: online level, fees, publication dates, missing disclosure parts."""

    code: str
    agency: str
    online_level: str = "none"
    has_fees: bool | None = None
    payment_integrated: bool | None = None
    effective_on: date | None = None  # the publication decision takes effect
    published_on: date | None = None  # publicised at the one-stop desk / provincial portal
    national_published_on: date | None = None  # on the national TTHC database
    disclosure_missing: tuple[str, ...] = ()
    ended: bool = False


@dataclass(frozen=True)
class Feedback:
    """A citizen feedback (phản ánh, kiến nghị) and what was done with it, each step by its
    working-day limit: ``due`` maps an action to the moment it had to happen by."""

    id: str
    agency: str
    received_at: datetime
    actions: tuple[tuple[str, datetime], ...] = ()  # (action, at) in time order
    due: tuple[tuple[str, datetime], ...] = ()  # (action, deadline)
    satisfied: bool | None = None


@dataclass(frozen=True)
class Unit:
    """A scored unit: the province (root, sees everything), a department or a commune."""

    code: str
    name: str
    level: str  # province | department | commune

    def holds(self, agency: str) -> bool:
        return self.level == "province" or agency == self.code


@dataclass(frozen=True)
class Period:
    """``[start, end)``; ``at`` is when it is judged (min of end and now): a period still
    running gives the score as of now, the projection of the period's score."""

    label: str
    start: datetime
    end: datetime
    at: datetime
    start_s: float = field(init=False, repr=False, compare=False)
    at_s: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "start_s", self.start.timestamp())
        object.__setattr__(self, "at_s", self.at.timestamp())


def _midnight(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=_VN_FIXED)


def evaluation_period(label: str, as_of: datetime) -> Period:
    """``YYYY``, ``YYYY-Qn``, ``YYYY-MM`` or ``today`` (the 30 days up to ``as_of``)."""
    local = as_of.astimezone(VN_TZ).astimezone(_VN_FIXED)
    if label == "today":
        start = _midnight(local.date() - timedelta(days=29))
        return Period(label, start, local, local)
    parts = label.split("-")
    try:
        year = int(parts[0])
        if len(parts) == 1:
            first, months = 1, 12
        elif parts[1].startswith("Q") and parts[1][1:] in ("1", "2", "3", "4"):
            first, months = 3 * (int(parts[1][1:]) - 1) + 1, 3
        elif len(parts) == 2 and 1 <= int(parts[1]) <= 12:
            first, months = int(parts[1]), 1
        else:
            raise ValueError
    except ValueError:
        raise ValueError(f"period {label!r}: expected YYYY, YYYY-Qn, YYYY-MM or today") from None
    start = _midnight(date(year, first, 1))
    last = first + months
    end = _midnight(date(year + (last - 1) // 12, (last - 1) % 12 + 1, 1))
    return Period(label, start, end, min(end, local))
