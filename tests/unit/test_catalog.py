"""The Quảng Nam procedure catalog: content and validation of the data files."""

from datetime import time

import pytest

from stream_processors.core.catalog_loader import AGENCY_CODE, DEFAULT_AGENCIES, MA_TTHC, load_catalog
from stream_processors.core.exceptions import DataFileError, UnknownProcedureError
from stream_processors.core.rules import DECREE_61_2018

CATALOG = load_catalog()
DEPARTMENTS = ["Sở Xây dựng", "Sở Tài nguyên và Môi trường", "Sở Kế hoạch và Đầu tư",
               "Sở Văn hóa, Thể thao và Du lịch", "Sở Y tế", "Sở Nội vụ", "Sở Tài chính",
               "Sở Giáo dục và Đào tạo", "Sở Thông tin và Truyền thông",
               "Ban Quản lý Khu kinh tế mở Chu Lai"]
HEADER = ("code,name,field,agency_code,duration,unit,four_step,cutoff,"
          "pauses_on_financial_obligation,chain,applicant,method,components,fees,legal_basis,result")
GOOD = "1.004227,Tên,Đất đai,000.00.16.H47,20,working_days,no,,yes,,,,,,,"


def test_ten_departments_with_four_to_eight_procedures_each():
    by_name = {a.name: a for a in CATALOG.agencies}
    for name in DEPARTMENTS:
        assert 4 <= len(CATALOG.by_agency(by_name[name].code)) <= 8, name


def test_codes_follow_their_patterns():
    assert all(MA_TTHC.fullmatch(p.code) for p in CATALOG)
    assert all(AGENCY_CODE.fullmatch(a.code) and a.code.endswith(".H47") for a in CATALOG.agencies)
    assert any(p.code.endswith(".H47") for p in CATALOG)


def test_lien_thong_chains_fit_the_statutory_duration():
    chained = [p for p in CATALOG if p.is_lien_thong]
    assert len(chained) >= 3
    for procedure in chained:
        minutes = sum(s.allowance.working_minutes() for s in procedure.chain)
        assert minutes <= procedure.duration.working_minutes()
    land = CATALOG.procedure("1.004227")
    assert [s.agency.name for s in land.chain] == ["Sở Tài nguyên và Môi trường",
                                                   "Cục Thuế tỉnh Quảng Nam",
                                                   "Sở Tài nguyên và Môi trường"]
    assert land.pauses_for_financial_obligation(DECREE_61_2018)


def test_flags_cutoffs_and_disclosure():
    assert sum(p.four_step for p in CATALOG) >= 10
    assert any(p.four_step and p.is_lien_thong is False for p in CATALOG)
    copies = CATALOG.procedure("1.005094")
    assert copies.cutoff == time(15, 0) and copies.four_step
    assert not copies.pauses_for_financial_obligation(DECREE_61_2018)  # rule-set default
    incomplete = [p for p in CATALOG if p.disclosure.missing()]
    assert incomplete and "components" in CATALOG.procedure("1.003768").disclosure.missing()
    assert CATALOG.procedure("1.009972").disclosure.missing() == ()
    assert {p.duration.unit.value for p in CATALOG} == {"working_days", "calendar_days"}


def test_unknown_codes_raise():
    with pytest.raises(UnknownProcedureError, match="9.999999"):
        CATALOG.procedure("9.999999")
    with pytest.raises(UnknownProcedureError, match="agency"):
        CATALOG.agency("000.00.99.H47")


@pytest.mark.parametrize(("row", "field"), [
    ("1.04227,Tên,Đất đai,000.00.16.H47,20,working_days,no,,,,,,,,,", "code"),
    ("1.004228,Tên,Đất đai,000.00.16.H47,20,weeks,no,,,,,,,,,", "unit"),
    ("1.004228,Tên,Đất đai,000.00.16.H47,0,working_days,no,,,,,,,,,", "duration"),
    ("1.004228,Tên,Đất đai,000.00.16.H47,-2,working_days,no,,,,,,,,,", "duration"),
    ("1.004228,Tên,Đất đai,000.00.99.H47,20,working_days,no,,,,,,,,,", "agency_code"),
    ("1.004228,Tên,Đất đai,000.00.16.H47,20,working_days,maybe,,,,,,,,,", "four_step"),
    ("1.004228,Tên,Đất đai,000.00.16.H47,20,working_days,no,25:00,,,,,,,,", "cutoff"),
    ("1.004228,Tên,Đất đai,000.00.16.H47,20,working_days,no,,sometimes,,,,,,,",
     "pauses_on_financial_obligation"),
    ("1.004228,Tên,Đất đai,000.00.16.H47,5,working_days,no,,,000.00.16.H47=6 working_days,,,,,,",
     "chain"),
    ("1.004228,Tên,Đất đai,000.00.16.H47,5,working_days,no,,,000.00.77.H47=1 working_days,,,,,,",
     "chain"),
    ("1.004228,,Đất đai,000.00.16.H47,5,working_days,no,,,,,,,,,", "name"),
    ("1.004227,Tên,Đất đai,000.00.16.H47,5,working_days,no,,,,,,,,,", "code"),  # duplicate
])
def test_bad_rows_name_file_line_and_field(tmp_path, row, field):
    path = tmp_path / "procedures.csv"
    path.write_text(f"{HEADER}\n{GOOD}\n{row}\n", encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_catalog(path, DEFAULT_AGENCIES)
    assert (info.value.line, info.value.field) == (3, field)
    assert "procedures.csv:3" in str(info.value)


def test_bad_agency_file(tmp_path):
    path = tmp_path / "agencies.csv"
    path.write_text("code,name,name_en\n000.00.15.H4,Sở Xây dựng,Construction\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"agencies.csv:2: field 'code'"):
        load_catalog(agencies=path)


def test_disclosure_follows_decree_63_art_8_2_and_services_load():
    from stream_processors.core.catalog import DISCLOSURE_PARTS
    assert DISCLOSURE_PARTS == ("name", "steps", "method", "components", "time_limit",
                                "applicant", "agency")
    assert "steps" in CATALOG.procedure("1.005211").disclosure.missing()
    building = CATALOG.procedure("1.009972")
    assert building.service.online_level in ("full", "partial") and building.has_fees
    assert building.service.effective_on is not None
