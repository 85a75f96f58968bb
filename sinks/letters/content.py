"""What one apology letter says: a plain value built from the dossier, the flag and the settings.

Pure: no I/O; moments are shown in Vietnam time. The rule version and the form kind decide the
template (``nd61-2018`` → Mẫu 04 of Circular 01/2018; ``nd118-2025`` → Mẫu 04 or Mẫu 05 of
Circular 03/2025, see ``render.FORM_TEMPLATES``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from schemas.codes import check_dossier_code
from stream_processors.core.vntime import to_vn

__all__ = ["LetterContent", "DEFAULT_REASON", "DEFAULT_RECIPIENTS", "letter_id", "vn_moment",
           "vn_day_long", "safe_file_stem"]

DEFAULT_REASON = "Hồ sơ cần thêm thời gian thẩm định, xác minh để bảo đảm đúng quy định"
DEFAULT_RECIPIENTS = ("Như trên", "Bộ phận Một cửa", "Văn phòng UBND tỉnh (để báo cáo)", "Lưu: VT")
_STEM = re.compile(r"^[0-9A-Za-z.-]{1,64}$")


@dataclasses.dataclass(frozen=True)
class LetterContent:
    """Every value printed on the letter (strings are escaped by the templates, never here)."""

    letter_id: str
    dossier_code: str
    rule_version: str
    draft: bool
    authority: str
    agency_name: str
    number: str
    place: str
    dated: dt.date
    applicant_name: str
    applicant_address: str | None
    applicant_phone: str | None
    received_at: dt.datetime
    receiving_unit: str
    procedure_name: str
    original_appointment: dt.datetime
    reason: str
    new_appointment: dt.datetime
    recipients: tuple[str, ...] = DEFAULT_RECIPIENTS
    signer_title: str = "THỦ TRƯỞNG CƠ QUAN"
    estimate_note: str | None = None  # the appointments cross holidays not yet announced
    form: str = "apology"  # or "stop_notice" (Mẫu 05 of Circular 03/2025, Decree 118 only)

    def template_values(self) -> dict[str, object]:
        """The names the templates use, with moments formatted the way the forms print them."""
        values = dataclasses.asdict(self)
        values.update(dated=vn_day_long(self.dated),
                      received_on=f"{to_vn(self.received_at, 'received_at'):%d/%m/%Y}",
                      original_appointment=vn_moment(self.original_appointment),
                      new_appointment=vn_moment(self.new_appointment))
        return values


def letter_id(dossier_code: str, due_version: int) -> str:
    """``{dossier_code}-v{due_version}``, from a validated dossier code only (it names files)."""
    check_dossier_code(dossier_code)
    return f"{safe_file_stem(dossier_code)}-v{int(due_version)}"


def safe_file_stem(text: str) -> str:
    """``text`` if it can name a file inside the letters directory; ValueError otherwise."""
    if not _STEM.match(text) or text.startswith(".") or ".." in text:
        raise ValueError(f"{text!r} cannot name a letter file")
    return text


def vn_moment(moment: dt.datetime) -> str:
    """``9 giờ 32 phút, ngày 10/11/2025`` (Vietnam time), as the appointment slip prints it."""
    m = to_vn(moment, "moment")
    return f"{m.hour} giờ {m.minute:02d} phút, ngày {m:%d/%m/%Y}"


def vn_day_long(day: dt.date) -> str:
    """``ngày 03 tháng 11 năm 2025`` (Decree 30/2020 place-and-date line)."""
    return f"ngày {day:%d} tháng {day:%m} năm {day:%Y}"
