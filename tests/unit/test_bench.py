"""``motcua bench`` (a benchmark, not a test): its contract and its in-process pieces.

Nothing here times anything; the whole bench is run by hand (docs/performance.md).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from motcua.bench.footprint import footprint
from motcua.bench.latency import percentile
from motcua.bench.run import REQUIRED_KEYS
from motcua.bench.ticks import tick_seconds
from motcua.bench.workload import simulated_events

MOTCUA = str(Path(sys.executable).with_name("motcua"))


def test_the_result_carries_every_key_issue_9_names():
    assert REQUIRED_KEYS >= {
        "raw_consume_eps", "faust_trivial_eps", "faust_table_eps", "pipeline_eps",
        "ratio_pipeline_vs_faust_table", "ratio_pipeline_vs_faust_trivial", "producer_eps",
        "producer_raw_eps", "producer_ratio", "tick_seconds", "tick_growth_1m_vs_10k",
        "flag_latency_p50_s", "flag_latency_p99_s", "bytes_per_open_dossier"}


def test_tick_cost_is_measured_with_the_due_work_fixed():
    assert 0 < tick_seconds(5000) < 0.1  # it also checks that exactly the due ones popped


def test_footprint_of_a_small_simulated_workload():
    result = footprint(simulated_events(60))
    assert result["open_dossiers_measured"] > 0
    assert 500 < result["bytes_per_open_dossier"] < 20_000
    assert result["core_eps"] > 0


def test_percentile_is_inclusive():
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.5) == 50.5 and 99 <= percentile(values, 0.99) <= 100
    assert percentile([0.3], 0.99) == 0.3


def test_the_command_is_registered_with_quick():
    out = subprocess.run([MOTCUA, "bench", "--help"], capture_output=True, text=True, check=True)
    assert "--quick" in out.stdout and "JSON" in out.stdout


def test_the_year_runs_on_the_broker_asked_for(monkeypatch, tmp_path):
    """``--year --broker kafka`` reaches the broker set-up (the year run once called it without
    the broker); the broker and the run itself are stubbed."""
    import contextlib

    from motcua.bench import run

    used = []

    @contextlib.contextmanager
    def broker(workdir, bootstrap, kind):
        used.append(kind)
        yield "localhost:1"
    monkeypatch.setattr(run, "_broker", broker)
    monkeypatch.setattr(run, "_fresh", lambda boot: lambda tag: tag)
    monkeypatch.setattr(run, "write_records", lambda *a: 1)
    monkeypatch.setattr(run, "_ratios", lambda *a: {
        "faust_table_eps": 2.0, "ratio_pipeline_vs_faust_table": 1.0,
        "ratio_pipeline_vs_faust_trivial": 1.0})
    monkeypatch.setattr(run.year, "year_bench", lambda *a: {k: 1.0 for k in run.YEAR_KEYS})
    out = run.run_year(10, broker="kafka")
    assert used == ["kafka"] and out["broker"] == "kafka"
    assert out["ratio_year_vs_faust_table"] == 0.5
