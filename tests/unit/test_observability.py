"""Shared Prometheus helpers: gauges set from state, exported-name list, promtool acceptance."""

import shutil
import subprocess

from prometheus_client import generate_latest

from motcua.metric_inventory import registered_sample_names
from motcua.observability import (
    COMPONENT_METRICS, EXPORTED_METRICS, SNAPSHOT_GAUGES, ComplianceGauges, PipelineMetrics,
    new_registry, sample_names,
)
from sinks.board import scenario as S
from sinks.board.metrics import BoardMetrics
from sinks.board.model import BoardModel

PROMTOOL = shutil.which("promtool")


def _pipeline_registry():
    registry = new_registry()
    pm = PipelineMetrics(registry)
    pm.events_in.labels("dossier.received").inc()
    pm.dead_letters.labels("schema_invalid").inc()
    pm.consumer_lag.labels("motcua-sink-db", "dossier-lifecycle").set(3)
    pm.processing.observe(0.01)
    pm.flag_latency.labels("at_risk").observe(0.2)
    pm.sink_stalled.labels("letters").set(0)
    return registry


def _populated():
    """The board's registry as its /metrics serves it."""
    registry = new_registry()
    board = BoardMetrics(registry)
    board.consumer_lag.labels("motcua-worker", "dossier-lifecycle").set(12)
    model = BoardModel()
    for e in S.scenario():
        model.apply(e)
    board.refresh(model)
    return registry


def test_snapshot_values_set_gauges_and_a_replay_does_not_inflate_them():
    registry = new_registry()
    gauges = ComplianceGauges(registry)
    for _ in range(3):
        gauges.apply_snapshot("agency", S.AGENCY_XD, "rolling_30d",
                              {"on_time_rate": 0.8, "apology_compliance": 0.5})
    labels = {"scope": "agency", "key": S.AGENCY_XD, "window": "rolling_30d"}
    assert registry.get_sample_value("motcua_compliance_on_time_ratio", labels) == 0.8
    assert registry.get_sample_value("motcua_compliance_apology_ratio", labels) == 0.5
    assert registry.get_sample_value("motcua_compliance_online_ratio", labels) is None


def test_unbounded_scopes_are_not_exported():
    registry = new_registry()
    ComplianceGauges(registry).apply_snapshot("procedure", "1.009994", "day", {"on_time_rate": 1})
    assert "1.009994" not in generate_latest(registry).decode()


def test_board_refresh_sets_open_counts_per_agency_including_zeros():
    registry = _populated()
    v = registry.get_sample_value
    assert v("motcua_dossiers_at_risk_open", {"agency": S.AGENCY_XD}) == 1
    assert v("motcua_dossiers_at_risk_open", {"agency": S.AGENCY_TNMT}) == 0
    assert v("motcua_dossiers_overdue_open", {"agency": S.AGENCY_TNMT}) == 1
    assert v("motcua_dossiers_at_risk_without_letter", {"agency": S.AGENCY_XD}) == 0
    assert v("motcua_dead_letter_records", {"reason": "schema_invalid"}) == 1
    assert v("motcua_compliance_target_ratio", {"indicator": "four_step_dossier"}) == 0.5


def test_every_exported_sample_is_in_the_declared_list():
    names = {s.name for r in (_populated(), _pipeline_registry())
             for fam in r.collect() for s in fam.samples}
    assert names <= EXPORTED_METRICS, names - EXPORTED_METRICS
    assert {g.metric for g in SNAPSHOT_GAUGES} <= EXPORTED_METRICS


def test_no_dossier_code_in_any_label():
    page = generate_latest(_populated()).decode()
    assert S.dossier_code(S.AGENCY_XD, 1) not in page


def test_promtool_accepts_the_pages():
    assert PROMTOOL, "promtool missing: apt-get install prometheus (the Makefile does)"
    for registry in (_populated(), _pipeline_registry()):
        page = generate_latest(registry)
        res = subprocess.run([PROMTOOL, "check", "metrics"], input=page, capture_output=True)
        assert res.returncode == 0, res.stdout + res.stderr


def test_components_register_only_declared_families_and_all_declared_ones_exist():
    registered = registered_sample_names()
    assert registered <= EXPORTED_METRICS, sorted(registered - EXPORTED_METRICS)
    for family, kind in COMPONENT_METRICS.items():
        assert sample_names(family, kind) & registered, f"{family} is declared but not created"
