"""How `motcua up` decides what to run (no processes started)."""

import argparse

import pytest

from motcua import orchestrator as orch
from motcua.cli import build_parser

pytestmark = pytest.mark.e2e


def test_plan_runs_the_worker_in_event_time_only_with_the_simulator():
    with_sim = {s.name: s for s in orch.plan(True, 1000, 8080)}
    alone = {s.name: s for s in orch.plan(False, 1000, 8080)}
    assert list(with_sim) == ["worker", "letters", "db", "board", "simulator"]
    assert with_sim["worker"].env == {"MOTCUA_TIME_SOURCE": "event"}
    assert with_sim["simulator"].args[:2] == ("--speed", "1000")
    assert "simulator" not in alone and alone["worker"].env == {}


def test_available_follows_subparsers_and_positional_choices():
    parser = argparse.ArgumentParser()
    subs = parser.add_subparsers()
    sink = subs.add_parser("sink")
    sink.add_argument("which", choices=["letters", "db"])
    db = subs.add_parser("db").add_subparsers()
    db.add_parser("upgrade")
    assert orch.available(parser, ("sink", "letters"))
    assert not orch.available(parser, ("sink", "reports"))
    assert orch.available(parser, ("db", "upgrade"))
    assert not orch.available(parser, ("worker",))


def test_every_planned_component_exists_in_this_cli():
    parser = build_parser()
    missing = [s.name for s in orch.plan(True, 1, 1) if not orch.available(parser, s.command)]
    assert missing == []


def test_prometheus_scrape_config_matches_the_ports_up_uses():
    from pathlib import Path

    import yaml

    conf = yaml.safe_load((Path(__file__).parents[2] / "deploy/prometheus/prometheus.yml").read_text())
    targets = {j["job_name"]: j["static_configs"][0]["targets"][0] for j in conf["scrape_configs"]}
    jobs = {"worker": "motcua-worker", "letters": "motcua-sink-letters", "db": "motcua-sink-db",
            "board": "motcua-board", "simulator": "motcua-simulator"}
    for spec in orch.plan(True, 1, 1):
        assert targets[jobs[spec.name]] == f"127.0.0.1:{9400 + spec.metrics_offset}", spec.name
