"""A national-portal history with the Decision 766 fields, imported with ``motcua replay --format
dvcqg`` and projected by ``motcua sink db``: ``motcua report 766`` gives the 2.1 counted by hand
and all six groups (maxima 18, 20, 12, 10, 18, 22) for every unit."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from sinks.db.tables import dossiers
from tests.integration.test_sinks_report_cli import run_db_sink

pytestmark = pytest.mark.integration
MOTCUA = [sys.executable, "-m", "motcua"]
XD = "000.00.15.H47"


def _record(n: int, status: int, **fields) -> dict:
    base = {"MaHoSo": f"{XD}-261001-{n:04d}", "MaTTHC": "1.009972", "KenhThucHien": 2,
            "ChuHoSo": "Nguyễn Văn A", "TrangThaiHoSo": status, "DonViXuLy": XD}
    return {**base, **fields}


def _received(day: str, due: str) -> dict:
    return {"NgayTiepNhan": f"2026{day}080000", "NgayHenTra": f"2026{due}170000"}


#: (record, on time under the portal's rules?) — None: outside 2026-Q4
HISTORY = [
    # finished before the due; returned after it: NgayKetThucXuLy wins, on time
    (_record(1, 10, **_received("1001", "1010"), NgayKetThucXuLy="20261009100000",
             NgayTra="20261015100000", DuocThanhToanTrucTuyen=1,
             DanhSachPhiLePhi=[{"TenPhiLePhi": "Lệ phí", "Gia": 150000}],
             HoSoCoThanhPhanSoHoa=1, TaiKhoanDuocXacThucVoiVNeID=1,
             DanhSachGiayToKetQua=[{"DuongDanTepTinKetQua": "https://kq.example/1.pdf"}]), True),
    # finished after the due
    (_record(2, 9, **_received("1001", "1010"), NgayKetThucXuLy="20261012100000",
             DuocThanhToanTrucTuyen=0, DanhSachPhiLePhi=[{"TenPhiLePhi": "Lệ phí", "Gia": 150000}],
             HoSoCoThanhPhanSoHoa=0), False),
    # rejected at the desk: counts, on time
    (_record(3, 3, NgayNopHoSo="20261002080000", NgayTuChoi="20261002150000"), True),
    # withdrawn after its due: counts by its end time, late
    (_record(4, 7, **_received("1001", "1010"), NgayKetThucXuLy="20261014100000"), False),
    # still open with two supplement requests: overdue whatever the dates
    (_record(5, 5, **_received("1101", "1230"), DanhSachHoSoBoSung=[
        {"NgayBoSung": "20261103090000", "NgayTiepNhanBoSung": "20261104090000"},
        {"NgayBoSung": "20261105090000"}]), False),
    # one open supplement request made before the due: the clock ended at the request
    (_record(6, 5, **_received("1101", "1110"), DanhSachHoSoBoSung=[
        {"NgayBoSung": "20261106090000"}]), True),
    # open, due after the period: within the deadline
    (_record(7, 2, **{"NgayTiepNhan": "20261201080000", "NgayHenTra": "20270301170000"}), True),
    # ended in September: not in Q4
    (_record(8, 9, **_received("0901", "0910"), NgayKetThucXuLy="20260905100000"), None),
]


def test_replayed_history_gives_the_hand_counted_2_1_and_six_groups_per_unit(
        kafka_bootstrap: str, make_topic, tmp_path: Path) -> None:
    life, dlq = make_topic("life"), make_topic("dlq")
    db = tmp_path / "report.db"
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
           "MOTCUA_DATABASE_URL": f"sqlite:///{db}", "MOTCUA_STATE_DIR": str(tmp_path / "var")}
    history = tmp_path / "history.ndjson"
    history.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r, _ in HISTORY))
    done = subprocess.run(MOTCUA + ["replay", str(history), "--format", "dvcqg", "--topic", life,
                                    "--flush-timeout", "30"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "0 invalid" in done.stdout, done.stderr
    final = sorted((r["MaHoSo"], r["TrangThaiHoSo"]) for r, _ in HISTORY)
    run_db_sink(env, life, f"g-{life}", db, lambda conn: sorted(conn.execute(
        select(dossiers.c.dossier_code, dossiers.c.status)).all()) == final,
        "--dead-letter-topic", dlq)

    in_q4 = [ok for _, ok in HISTORY if ok is not None]
    on_time = sum(in_q4)
    [unit] = _report(env, "json", "--unit", XD)
    i21 = next(i for i in unit["indicators"] if i["code"] == "2.1")
    assert (i21["numerator"], i21["denominator"]) == (on_time, len(in_q4)) == (4, 7)
    assert i21["points"] == pytest.approx(20 * 4 / 7, abs=1e-3)
    assert sorted(i21["costly"]) == [f"{XD}-261001-{n:04d}" for n in (2, 4, 5)]
    by_code = {i["code"]: i for i in unit["indicators"]}
    assert (by_code["4.3"]["numerator"], by_code["4.3"]["denominator"]) == (1, 2)
    assert by_code["6.1"]["ratio"] == 0.5 and by_code["1.4"]["points"] is None
    assert "not computable here" in by_code["1.4"]["reason"]

    units = _report(env, "json")
    assert units[0]["level"] == "province" and len(units) > 10
    for u in units:
        assert [g["max"] for g in u["groups"]] == [18, 20, 12, 10, 18, 22]
    rows = list(csv.DictReader(io.StringIO(_report(env, "csv", raw=True))))
    groups = {(r["unit"], r["code"]) for r in rows if r["code"].startswith("nhóm")}
    assert len(groups) == 6 * len(units)


def _report(env: dict, fmt: str, *extra: str, raw: bool = False):  # noqa: ANN202
    done = subprocess.run(MOTCUA + ["report", "766", "--period", "2026-Q4", "--format", fmt,
                                    *extra], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout if raw else json.loads(done.stdout)
