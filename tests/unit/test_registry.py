"""The agency registry: shipped data, dated lookups, split successors and the validation rules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from stream_processors.core.catalog_loader import load_catalog
from stream_processors.core.exceptions import RegistryInvalid, UnknownAgencyError
from stream_processors.core.registry_loader import (AGENCY_COLUMNS, SUCCESSOR_COLUMNS,
                                                    load_registry, registry_problems)

REGISTRY = load_registry()
D = dt.date
AGENCY_HEADER = ",".join(AGENCY_COLUMNS)
LINK_HEADER = ",".join(SUCCESSOR_COLUMNS)
ROOT = "000.00.00.H15,UBND TP,UBND,province,,2019-01-01,,UBND TP,Đà Nẵng,CHỦ TỊCH,TTPV,no,src,"


def agency(code: str, level: str = "province", frm: str = "2019-01-01", to: str = "",
           parent: str = "000.00.00.H15") -> str:
    return f"{code},Sở {code},S,{level},{parent},{frm},{to},UBND TP,Đà Nẵng,GIÁM ĐỐC,TTPV,yes,src,"


def write(tmp_path: Path, agencies: list[str], links: list[str]) -> Path:
    (tmp_path / "agencies.csv").write_text("\n".join([AGENCY_HEADER, ROOT, *agencies]) + "\n")
    (tmp_path / "successors.csv").write_text("\n".join([LINK_HEADER, *links]) + "\n")
    return tmp_path


def problems(tmp_path: Path, agencies: list[str], links: list[str] = ()) -> list[str]:
    return [str(e) for e in registry_problems(write(tmp_path, agencies, list(links)))]


def test_every_seed_catalog_agency_resolves_to_an_agency_of_2026():
    today = D(2026, 12, 7)
    for procedure in load_catalog():
        now = REGISTRY.continuing(procedure.agency.code, today, procedure.code, procedure.field)
        assert REGISTRY.valid_on(now, today), (procedure.code, now)
        assert REGISTRY.version(now, today).place == "Đà Nẵng"


def test_merged_departments_continue_at_their_successors():
    assert REGISTRY.continuing("000.00.10.H47", D(2025, 2, 28)) == "000.00.10.H47"
    assert REGISTRY.continuing("000.00.10.H47", D(2025, 3, 1)) == "000.00.11.H47"
    assert REGISTRY.continuing("000.00.10.H47", D(2025, 7, 1)) == "000.00.11.H15"
    assert REGISTRY.continuing("000.00.16.H47", D(2026, 1, 5)) == "000.00.16.H15"


def test_successors_split_by_field():
    tt, day = "000.00.18.H47", D(2026, 1, 5)
    assert REGISTRY.continuing(tt, day, field="Báo chí") == "000.00.17.H15"
    assert REGISTRY.continuing(tt, day, field="Xuất bản, In và Phát hành") == "000.00.17.H15"
    assert REGISTRY.continuing(tt, day, field="Phát thanh, truyền hình và thông tin điện tử") == "000.00.18.H15"
    ldtbxh = "000.00.41.H47"
    assert REGISTRY.continuing(ldtbxh, day, field="Việc làm") == "000.00.12.H15"
    assert REGISTRY.continuing(ldtbxh, day, field="Bảo trợ xã hội") == "000.00.13.H15"
    assert REGISTRY.continuing(ldtbxh, day, field="Giáo dục nghề nghiệp") == "000.00.14.H15"


def test_a_procedure_rule_beats_a_field_rule(tmp_path):
    write(tmp_path, [agency("000.00.10.H15", to="2025-06-30"), agency("000.00.11.H15"),
                     agency("000.00.12.H15")],
          ["000.00.10.H15,000.00.11.H15,2025-07-01,,Đất đai,yes,src",
           "000.00.10.H15,000.00.12.H15,2025-07-01,1.004227,,yes,src"])
    r = load_registry(tmp_path)
    assert r.continuing("000.00.10.H15", D(2025, 8, 1), "1.004227", "Đất đai") == "000.00.12.H15"
    assert r.continuing("000.00.10.H15", D(2025, 8, 1), "1.000001", "Đất đai") == "000.00.11.H15"
    # no default link: other work stays where it was
    assert r.continuing("000.00.10.H15", D(2025, 8, 1), "1.000001", "Xây dựng") == "000.00.10.H15"


def test_unknown_codes_are_refused_not_guessed():
    assert not REGISTRY.knows("000.00.99.H47")
    with pytest.raises(UnknownAgencyError, match="000.00.99.H47"):
        REGISTRY.continuing("000.00.99.H47", D(2026, 1, 1))


def test_no_district_exists_after_the_reform_and_communes_do():
    assert REGISTRY.on(D(2025, 6, 30), "district")
    assert REGISTRY.on(D(2025, 7, 1), "district") == []
    communes = REGISTRY.on(D(2026, 1, 1), "commune")
    assert 10 <= len(communes) <= 20 and any("Hoàng Sa" in v.name for v in communes)


def test_version_names_a_dissolved_agency_by_its_last_version():
    v = REGISTRY.version("000.00.10.H47", D(2026, 1, 1))
    assert v.name == "Sở Kế hoạch và Đầu tư tỉnh Quảng Nam" and v.place == "Quảng Nam"


def test_overlapping_validity_names_file_line_and_rule(tmp_path):
    out = problems(tmp_path, [agency("000.00.11.H15", to="2025-06-30"),
                              agency("000.00.11.H15", frm="2025-06-01")])
    assert len(out) == 1 and "agencies.csv:4: field 'valid_from': rule overlapping-validity" in out[0]


def test_district_after_the_reform_is_refused(tmp_path):
    out = problems(tmp_path, [agency("000.20.30.H15", level="district", to="2025-07-31")])
    assert "agencies.csv:3" in out[0] and "rule district-after-reform" in out[0]


def test_unknown_successor_and_successor_not_yet_valid(tmp_path):
    out = problems(tmp_path, [agency("000.00.10.H15", to="2025-06-30"),
                              agency("000.00.11.H15", frm="2025-08-01")],
                   ["000.00.10.H15,000.00.77.H15,2025-07-01,,,yes,src",
                    "000.00.10.H15,000.00.11.H15,2025-07-01,1.004227,,yes,src"])
    assert any("successors.csv:2: field 'successor': rule unknown-successor" in e for e in out)
    assert any("successors.csv:3: field 'successor': rule successor-not-valid" in e for e in out)


def test_a_cycle_is_refused(tmp_path):
    out = problems(tmp_path, [agency("000.00.10.H15"), agency("000.00.11.H15")],
                   ["000.00.10.H15,000.00.11.H15,2025-07-01,,,yes,src",
                    "000.00.11.H15,000.00.10.H15,2026-01-01,,,yes,src"])
    assert len(out) == 1 and "rule cycle" in out[0]


def test_two_default_links_on_one_day_are_refused(tmp_path):
    out = problems(tmp_path, [agency("000.00.10.H15", to="2025-06-30"), agency("000.00.11.H15"),
                              agency("000.00.12.H15")],
                   ["000.00.10.H15,000.00.11.H15,2025-07-01,,,yes,src",
                    "000.00.10.H15,000.00.12.H15,2025-07-01,,,yes,src"])
    assert len(out) == 1 and "successors.csv:3" in out[0] and "rule duplicate-link" in out[0]


def test_every_problem_is_reported_and_load_refuses(tmp_path):
    write(tmp_path, [agency("000.00.10.H15", level="county"), agency("bad"),
                     agency("000.00.11.H15", parent="000.00.55.H15")], [])
    with pytest.raises(RegistryInvalid) as err:
        load_registry(tmp_path)
    rules = [e.problem.split(":")[0] for e in err.value.errors]
    assert rules == ["rule format", "rule format", "rule unknown-parent"]


def test_the_shipped_files_mark_what_is_unconfirmed():
    unconfirmed = [v for c in REGISTRY.codes() for v in REGISTRY.versions(c) if not v.confirmed]
    assert unconfirmed and all(v.note for v in unconfirmed)
