"""Vietnamese administrative codes: dossier codes (mã hồ sơ), procedure codes (mã TTHC),
agency electronic IDs (QCVN 102:2016/BTTTT) and the national portal's status codes.

All validators are pure and raise :class:`ValueError` with the rule in the message.
"""

from __future__ import annotations

import datetime as dt
import enum
import re

__all__ = [
    "AGENCY_CODE_PATTERN", "DOSSIER_CODE_PATTERN", "PROCEDURE_CODE_PATTERN",
    "TrangThaiHoSo", "check_dossier_code", "dossier_code",
]

#: Agency electronic ID, QCVN 102:2016, e.g. ``000.00.06.H56`` (H56 = Thanh Hóa, H47 = Quảng Nam).
AGENCY_CODE_PATTERN = r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9]{2}$"
#: Mã hồ sơ: ``{agency code}-{yyMMdd}-{4-digit sequence}``, e.g. ``000.00.06.H56-231027-0361``.
DOSSIER_CODE_PATTERN = (
    r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9]{2}-[0-9]{6}-[0-9]{4}$"
)
#: Mã TTHC: national ``d.dddddd`` with an optional provincial suffix, e.g. ``1.000948.H38``.
PROCEDURE_CODE_PATTERN = r"^[0-9]\.[0-9]{6}(\.H[0-9]{2})?$"

_DOSSIER_RE = re.compile(DOSSIER_CODE_PATTERN)


class TrangThaiHoSo(enum.IntEnum):
    """DVCQG dossier status codes (``TrangThaiHoSo``); local numberings map to these at the edge."""

    MOI_DANG_KY = 1            # Mới đăng ký
    DUOC_TIEP_NHAN = 2         # Được tiếp nhận
    KHONG_DUOC_TIEP_NHAN = 3   # Không được tiếp nhận
    DANG_XU_LY = 4             # Đang xử lý
    YEU_CAU_BO_SUNG = 5        # Yêu cầu bổ sung giấy tờ
    YEU_CAU_NGHIA_VU_TAI_CHINH = 6  # Yêu cầu thực hiện nghĩa vụ tài chính
    CONG_DAN_RUT_HO_SO = 7     # Công dân yêu cầu rút hồ sơ
    DUNG_XU_LY = 8             # Dừng xử lý
    DA_XU_LY_XONG = 9          # Đã xử lý xong
    DA_TRA_KET_QUA = 10        # Đã trả kết quả


def check_dossier_code(code: str) -> str:
    """Return ``code`` if it is a well-formed mã hồ sơ whose yyMMdd part is a real date."""
    if not _DOSSIER_RE.match(code):
        raise ValueError("must look like 000.00.06.H56-231027-0361 (agency-yyMMdd-nnnn)")
    day = code.rsplit("-", 2)[1]
    try:
        dt.date(2000 + int(day[:2]), int(day[2:4]), int(day[4:6]))
    except ValueError:
        raise ValueError(f"date part {day!r} is not a real yyMMdd date") from None
    return code


def dossier_code(agency_code: str, day: dt.date, sequence: int) -> str:
    """Build a mã hồ sơ from its parts (sequence 1..9999)."""
    if not 1 <= sequence <= 9999:
        raise ValueError(f"sequence {sequence} outside 1..9999")
    return check_dossier_code(f"{agency_code}-{day:%y%m%d}-{sequence:04d}")
