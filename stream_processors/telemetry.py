"""Prometheus metrics of the worker, registered on an injected ``CollectorRegistry``.

Labels are bounded: event type, dead-letter reason, flag kind, classification, input topic,
calendar year (this one and the next two).
Per-record paths go through :class:`Children` (``Counter.labels`` validates and locks on every
call; a cached child costs a dict lookup).
"""

from __future__ import annotations

import datetime as dt

from prometheus_client import CollectorRegistry, Counter, Gauge

from stream_processors.core.calendar_status import CalendarStatus
from stream_processors.core.vntime import VN_TZ

__all__ = ["WorkerTelemetry", "Children", "publish_calendar_status"]


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
        self.calendar_estimated = Gauge(
            "motcua_calendar_estimated_windows", "Holiday windows of a year still estimated "
            "(rules only, no official notice entered) and not yet over", ["year"],
            registry=registry)
        self.calendar_year_start = Gauge(
            "motcua_calendar_year_start_timestamp_seconds", "When a calendar year begins "
            "(00:00 Vietnam time), for the estimated-holidays alert", ["year"], registry=registry)
        self.evicted = Counter("motcua_worker_evicted_dossiers", "Ended dossiers deleted from the "
                               "worker's state after the retention (core/retention.py)",
                               registry=registry)
        self.dossiers_held = Gauge("motcua_worker_dossiers_held", "Dossiers in this worker's "
                                   "state (open, and ended within the retention)",
                                   registry=registry)
        self.snapshot_key_seconds = Gauge(
            "motcua_worker_snapshot_key_seconds",
            "Seconds the costliest scope key's snapshot took to compute in the last round",
            registry=registry)
        self.unapplied = Gauge(
            "motcua_worker_unapplied_records", "Input records on this worker's partitions not "
            "yet applied: end offset (as of the last fetch) minus the next offset to apply, by "
            "input topic", ["topic"], registry=registry)
        self.events_of, self.flags_of = Children(self.events), Children(self.flags)
        self.classified_of, self.records_of = Children(self.classified), Children(self.records)


def publish_calendar_status(telemetry: WorkerTelemetry, status: CalendarStatus,
                            today: dt.date) -> None:
    """Set the calendar gauges for this year and the next two (windows already over count 0)."""
    for year in range(today.year, today.year + 3):
        open_ = [w for w in status.windows(year) if w.estimated and w.last >= today]
        telemetry.calendar_estimated.labels(str(year)).set(len(open_))
        start = dt.datetime(year, 1, 1, tzinfo=VN_TZ)
        telemetry.calendar_year_start.labels(str(year)).set(start.timestamp())
