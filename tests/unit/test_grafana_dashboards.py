"""Grafana provisioning and dashboards: structure, and every query uses exported metric names."""

import importlib.util
import json
from pathlib import Path

import pytest
import yaml

from motcua.metric_inventory import registered_sample_names
from motcua.observability import EXPORTED_METRICS, promql_metric_names

REGISTERED = registered_sample_names()

GRAFANA = Path(__file__).parents[2] / "deploy" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
PROMETHEUS_BUILTINS = {"up"}


def _queries(dash):
    for p in dash["panels"]:
        for t in p.get("targets", []):
            yield p["title"], t["expr"]
    for var in dash.get("templating", {}).get("list", []):
        q = var.get("query", {})
        q = q.get("query", "") if isinstance(q, dict) else q
        if q.startswith("label_values("):
            yield f"variable {var['name']}", q[len("label_values("):].rsplit(",", 1)[0]


def test_the_dashboards_exist():
    assert {p.stem for p in DASHBOARDS} == {
        "province-overview", "agency-compliance", "apology-compliance", "four-step",
        "pipeline-health", "evaluation-766", *(f"evaluation-766-group-{n}" for n in range(1, 7))}


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_every_query_uses_only_metrics_the_code_exports(path):
    dash = json.loads(path.read_text())
    seen = set()
    for title, expr in _queries(dash):
        names = promql_metric_names(expr)
        assert names, f"{title}: no metric in {expr!r}"
        unknown = names - REGISTERED - PROMETHEUS_BUILTINS
        assert not unknown, f"{path.name} / {title}: {sorted(unknown)} not exported"
        seen |= names
    assert seen


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_dashboard_structure(path):
    dash = json.loads(path.read_text())
    ds_uid = yaml.safe_load((GRAFANA / "provisioning/datasources/prometheus.yml").read_text())[
        "datasources"][0]["uid"]
    assert dash["uid"].startswith("motcua-") and dash["title"]
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids))
    for p in dash["panels"]:
        assert p["datasource"]["uid"] == ds_uid
        assert {"x", "y", "w", "h"} <= p["gridPos"].keys() and p["gridPos"]["x"] + p["gridPos"]["w"] <= 24
        assert all(t["refId"] and t["expr"] for t in p["targets"])


def test_dashboards_match_their_generator(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("grafana_generate", GRAFANA / "generate.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    monkeypatch.setattr(gen, "OUT", tmp_path)
    gen.main()
    for path in DASHBOARDS:
        assert (tmp_path / path.name).read_text() == path.read_text(), \
            f"{path.name} is stale: run python deploy/grafana/generate.py"


def test_provisioning_points_at_the_dashboards():
    prov = yaml.safe_load((GRAFANA / "provisioning/dashboards/motcua.yml").read_text())
    assert prov["providers"][0]["type"] == "file"
    assert prov["providers"][0]["options"]["path"]


def test_name_check_catches_an_unknown_metric():
    assert promql_metric_names("sum(rate(motcua_made_up_total[5m]))") - EXPORTED_METRICS
