"""Shared Prometheus helpers: registries, the /metrics server, and every metric name we export.

* :func:`new_registry` / :func:`serve_metrics` — components build their metrics on an injected
  ``CollectorRegistry``; only a command calls :func:`serve_metrics` (``--metrics-port``).
* :class:`PipelineMetrics` — the pipeline-health metrics every worker, sink and producer exports
  under the same names (events in/out by type, dead letters by reason, consumer lag, processing
  latency, flag latency, outbox backlog, sink stall).
* :class:`ComplianceGauges` — compliance gauges *set* from the latest ``MetricSnapshot`` values
  (never incremented per message, so a replay cannot inflate them). :data:`SNAPSHOT_GAUGES` is the
  one table mapping the stream processors' snapshot value names to metric names.
* :data:`EXPORTED_METRICS` — every metric family name the code base exports; the Grafana and
  alert-rule tests check that dashboards and rules use only these.

This module imports no other project module: the components import it for these names, and
:mod:`motcua.metric_inventory` checks the components against it.

Labels are bounded: agency code, procedure field, channel, kind, reason, event type, scope and
window; never a dossier code or a person.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

__all__ = [
    "ComplianceGauges", "EXPORTED_METRICS", "PipelineMetrics", "SNAPSHOT_GAUGES", "SnapshotGauge",
    "TARGETS", "new_registry", "sample_names", "serve_metrics",
]


@dataclasses.dataclass(frozen=True)
class SnapshotGauge:
    """One compliance gauge: ``metric`` is set from ``MetricSnapshot.values[value]``."""

    metric: str
    value: str
    help: str
    aliases: tuple[str, ...] = ()   # other value names accepted for the same quantity

    def pick(self, values: Mapping[str, float]) -> float | None:
        for name in (self.value, *self.aliases):
            if name in values:
                return float(values[name])
        return None


#: Snapshot value name (``stream_processors/core/compliance.py``) -> gauge. Adjust names here only.
SNAPSHOT_GAUGES: tuple[SnapshotGauge, ...] = (
    SnapshotGauge("motcua_compliance_on_time_ratio", "on_time_rate",
                  "Share of dossiers resolved early or on time (incl. in progress within deadline)"),
    SnapshotGauge("motcua_compliance_apology_ratio", "apology_compliance_rate",
                  "Share of late dossiers whose apology was issued by the apology deadline",
                  aliases=("apology_compliance",)),
    SnapshotGauge("motcua_compliance_four_step_procedure_ratio", "four_step_procedure_share",
                  "Share of procedures registered as four-step (target 50%)"),
    SnapshotGauge("motcua_compliance_four_step_dossier_ratio", "four_step_dossier_share",
                  "Share of resolved dossiers handled through the four-step process (target 50%)"),
    SnapshotGauge("motcua_compliance_online_ratio", "online_share",
                  "Share of dossiers filed online"),
    SnapshotGauge("motcua_compliance_disclosure_complete_ratio", "disclosure_complete_share",
                  "Share of procedures whose public-disclosure details are complete",
                  aliases=("disclosure_completeness",)),
    SnapshotGauge("motcua_compliance_received_dossiers", "received",
                  "Dossiers received in the snapshot window"),
    SnapshotGauge("motcua_compliance_late_dossiers", "resolved_qua_han",
                  "Dossiers resolved late (quá hạn) in the snapshot window"),
    SnapshotGauge("motcua_evaluation766_points", "e766_points",
                  "Decision 766 score of the unit for the window's period, as of now (of 100)"),
    SnapshotGauge("motcua_evaluation766_computable_points", "e766_computable_max",
                  "Decision 766 points computable from the one-stop data (the rest: national portal)"),
)

#: Decision 766 per-group gauge: ``e766_group_{n}`` -> ``{group="n"}`` (six groups).
GROUP_GAUGE = "motcua_evaluation766_group_points"
GROUPS_766 = ("1", "2", "3", "4", "5", "6")

#: Targets drawn on dashboards and used by alert rules (seed letter: 50% four-step shares).
TARGETS: dict[str, float] = {
    "on_time": 0.95, "apology": 1.0, "four_step_procedure": 0.5, "four_step_dossier": 0.5,
    "online": 0.5, "disclosure_complete": 1.0,
}

_SNAPSHOT_LABELS = ("scope", "key", "window")
#: Snapshot scopes exported as series; "procedure" is left out to keep cardinality bounded.
EXPORTED_SCOPES = frozenset({"province", "agency", "field", "channel"})

#: Gauges set from the board's read model (open dossiers right now, per responsible agency).
STATE_GAUGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "motcua_dossiers_at_risk_open": ("Open at-risk dossiers (apology deadline passed)", ("agency",)),
    "motcua_dossiers_overdue_open": ("Open overdue dossiers", ("agency",)),
    "motcua_dossiers_at_risk_without_apology": (
        "Open at-risk dossiers with no apology issued by the apology deadline", ("agency",)),
    "motcua_dossiers_at_risk_without_letter": (
        "Open at-risk dossiers with no apology letter drafted yet", ("agency",)),
    "motcua_dead_letter_records": ("Records on the dead-letter topic, by reason", ("reason",)),
    "motcua_event_time_seconds": ("Pipeline event time (watermark), Unix seconds", ()),
    "motcua_compliance_target_ratio": ("Target of a compliance indicator", ("indicator",)),
}

#: Pipeline-health metric families (see PipelineMetrics); counters without the ``_total`` suffix.
PIPELINE_METRICS: dict[str, str] = {
    "motcua_events_in": "counter", "motcua_events_out": "counter",
    "motcua_dead_letters": "counter", "motcua_consumer_lag_records": "gauge",
    "motcua_processing_seconds": "histogram", "motcua_flag_latency_seconds": "histogram",
    "motcua_outbox_backlog_events": "gauge", "motcua_sink_stalled": "gauge",
    "motcua_sink_last_success_timestamp_seconds": "gauge",
}

#: Board process own metrics (``motcua_consumer_lag_records`` is measured by the board too).
BOARD_METRICS: dict[str, str] = {
    "motcua_board_records": "counter", "motcua_board_records_skipped": "counter",
    "motcua_board_sse_clients": "gauge",
}

#: Families other components declare in their own modules; listed here so that dashboards and
#: rules can be checked in one place (tests instantiate those classes and compare).
COMPONENT_METRICS: dict[str, str] = {
    # stream_processors/telemetry.py (worker)
    "motcua_worker_records": "counter", "motcua_worker_events": "counter",
    "motcua_worker_dead_letters": "counter",
    "motcua_worker_duplicates": "counter", "motcua_worker_reordered": "counter",
    "motcua_worker_flags": "counter", "motcua_worker_classifications": "counter",
    "motcua_worker_metric_snapshots": "counter", "motcua_worker_stale_records": "counter",
    "motcua_worker_offset_rewinds": "counter",
    "motcua_worker_watermark_timestamp_seconds": "gauge",
    "motcua_calendar_estimated_windows": "gauge",
    "motcua_calendar_year_start_timestamp_seconds": "gauge",
    "motcua_worker_evicted_dossiers": "counter", "motcua_worker_dossiers_held": "gauge",
    "motcua_worker_snapshot_key_seconds": "gauge", "motcua_worker_unapplied_records": "gauge",
    # sinks/metrics.py (motcua_sink_stalled / _last_success_timestamp_seconds: PIPELINE_METRICS)
    "motcua_sink_records_applied": "counter", "motcua_sink_dead_letters": "counter",
    "motcua_sink_db_retries": "counter", "motcua_letter_deliveries": "counter",
    # producers/publisher.py, motcua/commands/ingest_api.py
    "motcua_outbox_relayed_records": "counter", "motcua_outbox_relay_errors": "counter",
    "motcua_ingest_requests": "counter",
}


def sample_names(family: str, kind: str) -> set[str]:
    """Sample names PromQL sees for one family of ``kind`` (counter, gauge or histogram)."""
    suffixes = {"counter": ("_total", "_created"), "gauge": ("",),
                "histogram": ("_bucket", "_sum", "_count", "_created")}[kind]
    return {family + s for s in suffixes}


def _all_exported() -> frozenset[str]:
    names: set[str] = set()
    for g in SNAPSHOT_GAUGES:
        names |= sample_names(g.metric, "gauge")
    for name in STATE_GAUGES:
        names |= sample_names(name, "gauge")
    for name, kind in {**PIPELINE_METRICS, **BOARD_METRICS, **COMPONENT_METRICS}.items():
        names |= sample_names(name, kind)
    return frozenset(names | sample_names(GROUP_GAUGE, "gauge"))


#: Every sample name (as PromQL sees it) the code base exports.
EXPORTED_METRICS: frozenset[str] = _all_exported()


def new_registry() -> CollectorRegistry:
    """A fresh registry (no process/platform collectors: tests compare exact pages)."""
    return CollectorRegistry(auto_describe=True)


def serve_metrics(port: int, registry: CollectorRegistry, host: str = "127.0.0.1") -> int | None:
    """Serve ``registry`` on ``http://host:port/metrics`` in a daemon thread; 0 disables.

    Returns the port served, or None when disabled. Call from commands only.
    """
    if not port:
        return None
    start_http_server(port, addr=host, registry=registry)
    return port


def consumer_lag_gauge(registry: CollectorRegistry) -> Gauge:
    """``motcua_consumer_lag_records{group, topic}``: records a consumer group is behind."""
    return Gauge("motcua_consumer_lag_records", "Records a consumer group is behind the log end",
                 ["group", "topic"], registry=registry)


class PipelineMetrics:
    """Pipeline-health metrics of one component, on an injected registry.

    ``events_in/out`` are labelled by CloudEvents type, ``dead_letters`` by reason code,
    ``consumer_lag`` by group and topic, ``sink_stalled`` by sink name (1 while retrying a
    failing store).
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        r = registry
        self.events_in = Counter("motcua_events_in", "Events consumed, by type", ["type"], registry=r)
        self.events_out = Counter("motcua_events_out", "Events produced, by type", ["type"],
                                  registry=r)
        self.dead_letters = Counter("motcua_dead_letters", "Records dead-lettered, by reason",
                                    ["reason"], registry=r)
        self.consumer_lag = consumer_lag_gauge(r)
        self.processing = Histogram("motcua_processing_seconds", "Time to process one event",
                                    registry=r, buckets=(.001, .005, .01, .05, .1, .5, 1, 5))
        self.flag_latency = Histogram(
            "motcua_flag_latency_seconds", "Wall seconds between a deadline and its flag",
            ["kind"], registry=r, buckets=(.1, .5, 1, 5, 15, 60, 300, 900))
        self.outbox_backlog = Gauge("motcua_outbox_backlog_events", "Events in the outbox not yet "
                                    "delivered", registry=r)
        self.sink_stalled = Gauge("motcua_sink_stalled", "1 while a sink cannot write its store",
                                  ["sink"], registry=r)
        self.sink_last_success = Gauge("motcua_sink_last_success_timestamp_seconds",
                                       "Unix time of the sink's last committed write", ["sink"],
                                       registry=r)


class ComplianceGauges:
    """Compliance and open-dossier gauges, set from state (snapshots and the board read model)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._snap = {g.metric: Gauge(g.metric, g.help, _SNAPSHOT_LABELS, registry=registry)
                      for g in SNAPSHOT_GAUGES}
        self._state = {name: Gauge(name, help_, labels, registry=registry)
                       for name, (help_, labels) in STATE_GAUGES.items()}
        for indicator, target in TARGETS.items():
            self._state["motcua_compliance_target_ratio"].labels(indicator).set(target)
        self._groups = Gauge(GROUP_GAUGE, "Decision 766 points of one group (1..6) of the unit",
                             (*_SNAPSHOT_LABELS, "group"), registry=registry)

    def apply_snapshot(self, scope: str, key: str, window: str, values: Mapping[str, float]) -> None:
        """Set every mapped gauge present in ``values`` (the latest snapshot wins)."""
        if scope not in EXPORTED_SCOPES:
            return
        for g in SNAPSHOT_GAUGES:
            v = g.pick(values)
            if v is not None:
                self._snap[g.metric].labels(scope, key, window).set(v)
        for group in GROUPS_766:
            v = values.get(f"e766_group_{group}")
            if v is not None:
                self._groups.labels(scope, key, window, group).set(v)

    def set_per_label(self, metric: str, counts: Mapping[str, float]) -> None:
        """Replace all series of a one-label state gauge with ``counts`` (absent labels drop)."""
        gauge = self._state[metric]
        gauge.clear()
        for label, value in counts.items():
            gauge.labels(label).set(value)

    def set_value(self, metric: str, value: float) -> None:
        self._state[metric].set(value)


_PROMQL_WORDS = frozenset({
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
    "offset", "inf", "nan"})


def promql_metric_names(expr: str) -> set[str]:
    """Metric names a PromQL expression selects (functions, labels and keywords removed).

    Good enough for our dashboards and rules; used by their tests against EXPORTED_METRICS.
    """
    import re

    s = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)                        # string literals
    s = re.sub(r"\{[^}]*\}", " ", s)                                   # label matchers
    s = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", s)
    s = re.sub(r"\[[^\]]*\]", " ", s)                                  # range selectors
    names = set()
    for m in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", s):
        rest = s[m.end():].lstrip()
        if rest.startswith("(") or m.group(0).lower() in _PROMQL_WORDS:
            continue
        names.add(m.group(0))
    return names
