"""The board's /metrics: compliance gauges set from the read model, plus its own counters."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

from motcua.observability import ComplianceGauges, consumer_lag_gauge
from sinks.board import views
from sinks.board.model import BoardModel

__all__ = ["BoardMetrics"]

_OPEN = {"at_risk": "motcua_dossiers_at_risk_open", "overdue": "motcua_dossiers_overdue_open",
         "no_apology": "motcua_dossiers_at_risk_without_apology",
         "no_letter": "motcua_dossiers_at_risk_without_letter"}


class BoardMetrics:
    """Gauges are recomputed from state by :meth:`refresh`; replays never inflate them."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.compliance = ComplianceGauges(registry)
        self.records = Counter("motcua_board_records", "Records the board consumed, by topic",
                               ["topic"], registry=registry)
        self.skipped = Counter("motcua_board_records_skipped",
                               "Records the board could not decode, by reason", ["reason"],
                               registry=registry)
        self.consumer_lag = consumer_lag_gauge(registry)
        self.sse_clients = Gauge("motcua_board_sse_clients", "Connected live-update clients",
                                 registry=registry)

    def refresh(self, model: BoardModel) -> None:
        for (scope, key, window), snap in model.snapshots.items():
            self.compliance.apply_snapshot(scope, key, window, snap.values)
        for kind, counts in views.open_counts(model).items():
            zeros = dict.fromkeys((a for a in model.agency_names if model.exists_now(a)), 0)
            self.compliance.set_per_label(_OPEN[kind], {**zeros, **counts})
        self.compliance.set_per_label("motcua_dead_letter_records", model.dead_letters)
        if model.watermark is not None:
            self.compliance.set_value("motcua_event_time_seconds", model.watermark.timestamp())
