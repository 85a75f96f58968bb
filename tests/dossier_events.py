"""Builders of lifecycle CloudEvents for the stream-processor tests (scripted scenarios)."""

from __future__ import annotations

import datetime as dt
import itertools

from schemas import lifecycle as lc
from schemas.cloudevents import Event
from schemas.fields import Applicant, Channel, Duration, DurationUnit, Level
from stream_processors.core.calendar import default_calendar
from stream_processors.core.durations import compute_due
from stream_processors.core.transitions import engine_duration
from stream_processors.core.vntime import parse_hhmm

VN = dt.timezone(dt.timedelta(hours=7))
# Agencies of the shipped registry as they are from 2025-07-01 (the scenarios run in 2025-08)
DESK = "000.00.02.H15"          # Trung tâm Phục vụ hành chính công thành phố Đà Nẵng
SO_XD = "000.00.15.H15"         # Sở Xây dựng
SO_TNMT = "000.00.16.H15"       # Sở Nông nghiệp và Môi trường
UBND = "000.00.00.H15"          # Ủy ban nhân dân thành phố Đà Nẵng
SOURCE = "urn:motcua:test"
_ids = itertools.count(1)


def at(day: str, hhmm: str = "08:00") -> dt.datetime:
    """``at("2025-08-04", "09:30")`` → aware Vietnam moment."""
    return dt.datetime.fromisoformat(f"{day}T{hhmm}:00+07:00")


def code(n: int, day: str = "250804", agency: str = SO_XD) -> str:
    return f"{agency}-{day}-{n:04d}"


def ev(data, time: dt.datetime, id: str | None = None) -> Event:
    return Event.new(data, time=time, source=SOURCE, id=id or f"e-{next(_ids)}")


def received(c: str, time: dt.datetime, *, days: float = 5, agency: str = SO_XD,
             four_step: bool = False, channel: Channel = Channel.ONLINE,
             procedure: str = "1.004227", field: str = "xay-dung", cutoff: str | None = None,
             unit: DurationUnit = DurationUnit.WORKING_DAYS,
             appointment: dt.datetime | None = None) -> Event:
    """A receipt whose printed appointment is ``appointment``, by default the engine's own
    statutory due (as a desk running the same engine prints it)."""
    duration = Duration(days, unit)
    if appointment is None:
        appointment = compute_due(time, engine_duration(duration), default_calendar(),
                                  cutoff=parse_hhmm(cutoff, "cutoff") if cutoff else None)
    return ev(lc.DossierReceived(
        dossier_code=c, procedure_code=procedure, procedure_name="Cấp giấy phép xây dựng",
        field_code=field, receiving_agency=DESK, handling_agency=agency,
        handling_agency_name=f"Agency {agency}", level=Level.PROVINCE, channel=channel,
        duration=duration, appointment_at=appointment,
        four_step=four_step, applicant=Applicant(name="Nguyễn Văn A"), cutoff=cutoff), time)


def submitted(c: str, time: dt.datetime) -> Event:
    return ev(lc.DossierSubmitted(c, "1.004227", Channel.ONLINE, Applicant(name="Nguyễn Văn A")),
              time)


def transferred(c: str, time: dt.datetime, to: str, step: int, days: float,
                frm: str = DESK) -> Event:
    return ev(lc.DossierTransferred(c, frm, to, f"Agency {to}", step,
                                    Duration(days, DurationUnit.WORKING_DAYS)), time)


def supplement_requested(c: str, time: dt.datetime, agency: str = SO_XD) -> Event:
    return ev(lc.SupplementRequested(c, agency, "thiếu bản vẽ"), time)


def supplement_received(c: str, time: dt.datetime,
                        appointment: dt.datetime | None = None) -> Event:
    return ev(lc.SupplementReceived(c, appointment), time)


def resolved(c: str, time: dt.datetime, agency: str = SO_XD) -> Event:
    return ev(lc.DossierResolved(c, agency), time)


def returned(c: str, time: dt.datetime) -> Event:
    return ev(lc.ResultReturned(c, "in_person"), time)


def withdrawn(c: str, time: dt.datetime) -> Event:
    return ev(lc.DossierWithdrawn(c, "không có nhu cầu"), time)


def apology(c: str, time: dt.datetime, previous: dt.datetime, new: dt.datetime,
            agency: str = SO_XD) -> Event:
    return ev(lc.ApologyIssued(c, agency, "cần xác minh thêm", previous, new), time)


def heartbeat(time: dt.datetime, producer: str = "test") -> Event:
    return ev(lc.ClockHeartbeat(producer), time)
