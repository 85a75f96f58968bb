"""``motcua registry show|validate|history`` as a province's operator runs them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stream_processors.core.registry import DEFAULT_REGISTRY_DIR

pytestmark = pytest.mark.e2e
MOTCUA = [sys.executable, "-m", "motcua"]


def motcua(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([*MOTCUA, "registry", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=60)


def test_show_lists_the_map_of_a_date():
    before, after = motcua("show", "--date", "2025-06-30"), motcua("show", "--date", "2026-12-07")
    assert before.returncode == after.returncode == 0
    assert "Sở Tài chính tỉnh Quảng Nam" in before.stdout and "district" in before.stdout
    assert "Quảng Nam" not in after.stdout and "district" not in after.stdout
    assert "Ủy ban nhân dân đặc khu Hoàng Sa" in after.stdout


def test_validate_names_file_line_and_rule_of_an_edited_copy(tmp_path: Path):
    edited = tmp_path / "registry"
    shutil.copytree(DEFAULT_REGISTRY_DIR, edited)
    assert motcua("validate", str(edited)).returncode == 0
    links = edited / "successors.csv"
    line = len(links.read_text(encoding="utf-8").splitlines()) + 1
    with links.open("a", encoding="utf-8") as f:
        f.write("000.00.11.H15,000.00.10.H47,2026-01-01,,,no,test\n")  # back to Sở KH&ĐT
    out = motcua("validate", str(edited))
    assert out.returncode == 1
    assert f"successors.csv:{line}: field 'successor': rule successor-not-valid" in out.stdout
    assert "rule cycle: 000.00.10.H47 → 000.00.11.H47 → 000.00.11.H15 → 000.00.10.H47" in out.stdout
    # a deployment pointed at invalid files refuses to start rather than guess
    shown = motcua("show", MOTCUA_REGISTRY_DIR=str(edited))
    assert shown.returncode == 2 and "rule cycle" in shown.stderr and "Traceback" not in shown.stderr


def test_history_tells_who_continues_an_agency():
    out = motcua("history", "000.00.41.H47")
    assert out.returncode == 0
    assert "continued by 000.00.13.H15" not in out.stdout  # links are one step each
    assert "continued by 000.00.13.H47 Sở Y tế tỉnh Quảng Nam for field Bảo trợ xã hội" in out.stdout
    assert motcua("history", "000.00.99.H47").returncode == 1
