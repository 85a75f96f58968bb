"""Reading one national-portal sync record (``HoSoDongBoDVC``) with field-level errors.

Dates are ``yyyyMMddHHmmss`` in Vietnam time (the portal's format) or ISO 8601; an ISO value
without an offset is Vietnam time too. Every problem raises
:class:`~schemas.errors.ContractError` naming the field (``DanhSachHoSoBoSung.0.NgayBoSung``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from schemas.codes import AGENCY_CODE_PATTERN, PROCEDURE_CODE_PATTERN, check_dossier_code
from schemas.errors import ContractError
from schemas.fields import Channel

__all__ = ["VN", "Record", "parse_date"]

VN = dt.timezone(dt.timedelta(hours=7), "ICT")
_COMPACT = re.compile(r"^\d{14}$")
_AGENCY = re.compile(AGENCY_CODE_PATTERN)
_PROCEDURE = re.compile(PROCEDURE_CODE_PATTERN)
#: KenhThucHien: 1 in person, 2 online, 3 post.
CHANNELS = {1: Channel.IN_PERSON, 2: Channel.ONLINE, 3: Channel.POST}


def parse_date(raw: Any, field: str) -> dt.datetime:
    """A portal date (``yyyyMMddHHmmss`` Vietnam time, or ISO 8601) as an aware datetime."""
    if not isinstance(raw, str):
        raise ContractError(field, "must be a string date (yyyyMMddHHmmss or ISO 8601)")
    try:
        if _COMPACT.match(raw):
            return dt.datetime.strptime(raw, "%Y%m%d%H%M%S").replace(tzinfo=VN)
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ContractError(field, f"{raw!r} is not a date (yyyyMMddHHmmss or ISO 8601)") from None
    return value if value.tzinfo else value.replace(tzinfo=VN)


class Record:
    """Typed accessors over one record (a JSON object); nothing is read until asked for."""

    def __init__(self, obj: Any, prefix: str = "") -> None:
        if not isinstance(obj, dict):
            raise ContractError(prefix, "must be a JSON object (HoSoDongBoDVC)")
        self._obj, self._prefix = obj, prefix

    def _name(self, field: str) -> str:
        return f"{self._prefix}.{field}" if self._prefix else field

    def has(self, field: str) -> bool:
        return self._obj.get(field) not in (None, "")

    def text(self, field: str, required: bool = True, max_length: int = 300) -> str | None:
        value = self._obj.get(field)
        if value in (None, ""):
            if required:
                raise ContractError(self._name(field), "is required")
            return None
        if not isinstance(value, str):
            raise ContractError(self._name(field), "must be a string")
        return value.strip()[:max_length]

    def date(self, field: str, required: bool = True) -> dt.datetime | None:
        if not self.has(field):
            if required:
                raise ContractError(self._name(field), "is required")
            return None
        return parse_date(self._obj[field], self._name(field))

    def integer(self, field: str, allowed: range) -> int:
        value = self._obj.get(field)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if type(value) is not int or value not in allowed:
            raise ContractError(self._name(field),
                                f"must be an integer {allowed.start}..{allowed.stop - 1}")
        return value

    def flag(self, field: str) -> bool | None:
        """A yes/no field (true/false, 1/0 as number or text); None when absent."""
        value = self._obj.get(field)
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, str)) and str(value).strip() in ("0", "1"):
            return str(value).strip() == "1"
        raise ContractError(self._name(field), "must be true/false or 1/0")

    def amount(self, field: str) -> int:
        """A non-negative amount of money in VND (number or numeric text)."""
        value = self._obj.get(field)
        if isinstance(value, str) and value.strip().replace(".", "", 1).isdigit():
            value = float(value)
        if type(value) not in (int, float) or value < 0:
            raise ContractError(self._name(field), "must be a non-negative amount (VND)")
        return int(round(value))

    def dossier_code(self) -> str:
        code = self.text("MaHoSo")
        try:
            return check_dossier_code(code)
        except ValueError as exc:
            raise ContractError("MaHoSo", str(exc)) from None

    def procedure_code(self) -> str:
        code = self.text("MaTTHC")
        if not _PROCEDURE.match(code):
            raise ContractError("MaTTHC", f"must match {PROCEDURE_CODE_PATTERN}")
        return code

    def channel(self) -> Channel:
        return CHANNELS[self.integer("KenhThucHien", range(1, 4))]

    def agency_code(self, field: str) -> str | None:
        """The field's value if it is an agency electronic ID (DonViXuLy may hold a name)."""
        value = self.text(field, required=False)
        return value if value and _AGENCY.match(value) else None

    def items(self, field: str) -> list["Record"]:
        value = self._obj.get(field) or []
        if not isinstance(value, list):
            raise ContractError(self._name(field), "must be an array")
        return [Record(v, self._name(f"{field}.{i}")) for i, v in enumerate(value)]
