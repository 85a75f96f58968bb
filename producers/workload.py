"""The simulated province's workload: who files what, when, and how each department behaves.

Pure data and small draws from an injected ``random.Random``. The behaviour table models the
seed letter: Xây dựng, Tài nguyên và Môi trường and Kế hoạch và Đầu tư clearly worse at meeting
deadlines (and at apologising in time) than the other departments. Shares are per dossier.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from schemas.fields import Applicant, Channel

__all__ = ["BEHAVIOUR", "CENTER", "SERVICES", "Behaviour", "Services", "arrival_times",
           "channel_for", "draw_applicant", "apology_choice"]

CENTER = "000.00.02.H47"  # the seed's one-stop centre (Quảng Nam); the registry names its successor


@dataclasses.dataclass(frozen=True)
class Behaviour:
    """How one department handles dossiers (probabilities per dossier)."""

    weight: float            # relative share of the province's dossiers
    late: float              # resolved after the due moment
    apology: tuple[float, float, float]  # for a late dossier: apology on time / late / never
    supplement: float = 0.12  # at least one supplement request
    second_supplement: float = 0.05  # of those, a second request (quá hạn under 766)
    rejection: float = 0.03
    withdrawal: float = 0.02


BEHAVIOUR: dict[str, Behaviour] = {
    "000.00.15.H47": Behaviour(1.2, late=0.32, apology=(0.25, 0.35, 0.40), supplement=0.30,
                                 second_supplement=0.2),  # Xây dựng
    "000.00.16.H47": Behaviour(1.4, late=0.38, apology=(0.20, 0.35, 0.45), supplement=0.30,
                                 second_supplement=0.2),  # TN&MT
    "000.00.10.H47": Behaviour(1.3, late=0.34, apology=(0.35, 0.35, 0.30),
                                 supplement=0.2, second_supplement=0.2),     # KH&ĐT
    "000.00.17.H47": Behaviour(0.8, late=0.08, apology=(0.70, 0.20, 0.10)),                   # VHTTDL
    "000.00.13.H47": Behaviour(0.9, late=0.10, apology=(0.65, 0.20, 0.15)),                   # Y tế
    "000.00.12.H47": Behaviour(0.6, late=0.05, apology=(0.80, 0.15, 0.05)),                   # Nội vụ
    "000.00.11.H47": Behaviour(0.7, late=0.03, apology=(0.85, 0.10, 0.05)),           # Tài chính
    "000.00.14.H47": Behaviour(1.0, late=0.02, apology=(0.90, 0.10, 0.00)),                   # GD&ĐT
    "000.00.18.H47": Behaviour(0.5, late=0.02, apology=(0.90, 0.10, 0.00)),           # TT&TT
    "000.00.19.H47": Behaviour(0.6, late=0.12, apology=(0.55, 0.25, 0.20)),                   # Chu Lai
}

@dataclasses.dataclass(frozen=True)
class Services:
    """How far one department has gone digital (Decision 766 groups 4 and 6), per dossier."""

    paid_online: float        # of dossiers with fees, paid online (DuocThanhToanTrucTuyen)
    digitised: float          # components digitised at receipt (HoSoCoThanhPhanSoHoa)
    reused: float             # a component taken from the national store (DuocLayTuKhoDMQG)
    vneid: float              # of online dossiers, from a VNeID-authenticated account
    electronic_result: float  # result issued electronically (DuongDanTepTinKetQua)


#: The finance, planning and ICT departments lead; construction and land records lag (the
#: province's 2025 self-assessment pattern, simulated).
SERVICES: dict[str, Services] = {
    "000.00.15.H47": Services(0.35, 0.55, 0.20, 0.55, 0.40),  # Xây dựng
    "000.00.16.H47": Services(0.30, 0.45, 0.15, 0.50, 0.30),  # TN&MT
    "000.00.10.H47": Services(0.75, 0.90, 0.60, 0.85, 0.95),  # KH&ĐT (business registration)
    "000.00.17.H47": Services(0.50, 0.75, 0.40, 0.70, 0.70),  # VHTTDL
    "000.00.13.H47": Services(0.55, 0.80, 0.45, 0.70, 0.75),  # Y tế
    "000.00.12.H47": Services(0.60, 0.85, 0.50, 0.75, 0.80),  # Nội vụ
    "000.00.11.H47": Services(0.85, 0.95, 0.70, 0.90, 0.95),  # Tài chính
    "000.00.14.H47": Services(0.65, 0.85, 0.55, 0.80, 0.85),  # GD&ĐT
    "000.00.18.H47": Services(0.80, 0.95, 0.65, 0.90, 0.95),  # TT&TT
    "000.00.19.H47": Services(0.45, 0.65, 0.30, 0.60, 0.50),  # Chu Lai
}
DEFAULT_SERVICES = Services(0.5, 0.7, 0.4, 0.7, 0.7)

#: Relative intake per weekday (Monday first) and per opening hour (07..16).
WEEKDAY_WEIGHT = (1.25, 1.05, 1.0, 0.95, 0.85, 0.0, 0.0)
HOUR_WEIGHT = {7: 1.0, 8: 1.6, 9: 1.7, 10: 1.5, 11: 0.4, 13: 0.6, 14: 1.3, 15: 1.2, 16: 0.7}
_DESK_MINUTES = {11: 30, 13: 30}  # 11:00–11:30 and 13:30–14:00 are half hours
ONLINE_HOURS = tuple(range(6, 24))

_SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Phan", "Võ", "Đặng", "Bùi")
_MIDDLE = ("Văn", "Thị", "Minh", "Ngọc", "Quốc", "Thanh", "Hữu", "Đức")
_GIVEN = ("An", "Bình", "Chi", "Dũng", "Hà", "Hùng", "Lan", "Long", "Mai", "Nam", "Phúc",
          "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy")
_COMPANIES = ("Công ty TNHH Xây dựng Miền Trung", "Công ty CP Du lịch Hội An",
              "Công ty TNHH Thương mại Tam Kỳ", "Công ty CP Đầu tư Chu Lai",
              "Hợp tác xã Nông nghiệp Duy Xuyên")


def arrival_times(rng: random.Random, day: dt.date, per_day: float, tz: dt.tzinfo
                  ) -> list[tuple[dt.datetime, bool]]:
    """Submission moments of one day, each with whether it was filed online, sorted.

    Desk filings fall inside office hours on weekdays; online filings come at any hour, any day.
    """
    expected = per_day * WEEKDAY_WEIGHT[day.weekday()]
    desk = [(_desk_moment(rng, day, tz), False) for _ in range(_poisson(rng, expected * 0.55))]
    online = [(_online_moment(rng, day, tz), True)
              for _ in range(_poisson(rng, per_day * 0.45 * (0.3 if day.weekday() >= 5 else 1)))]
    return sorted(desk + online)


def _poisson(rng: random.Random, mean: float) -> int:
    # Normal approximation, rounded: intake per day is large enough and this stays deterministic.
    return max(0, round(rng.gauss(mean, mean ** 0.5))) if mean > 0 else 0


def _desk_moment(rng: random.Random, day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    hour = rng.choices(list(HOUR_WEIGHT), weights=list(HOUR_WEIGHT.values()))[0]
    span = _DESK_MINUTES.get(hour, 60)
    minute = rng.randrange(span) + (30 if hour == 13 else 0)
    return dt.datetime.combine(day, dt.time(hour, minute), tz)


def _online_moment(rng: random.Random, day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.choice(ONLINE_HOURS), rng.randrange(60)), tz)


def channel_for(rng: random.Random, online: bool) -> Channel:
    if online:
        return Channel.ONLINE
    return Channel.POST if rng.random() < 0.12 else Channel.IN_PERSON


def draw_applicant(rng: random.Random) -> Applicant:
    """A made-up applicant (simulated personal data)."""
    if rng.random() < 0.25:
        return Applicant(name=rng.choice(_COMPANIES), id_number=f"40{rng.randrange(10**8):08d}",
                         phone=f"0235 3{rng.randrange(10**6):06d}")
    name = f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}"
    return Applicant(name=name, id_number=f"049{rng.randrange(10**9):09d}",
                     phone=f"09{rng.randrange(10**8):08d}",
                     address=f"Tổ {rng.randrange(1, 12)}, phường Tam Kỳ, thành phố Đà Nẵng")


def apology_choice(rng: random.Random, behaviour: Behaviour) -> str:
    return rng.choices(("on_time", "late", "never"), weights=behaviour.apology)[0]
