"""Reusable field types of the contract (annotated with their rules) and small value objects."""

from __future__ import annotations

import dataclasses
import enum
from typing import Annotated

from schemas.codes import AGENCY_CODE_PATTERN, DOSSIER_CODE_PATTERN, PROCEDURE_CODE_PATTERN
from schemas.model import Rule

__all__ = [
    "AgencyCode", "Applicant", "Channel", "DossierCode", "Duration", "DurationUnit", "Fee",
    "FieldCode", "Level", "ProcedureCode", "ShortText", "Text",
]

DossierCode = Annotated[str, Rule(
    "Mã hồ sơ: {agency code}-{yyMMdd}-{4-digit sequence}, e.g. 000.00.06.H56-231027-0361",
    pattern=DOSSIER_CODE_PATTERN, dossier_code=True)]
AgencyCode = Annotated[str, Rule(
    "Agency electronic ID (QCVN 102:2016/BTTTT), e.g. 000.00.15.H47", pattern=AGENCY_CODE_PATTERN)]
ProcedureCode = Annotated[str, Rule(
    "Mã TTHC: d.dddddd with an optional provincial suffix .Hnn, e.g. 1.004227 or 1.000948.H47",
    pattern=PROCEDURE_CODE_PATTERN)]
FieldCode = Annotated[str, Rule("Lĩnh vực code (MaLinhVuc)", min_length=1, max_length=64)]
ShortText = Annotated[str, Rule(min_length=1, max_length=300)]
Text = Annotated[str, Rule(max_length=4000)]


class Channel(enum.StrEnum):
    """How the dossier was filed (KenhThucHien: 1 in person, 2 online, 3 post)."""

    IN_PERSON = "in_person"
    ONLINE = "online"
    POST = "post"


class Level(enum.StrEnum):
    """Administrative level of the handling agency (Biểu 06 groups rows by level)."""

    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


class DurationUnit(enum.StrEnum):
    """Unit of a statutory duration (DonViTinh of the national TTHC database)."""

    WORKING_DAYS = "working_days"
    WORKING_HOURS = "working_hours"
    CALENDAR_DAYS = "calendar_days"


@dataclasses.dataclass(frozen=True, slots=True)
class Duration:
    """A statutory processing time: a positive amount in a unit."""

    amount: Annotated[float, Rule("Positive amount of the unit", minimum=0.01, maximum=3650)]
    unit: DurationUnit


@dataclasses.dataclass(frozen=True, slots=True)
class Applicant:
    """The organisation or person who filed the dossier (chủ hồ sơ); personal data.

    ``name`` may be missing in an imported history (no ChuHoSo): the dossier still counts in
    the statistics, and a letter to it waits until the applicant's details are known.
    """

    name: ShortText | None = None
    id_number: Annotated[str, Rule("CCCD/CMND or tax code", max_length=32)] | None = None
    address: Annotated[str, Rule(max_length=500)] | None = None
    phone: Annotated[str, Rule(pattern=r"^\+?[0-9 .-]{6,20}$")] | None = None
    email: Annotated[str, Rule(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)] | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Fee:
    """One fee or charge of the dossier (DVCQG ``DanhSachPhiLePhi`` item)."""

    name: ShortText
    amount_vnd: Annotated[int, Rule("Gia: amount in VND", minimum=0)]
    code: Annotated[str, Rule("MaPhiLePhi", max_length=64)] | None = None
