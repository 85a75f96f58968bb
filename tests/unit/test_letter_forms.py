"""Forms by rules version: Decree 118/Circular 03/2025 for dossiers received from 2025-07-01
(Mẫu 04 apology and extension, Mẫu 05 stop notice), Circular 01/2018 before; PDF text checked."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest

from sinks.letters.content import LetterContent
from sinks.letters.render import STOP_NOTICE, form_name, render_pdf
from stream_processors.core.rules import rules_for
from stream_processors.core.vntime import VN_TZ


def vn(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=VN_TZ)


def letter(received: dt.datetime, form: str = "apology") -> LetterContent:
    return LetterContent(
        letter_id="000.00.15.H47-250804-0001-v1", dossier_code="000.00.15.H47-250804-0001",
        rule_version=rules_for(received).version, draft=False, authority="UBND THÀNH PHỐ ĐÀ NẴNG",
        agency_name="Sở Xây dựng", number="12/XL", place="Đà Nẵng", dated=dt.date(2025, 8, 11),
        applicant_name="Nguyễn Văn A", applicant_address=None, applicant_phone=None,
        received_at=received, receiving_unit="Bộ phận Một cửa Sở Xây dựng",
        procedure_name="Cấp giấy phép xây dựng", original_appointment=vn(2025, 8, 12, 9, 30),
        reason="Cần xác minh thực địa", new_appointment=vn(2025, 8, 19, 9, 30), form=form)


def pdf_text(content: LetterContent, tmp_path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(render_pdf(content))
    run = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         text=True, check=True)
    return " ".join(run.stdout.split())


def test_a_dossier_received_in_august_2025_gets_the_decree_118_form_04(tmp_path):
    text = pdf_text(letter(vn(2025, 8, 4, 9, 30)), tmp_path)
    assert "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in text
    assert "Thông tư số 03/2025/TT-VPCP" in text
    for field in ("Lý do chậm giải quyết: Cần xác minh thực địa",  # the reason
                  "gia hạn thời gian giải quyết hồ sơ đến: 9 giờ 30 phút, ngày 19/08/2025",
                  "Cơ quan chậm giải quyết hồ sơ: Sở Xây dựng",  # the agency at fault
                  "đã thông báo bằng văn bản cho Bộ phận Một cửa Sở Xây dựng"):  # the desk
        assert field in text, field
    assert "PHIẾU XIN LỖI" not in text


def test_a_dossier_received_in_june_2025_keeps_the_circular_01_2018_form(tmp_path):
    text = pdf_text(letter(vn(2025, 6, 2, 9, 30)), tmp_path)
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert "Lý do: Cần xác minh thực địa" in text and "118/2025" not in text


def test_a_stopped_dossier_gets_the_form_05_stop_notice(tmp_path):
    text = pdf_text(letter(vn(2025, 8, 4, 9, 30), STOP_NOTICE), tmp_path)
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text
    assert "Lý do dừng giải quyết: Cần xác minh thực địa" in text
    assert "Sở Xây dựng thông báo dừng giải quyết hồ sơ nêu trên" in text


def test_form_names_follow_the_rule_version():
    assert form_name("nd118-2025").startswith("Mẫu số 04 — Văn bản xin lỗi và đề nghị gia hạn")
    assert form_name("nd118-2025", STOP_NOTICE).startswith("Mẫu số 05 — Thông báo dừng")
    assert form_name("nd61-2018").startswith("Mẫu số 04 — Phiếu xin lỗi")
    with pytest.raises(ValueError, match="no stop_notice form"):
        form_name("nd61-2018", STOP_NOTICE)  # Circular 01/2018 had no stop notice
