"""DVCQG HoSoDongBoDVC snapshots → lifecycle events (pure mapping, catalog lookup)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from producers.catalog_lookup import CatalogLookup
from producers.dvcqg import map_snapshot
from producers.dvcqg_record import parse_date
from schemas.cloudevents import from_json, to_json
from schemas.errors import ContractError
from schemas.fields import Channel, Duration, DurationUnit
from schemas import lifecycle as lc
from stream_processors.core.calendar import default_calendar
from stream_processors.core.catalog_loader import load_catalog

FIXTURE = Path(__file__).parents[1] / "fixtures" / "dvcqg_snapshots.ndjson"
VN = dt.timezone(dt.timedelta(hours=7))
A, B = "000.00.15.H47-240506-0001", "000.00.10.H47-240507-0002"


@pytest.fixture(scope="module")
def lookup() -> CatalogLookup:
    return CatalogLookup(load_catalog(), default_calendar())


def at(y, mo, d, h, mi=0) -> dt.datetime:  # noqa: ANN001
    return dt.datetime(y, mo, d, h, mi, tzinfo=VN)


def replay(lines, lookup):  # noqa: ANN001
    states, events = {}, []
    for obj in lines:
        key = obj["MaHoSo"]
        states[key], new = map_snapshot(obj, states.get(key), lookup, "urn:test")
        events += new
    return states, events


def fixture_lines() -> list[dict]:
    return [json.loads(line) for line in FIXTURE.read_text().splitlines() if line.strip()]


def test_fixture_yields_exactly_the_expected_lifecycle(lookup):
    _, events = replay(fixture_lines(), lookup)
    got = [(e.subject, e.type, e.time) for e in events]
    assert got == [
        (A, "dossier.submitted", at(2024, 5, 6, 8, 30)),
        (A, "dossier.received", at(2024, 5, 6, 9)),
        (B, "dossier.submitted", at(2024, 5, 7, 14, 10)),
        (A, "dossier.supplement_requested", at(2024, 5, 10, 10)),
        (B, "dossier.rejected", at(2024, 5, 8, 9, 15)),
        (A, "dossier.supplement_received", at(2024, 5, 15, 14)),
        (A, "dossier.resolved", at(2024, 6, 5, 15, 30)),
        (A, "dossier.result_returned", at(2024, 6, 6, 9)),
    ]
    data = {(e.subject, e.type): e.data for e in events}
    received = data[(A, "dossier.received")]
    assert received.appointment_at == at(2024, 6, 3, 9)
    assert received.duration == Duration(20.0, DurationUnit.WORKING_DAYS)
    assert (received.handling_agency, received.channel) == ("000.00.15.H47", Channel.IN_PERSON)
    assert received.applicant.name == "Công ty TNHH Xây dựng Minh Phát"
    assert data[(A, "dossier.supplement_requested")] == lc.SupplementRequested(
        A, "000.00.15.H47", "Bổ sung bản vẽ mặt bằng móng")
    assert data[(A, "dossier.supplement_received")] == lc.SupplementReceived(
        A, at(2024, 6, 6, 13, 30))
    assert data[(B, "dossier.rejected")] == lc.DossierRejected(
        B, "000.00.10.H47", "Tên doanh nghiệp trùng với doanh nghiệp đã đăng ký")
    assert data[(A, "dossier.result_returned")].method == "in_person"


def test_supplement_new_appointment_is_not_an_apology(lookup):
    _, events = replay(fixture_lines(), lookup)
    assert not [e for e in events if e.type == "dossier.apology_issued"]


def test_every_event_passes_the_contract(lookup):
    _, events = replay(fixture_lines(), lookup)
    for e in events:
        assert from_json(json.loads(json.dumps(to_json(e)))) == e


def test_ids_are_stable_and_snapshots_are_idempotent(lookup):
    states, first = replay(fixture_lines(), lookup)
    _, second = replay(fixture_lines(), lookup)
    assert [e.id for e in first] == [e.id for e in second]
    assert len({e.id for e in first}) == len(first)
    last = fixture_lines()[-1]
    assert map_snapshot(last, states[A], lookup, "urn:test")[1] == []


def test_moved_appointment_without_supplement_is_an_apology(lookup):
    lines = fixture_lines()[:2]
    moved = dict(lines[1], TrangThaiHoSo=4, NgayHenTra="20240610090000",
                 NgayCapNhat="20240531100000", LyDoGiaHan="Chờ ý kiến sở ngành")
    _, events = replay([*lines, moved], lookup)
    apology = events[-1]
    assert apology.type == "dossier.apology_issued" and apology.time == at(2024, 5, 31, 10)
    assert (apology.data.previous_appointment_at, apology.data.new_appointment_at) == (
        at(2024, 6, 3, 9), at(2024, 6, 10, 9))


def test_financial_obligation_and_withdrawal(lookup):
    base = fixture_lines()[1]
    six = dict(base, TrangThaiHoSo=6, NgayCapNhat="20240508100000")
    four = dict(base, TrangThaiHoSo=4, NgayCapNhat="20240509080000")
    seven = dict(base, TrangThaiHoSo=7, NgayKetThucXuLy="20240510160000")
    _, events = replay([base, six, four, seven], lookup)
    assert [e.type for e in events][2:] == [
        "dossier.financial_obligation_requested", "dossier.financial_obligation_fulfilled",
        "dossier.withdrawn"]


def test_unknown_procedure_gets_duration_from_the_printed_appointment(lookup):
    rec = dict(fixture_lines()[1], MaTTHC="2.999999", TenTTHC="Thủ tục địa phương",
               NgayTiepNhan="20240506090000", NgayHenTra="20240509090000")
    _, events = map_snapshot(rec, None, lookup, "urn:test")
    assert events[1].data.duration == Duration(3.0, DurationUnit.WORKING_DAYS)


@pytest.mark.parametrize(("change", "field"), [
    ({"MaHoSo": "bad"}, "MaHoSo"),
    ({"TrangThaiHoSo": 11}, "TrangThaiHoSo"),
    ({"NgayTiepNhan": "2024-13-01"}, "NgayTiepNhan"),
    ({"KenhThucHien": 7}, "KenhThucHien"),
    ({"NgayHenTra": None}, "NgayHenTra"),
    ({"TrangThaiHoSo": 5}, "DanhSachHoSoBoSung"),
    ({"DanhSachHoSoBoSung": [{"NoiDungBoSung": "x"}]}, "DanhSachHoSoBoSung.0.NgayBoSung"),
])
def test_invalid_fields_are_named(lookup, change, field):
    rec = {**fixture_lines()[1], **change}
    with pytest.raises(ContractError) as err:
        map_snapshot(rec, None, lookup, "urn:test")
    assert err.value.field == field


def test_failed_snapshot_leaves_state_untouched(lookup):
    states, _ = replay(fixture_lines()[:2], lookup)
    before = json.dumps(states[A], sort_keys=True)
    with pytest.raises(ContractError):
        map_snapshot({**fixture_lines()[6], "NgayTra": "nope"}, states[A], lookup, "urn:test")
    assert json.dumps(states[A], sort_keys=True) == before


def test_dates_compact_and_iso():
    assert parse_date("20240506083000", "f") == at(2024, 5, 6, 8, 30)
    assert parse_date("2024-05-06T01:30:00Z", "f") == at(2024, 5, 6, 8, 30)
    assert parse_date("2024-05-06T08:30:00", "f") == at(2024, 5, 6, 8, 30)
    with pytest.raises(ContractError):
        parse_date(20240506, "f")


def _full(**change) -> dict:
    base = {"MaHoSo": "000.00.15.H47-261005-0001", "MaTTHC": "1.009972", "KenhThucHien": 2,
            "ChuHoSo": "Lê Văn C", "TrangThaiHoSo": 10, "NgayTiepNhan": "20261005090000",
            "NgayHenTra": "20261030170000", "NgayKetThucXuLy": "20261020100000",
            "NgayTra": "20261021100000", "DuocThanhToanTrucTuyen": 2,
            "DanhSachPhiLePhi": [{"TenPhiLePhi": "Lệ phí", "MaPhiLePhi": "LP1", "Gia": "150000"}],
            "HoSoCoThanhPhanSoHoa": 1, "TaiKhoanDuocXacThucVoiVNeID": True,
            "TaiLieuNop": [{"DuocSoHoa": 1, "DuocLayTuKhoDMQG": 0},
                           {"DuocSoHoa": 1, "DuocLayTuKhoDMQG": 1}],
            "DanhSachGiayToKetQua": [{"DuongDanTepTinKetQua": "https://dvc.example/kq/1.pdf"}]}
    return {**base, **change}


def test_decision_766_fields_keep_their_national_names(lookup):
    _, events = map_snapshot(_full(), None, lookup, "urn:test")
    by_type = {e.type: e.data for e in events}
    received = by_type["dossier.received"]
    assert received.fees[0].amount_vnd == 150000 and received.fees[0].code == "LP1"
    assert (received.digitised, received.reused_components, received.vneid_authenticated) == (
        True, True, True)
    assert by_type["dossier.fee_paid"].online is True
    assert by_type["dossier.resolved"].result_link == "https://dvc.example/kq/1.pdf"
    assert [e.type for e in events].index("dossier.fee_paid") > [e.type for e in events].index(
        "dossier.received")


def test_absent_766_fields_stay_unknown_and_no_applicant_name_is_accepted(lookup):
    rec = {k: v for k, v in _full().items() if k not in (
        "DuocThanhToanTrucTuyen", "DanhSachPhiLePhi", "HoSoCoThanhPhanSoHoa", "TaiLieuNop",
        "TaiKhoanDuocXacThucVoiVNeID", "DanhSachGiayToKetQua", "ChuHoSo")}
    _, events = map_snapshot(rec, None, lookup, "urn:test")
    by_type = {e.type: e.data for e in events}
    received = by_type["dossier.received"]
    assert (received.fees, received.digitised, received.vneid_authenticated) == (None, None, None)
    assert received.applicant.name is None and "dossier.fee_paid" not in by_type
    assert by_type["dossier.resolved"].result_link is None


@pytest.mark.parametrize(("change", "field"), [
    ({"DuocThanhToanTrucTuyen": "x"}, "DuocThanhToanTrucTuyen"),
    ({"HoSoCoThanhPhanSoHoa": "maybe"}, "HoSoCoThanhPhanSoHoa"),
    ({"DanhSachPhiLePhi": [{"Gia": -5}]}, "DanhSachPhiLePhi.0.Gia"),
])
def test_invalid_766_fields_are_named(lookup, change, field):
    with pytest.raises(ContractError) as err:
        map_snapshot(_full(**change), None, lookup, "urn:test")
    assert err.value.field == field
