"""A small scripted scenario of pipeline output, for the board's tests and demos.

Two agencies; dossier A goes at risk and gets a letter, dossier B goes overdue, dossier C is
resolved on time; agency and province snapshots; one dead letter. All derived events are what
the worker and sinks would publish, built from the contract's models.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from schemas import derived as D, lifecycle as L
from schemas.cloudevents import Event
from schemas.fields import Applicant, Channel, Duration, DurationUnit, Level

__all__ = ["AGENCY_XD", "AGENCY_TNMT", "T0", "dossier_code", "received", "at_risk", "overdue",
           "letter", "snapshot", "scenario"]

VN = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = dt.datetime(2025, 11, 3, 8, 0, tzinfo=VN)
AGENCY_XD, AGENCY_TNMT = "000.00.15.H47", "000.00.16.H47"
NAMES = {AGENCY_XD: "Sở Xây dựng", AGENCY_TNMT: "Sở Tài nguyên và Môi trường"}
PROC, PROC_NAME = "1.009994", "Cấp giấy phép xây dựng"
SOURCE = "urn:motcua:test"


def dossier_code(agency: str, n: int) -> str:
    return f"{agency}-251103-{n:04d}"


def received(code: str, agency: str, at: dt.datetime, days: float = 5) -> Event:
    data = L.DossierReceived(
        code, PROC, PROC_NAME, "XD", "000.00.01.H47", agency, NAMES[agency], Level.PROVINCE,
        Channel.ONLINE, Duration(days, DurationUnit.WORKING_DAYS), at + dt.timedelta(days=7),
        False, Applicant("Nguyễn Văn A"))
    return Event.new(data, time=at, source=SOURCE)


def at_risk(code: str, agency: str, at: dt.datetime, due_version: int = 1) -> Event:
    data = D.DossierAtRisk(code, due_version, at + dt.timedelta(days=1), at, agency, NAMES[agency],
                           PROC, PROC_NAME, T0)
    return Event.new(data, time=at, source=SOURCE)


def overdue(code: str, agency: str, at: dt.datetime) -> Event:
    data = D.DossierOverdue(code, D.FlagScope.DOSSIER, 1, at, agency, NAMES[agency], PROC,
                            PROC_NAME, T0)
    return Event.new(data, time=at, source=SOURCE)


def letter(code: str, agency: str, at: dt.datetime, due_version: int = 1) -> Event:
    data = D.LetterDrafted(f"L-{code}-{due_version}", code, due_version, "nd61-2018/mau-04",
                           agency, at + dt.timedelta(days=1), at + dt.timedelta(days=8))
    return Event.new(data, time=at, source=SOURCE)


def snapshot(scope: str, key: str, at: dt.datetime, **values: float) -> Event:
    data = D.MetricSnapshot(scope, key, "rolling_30d", at - dt.timedelta(days=30), at, at,
                            {k: float(v) for k, v in values.items()})
    return Event.new(data, time=at, source=SOURCE)


def scenario() -> list[Event]:
    a, b, c = (dossier_code(AGENCY_XD, 1), dossier_code(AGENCY_TNMT, 2),
               dossier_code(AGENCY_XD, 3))
    day = dt.timedelta(days=1)
    resolved = D.DossierClassified(c, PROC, AGENCY_XD, D.Classification.TRUOC_HAN, T0 + 2 * day,
                                   T0 + 7 * day, 1, 900, 2400, 0)
    dead = D.DeadLettered("schema_invalid", "data.channel: unknown", "dossier-lifecycle", 0, 7,
                          "e30=")
    return [
        received(a, AGENCY_XD, T0), received(b, AGENCY_TNMT, T0), received(c, AGENCY_XD, T0),
        Event.new(L.DossierResolved(c, AGENCY_XD), time=T0 + 2 * day, source=SOURCE),
        Event.new(resolved, time=T0 + 2 * day, source=SOURCE),
        at_risk(a, AGENCY_XD, T0 + 6 * day), letter(a, AGENCY_XD, T0 + 6 * day),
        at_risk(b, AGENCY_TNMT, T0 + 6 * day), overdue(b, AGENCY_TNMT, T0 + 7 * day),
        snapshot("agency", AGENCY_XD, T0 + 7 * day, on_time_rate=0.9, apology_compliance_rate=1,
                 four_step_dossier_share=0.6, online_share=0.4),
        snapshot("agency", AGENCY_TNMT, T0 + 7 * day, on_time_rate=0.5, apology_compliance_rate=0,
                 four_step_dossier_share=0.2, online_share=0.3),
        snapshot("province", "H47", T0 + 6 * day, on_time_rate=0.8, four_step_dossier_share=0.4),
        snapshot("province", "H47", T0 + 7 * day, on_time_rate=0.7, four_step_dossier_share=0.45),
        Event.new(dead, time=T0 + 7 * day, source=SOURCE),
    ]
