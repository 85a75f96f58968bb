"""Prometheus config and alert rules: promtool check + promtool rule unit tests + metric names."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from motcua.metric_inventory import registered_sample_names
from motcua.observability import EXPORTED_METRICS, promql_metric_names

REGISTERED = registered_sample_names()

PROM = Path(__file__).parents[2] / "deploy" / "prometheus"
RULES = sorted((PROM / "rules").glob("*.yml"))


@pytest.fixture(scope="module")
def promtool():
    path = shutil.which("promtool")
    assert path, "promtool missing: apt-get install prometheus (the Makefile does)"
    return path


def _run(*argv):
    res = subprocess.run(argv, capture_output=True, text=True, cwd=PROM)
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout


def test_promtool_check_rules(promtool):
    assert "SUCCESS" in _run(promtool, "check", "rules", *map(str, RULES))


def test_promtool_check_config(promtool):
    _run(promtool, "check", "config", "prometheus.yml")


def test_promtool_rule_unit_tests(promtool):
    _run(promtool, "test", "rules", *map(str, sorted((PROM / "tests").glob("*.yml"))))


def test_every_required_alert_exists_and_has_a_test():
    alerts = {r["alert"] for f in RULES for g in yaml.safe_load(f.read_text())["groups"]
              for r in g["rules"] if "alert" in r}
    assert {"MotcuaAtRiskWithoutApology", "MotcuaAgencyOnTimeRateLow",
            "MotcuaFourStepShareBelowTarget", "MotcuaConsumerLagHigh", "MotcuaDeadLettersGrowing",
            "MotcuaSinkStalled", "MotcuaEvaluation766ProjectedScoreLow"} <= alerts
    tested = {t["alertname"] for f in (PROM / "tests").glob("*.yml")
              for case in yaml.safe_load(f.read_text())["tests"]
              for t in case.get("alert_rule_test", [])}
    assert alerts <= tested, alerts - tested


def test_rules_use_only_exported_metrics():
    recorded = {r["record"] for f in RULES for g in yaml.safe_load(f.read_text())["groups"]
                for r in g["rules"] if "record" in r}
    for f in RULES:
        for g in yaml.safe_load(f.read_text())["groups"]:
            for r in g["rules"]:
                unknown = promql_metric_names(r["expr"]) - REGISTERED - recorded - {"up"}
                assert not unknown, f"{r.get('alert')}: {sorted(unknown)}"


def test_a_broken_rule_test_fails(promtool, tmp_path):
    """The rule tests can fail: a wrong expectation makes promtool exit non-zero."""
    case = yaml.safe_load((PROM / "tests" / "motcua.rules.test.yml").read_text())
    case["rule_files"] = [str(r) for r in RULES]
    case["tests"][0]["alert_rule_test"][0]["exp_alerts"] = [{"exp_labels": {"severity": "x"}}]
    bad = tmp_path / "bad.test.yml"
    bad.write_text(yaml.safe_dump(case, allow_unicode=True))
    res = subprocess.run([promtool, "test", "rules", str(bad)], capture_output=True)
    assert res.returncode != 0
