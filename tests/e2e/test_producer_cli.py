"""The producer commands end to end, with no broker reachable (the realistic failure)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
MOTCUA = [sys.executable, "-m", "motcua"]
FIXTURE = Path(__file__).parents[1] / "fixtures" / "dvcqg_snapshots.ndjson"


@pytest.fixture
def env(tmp_path: Path) -> dict:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    return {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{closed}",
            "MOTCUA_STATE_DIR": str(tmp_path / "var")}


def motcua(env: dict, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*MOTCUA, *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_simulate_output_is_reproducible(env, tmp_path):
    outs = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.ndjson"
        done = motcua(env, "simulate", "--seed", "3", "--start", "2025-03-03", "--dossiers", "40",
                      "--output", str(path))
        assert done.returncode == 0 and done.stdout.startswith("ready: simulate"), done.stderr
        outs.append(path.read_bytes())
    assert outs[0] == outs[1] and outs[0].count(b'"type":"dossier.submitted"') == 40


def test_bounded_simulate_exits_with_broker_down_and_keeps_events(env):
    done = motcua(env, "simulate", "--seed", "2", "--start", "2025-03-03", "--dossiers", "15",
                  "--flush-timeout", "0.5")
    assert done.returncode == 0, done.stderr
    assert "broker unavailable" in done.stderr
    summary = done.stdout.strip().splitlines()[-1]
    assert "15 dossiers" in summary and "0 delivered" in summary
    pending = int(summary.split(", ")[-1].split()[0])
    assert pending > 15
    status = motcua(env, "outbox", "status")
    assert f"pending: {pending}" in status.stdout


def test_dvcqg_replay_reports_bad_lines_and_flush_fails_clearly(env, tmp_path):
    data = tmp_path / "history.ndjson"
    data.write_text(FIXTURE.read_text() + '{"MaHoSo": "000.00.15.H47-240506-0009"}\nnot json\n')
    done = motcua(env, "replay", str(data), "--format", "dvcqg", "--flush-timeout", "0.5")
    assert done.returncode == 0, done.stderr
    assert "line 8: MaTTHC: is required" in done.stderr or "line 8: TrangThaiHoSo" in done.stderr
    assert "line 9: : is not valid JSON" in done.stderr
    assert "ETA" in done.stderr
    assert "9 lines, 8 events accepted" in done.stdout and "2 invalid" in done.stdout
    again = motcua(env, "replay", str(data), "--format", "dvcqg", "--flush-timeout", "0.5")
    assert "0 events accepted" in again.stdout  # snapshots already applied: nothing new
    flushed = motcua(env, "outbox", "flush", "--timeout", "1")
    assert flushed.returncode == 1
    assert "still in the outbox" in flushed.stderr and "127.0.0.1:" in flushed.stderr


def test_dvcqg_replay_that_accepts_nothing_or_too_little_fails_with_reasons_by_field(env, tmp_path):
    bad = tmp_path / "bad.ndjson"
    filed = '"TrangThaiHoSo": 1, "NgayNopHoSo": "20240506083000"}'  # no MaTTHC
    bad.write_text(f'{{"MaHoSo": "000.00.15.H47-240506-0009", {filed}\n'
                   f'{{"MaHoSo": "000.00.15.H47-240506-0010", {filed}\nnot json\n')
    done = motcua(env, "replay", str(bad), "--format", "dvcqg", "--flush-timeout", "0.5")
    assert done.returncode == 1, done.stderr
    assert "line 3: : is not valid JSON" in done.stderr  # every error is still printed
    assert "replay failed: 0 of 3 lines accepted" in done.stderr
    assert "  MaTTHC: 2" in done.stderr and "  (line): 1" in done.stderr
    mixed = tmp_path / "mixed.ndjson"
    mixed.write_text(FIXTURE.read_text() + bad.read_text())
    ok = motcua(env, "replay", str(mixed), "--format", "dvcqg", "--flush-timeout", "0.5")
    assert ok.returncode == 0, ok.stderr  # 7 of 10 accepted: no threshold set
    strict = motcua(env, "replay", str(mixed), "--format", "dvcqg", "--flush-timeout", "0.5",
                    "--min-accepted", "0.9")
    assert strict.returncode == 1 and "7 of 10 lines accepted (70%; needed 90%)" in strict.stderr
