"""Prometheus metrics of the worker, registered on an injected ``CollectorRegistry``.

Labels are bounded: event type, dead-letter reason, flag kind, classification, input topic.
Per-record paths go through :class:`Children` (``Counter.labels`` validates and locks on every
call; a cached child costs a dict lookup).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

__all__ = ["WorkerTelemetry", "Children"]


class Children(dict):
    """label value → the labelled child of one single-label metric, created on first use."""

    def __init__(self, metric: Counter) -> None:
        super().__init__()
        self.metric = metric

    def __missing__(self, value: str) -> Counter:
        child = self[value] = self.metric.labels(value)
        return child


class WorkerTelemetry:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.records = Counter("motcua_worker_records", "Records consumed, by input topic "
                               "(lifecycle, ticks, metric_facts, catalog)", ["topic"],
                               registry=registry)
        self.events = Counter("motcua_worker_events", "Lifecycle records applied, by CloudEvents type",
                              ["type"], registry=registry)
        self.dead_letters = Counter("motcua_worker_dead_letters", "Records sent to dead-letters",
                                    ["reason"], registry=registry)
        self.duplicates = Counter("motcua_worker_duplicates",
                                  "Exact duplicates (same event id) absorbed", registry=registry)
        self.reordered = Counter("motcua_worker_reordered",
                                 "Out-of-order events applied in event-time order", registry=registry)
        self.flags = Counter("motcua_worker_flags", "Flags emitted, by kind (at_risk, overdue, step)",
                             ["kind"], registry=registry)
        self.classified = Counter("motcua_worker_classifications", "Dossiers classified",
                                  ["classification"], registry=registry)
        self.stale = Counter("motcua_worker_stale_records", "Records fetched before a rebalance, "
                             "left unapplied and uncommitted for the partition's owner to consume "
                             "again", registry=registry)
        self.rewinds = Counter("motcua_worker_offset_rewinds", "Seeks back to an input record "
                               "dropped before it was applied (stream_processors/contiguous.py)",
                               registry=registry)
        self.snapshots = Counter("motcua_worker_metric_snapshots", "Metric snapshots published",
                                 registry=registry)
        self.watermark = Gauge("motcua_worker_watermark_timestamp_seconds",
                               "Highest event time seen by this worker (event-time mode)",
                               registry=registry)
        self.events_of, self.flags_of = Children(self.events), Children(self.flags)
        self.classified_of, self.records_of = Children(self.classified), Children(self.records)
