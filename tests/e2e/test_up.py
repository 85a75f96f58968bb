"""`motcua up` end to end: the whole pipeline as child processes, a summary, run.json."""

import json
import os
import signal
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.uprun import UpRun, simulator_ready
from tests.waiting import process_gone, wait_until

pytestmark = pytest.mark.e2e
RUN_KEYS = {"kafka_bootstrap", "board_url", "metrics_urls", "database_url", "letters_dir"}


def test_up_with_a_duration_exits_0_with_summary_and_run_json(tmp_path):
    sim = simulator_ready()
    up = UpRun(tmp_path / "var", "--duration", "40" if sim else "8",
               *(() if sim else ("--no-simulator",)))
    try:
        up.wait_line("ready: motcua up", timeout=120)
        info = up.run_info()
        assert RUN_KEYS <= info.keys()
        assert info["board_url"].startswith("http://127.0.0.1:")
        for name, url in info["metrics_urls"].items():
            with urllib.request.urlopen(url, timeout=5) as r:
                assert r.status == 200, name
        assert up.wait(timeout=120) == 0, up.output
    finally:
        up.kill()
    summary_line = up.wait_line("summary:", timeout=1)
    summary = json.loads((tmp_path / "var" / "summary.json").read_text())
    assert {"events", "dossiers", "flags", "letters", "dead_letters"} <= summary.keys()
    assert "dead letters" in summary_line
    # a clean stop: every component (the worker included) exited by itself within its bound
    assert summary["failed_to_stop_cleanly"] == [], summary["failed_to_stop_cleanly"]
    if sim:  # the newcomer's minute: at-risk and overdue dossiers and drafted letters appear
        assert summary["events"] > 0 and summary["dossiers"] > 0, summary
        assert summary["flags"].get("at_risk", 0) > 0, summary
        assert summary["flags"].get("overdue", 0) > 0, summary
        assert summary["letters"] > 0, summary
        assert list(Path(up.run_info()["letters_dir"]).glob("*.html")), "no letter file written"


def _pids(up: UpRun) -> dict[str, int]:
    """Every process `motcua up` started: its components and the embedded broker."""
    pids = {name: c["pid"] for name, c in up.run_info()["components"].items()}
    pids["broker"] = json.loads((up.state_dir / "broker.json").read_text())["pid"]
    return pids


def _survivors(pids: dict[str, int]) -> dict[str, int]:
    return {name: pid for name, pid in pids.items() if not process_gone(pid)}


def test_a_child_that_dies_fails_the_run_loudly_and_stops_the_others(tmp_path):
    up = UpRun(tmp_path / "var", "--no-simulator")
    try:
        up.wait_line("ready: motcua up", timeout=120)
        pids = _pids(up)
        os.kill(pids["board"], signal.SIGKILL)
        assert up.wait(timeout=60) == 1
        assert not _survivors(pids), f"left running: {_survivors(pids)}"
    finally:
        up.kill()
    assert "error: board exited with code -9" in up.output
    assert not any(line.startswith("summary:") for line in up.lines)


def test_when_up_itself_is_killed_no_component_outlives_it(tmp_path):
    up = UpRun(tmp_path / "var", "--no-simulator")
    try:
        up.wait_line("ready: motcua up", timeout=120)
        pids = _pids(up)
        assert len(pids) >= 4 and not set(_survivors(pids)) ^ set(pids), pids  # all running
        up.proc.kill()  # SIGKILL to `motcua up` alone: no chance to stop anything itself
        up.wait(timeout=10)
        try:
            wait_until(lambda: not _survivors(pids), 30, "the components and the broker to end")
        except AssertionError:
            raise AssertionError(f"still running 30 s after: {_survivors(pids)}") from None
    finally:
        up.kill()
