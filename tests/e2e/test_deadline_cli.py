"""``motcua due`` and ``motcua calendar`` driven as a user would, through ``python -m motcua``."""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def motcua(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "motcua", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def test_due_prints_the_receipt_example():
    run = motcua("due", "--received", "2023-10-27T09:32+07:00", "--duration", "5",
                 "--unit", "working_days")
    assert (run.returncode, run.stdout, run.stderr) == (0, "2023-11-03T09:32:00+07:00\n", "")


def test_due_with_cutoff_and_pauses_over_the_2025_holiday():
    run = motcua("due", "--received", "2025-04-24T15:30+07:00", "--duration", "3",
                 "--unit", "working_days", "--cutoff", "15:00",
                 "--pause", "2025-04-26T08:00+07:00/2025-04-28T08:00+07:00",
                 "--pause", "2025-04-28T09:00:00Z/2025-04-28T10:00:00Z")
    # start Fri 25/4 07:00 (cut-off); 3 days → Mon 28/4 17:00. Sat 26/4 is worked, so pause 1 is
    # 8 h (Sat 08–17 minus lunch = 7 h, Mon 07–08 = 1 h); pause 2 is 16:00–17:00 in Vietnam = 1 h.
    # 9 h from Mon 28/4 17:00: Tuesday 29/4 8 h, then 1 h after 30/4–4/5 → Mon 5/5 08:00.
    assert (run.returncode, run.stdout) == (0, "2025-05-05T08:00:00+07:00\n")


@pytest.mark.parametrize(("args", "message"), [
    (["--received", "2023-10-27T09:32", "--duration", "5", "--unit", "working_days"],
     "--received must be timezone-aware"),
    (["--received", "2023-10-27T09:32+07:00", "--duration", "0", "--unit", "working_days"],
     "--duration must be a positive"),
    (["--received", "2023-10-27T09:32+07:00", "--duration", "5", "--unit", "weeks"],
     "--unit must be one of working_days | working_hours | calendar_days"),
    (["--received", "2023-10-27T09:32+07:00", "--duration", "5", "--unit", "working_days",
      "--pause", "2023-10-30T10:00+07:00/2023-10-30T09:00+07:00"], "END"),
    (["--received", "2023-10-27T09:32+07:00", "--duration", "5", "--unit", "working_days",
      "--cutoff", "3pm"], "--cutoff"),
])
def test_due_errors_exit_2_with_a_clear_message(args, message):
    run = motcua("due", *args)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.startswith("motcua due: error:") and message in run.stderr


def test_calendar_lists_exceptions_with_sources():
    run = motcua("calendar", "2025")
    assert run.returncode == 0
    assert "2025-05-02 Fri" in run.stdout and "8726/VPCP-KGVX" in run.stdout
    weekend_part = run.stdout.split("Working weekend days", 1)[1]
    assert "2025-04-26 Sat" in weekend_part
    assert "2026-01-10 Sat" in motcua("calendar", "2026").stdout  # from the override table


def test_help_is_available():
    for command in ("due", "calendar"):
        run = motcua(command, "--help")
        assert run.returncode == 0 and "usage: motcua " + command in run.stdout
    assert motcua("calendar", "1800").returncode == 2


def test_a_due_date_crossing_an_unannounced_tet_says_it_is_an_estimate():
    run = motcua("due", "--received", "2027-01-25T09:00:00+07:00", "--duration", "15",
                 "--unit", "working_days")
    due, note = run.stdout.splitlines()
    assert run.returncode == 0 and due == "2027-02-22T09:00:00+07:00"  # rules only: Tết 4–10/2
    assert note.startswith("estimate: ") and "Tết Nguyên đán Đinh Mùi 2027" in note
    assert "No official notice found" in note


def test_calendar_2027_says_which_windows_are_estimated_and_why():
    run = motcua("calendar", "2027")
    assert run.returncode == 0 and "Status of 2027: estimated" in run.stdout
    tet = next(line for line in run.stdout.splitlines() if "Tết Nguyên đán Đinh Mùi" in line)
    assert ": estimated — No official notice found as of 2026-12-07" in tet
    assert "Status of 2025: announced" in motcua("calendar", "2025").stdout
