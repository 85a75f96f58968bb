"""Prometheus metrics of a sink, registered on an injected ``CollectorRegistry``."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

__all__ = ["SinkMetrics", "DeliveryMetrics"]


class SinkMetrics:
    """``motcua_sink_*`` series, labelled by the sink name only (bounded)."""

    def __init__(self, registry: CollectorRegistry, sink: str) -> None:
        self.sink = sink
        self._stalled = Gauge("motcua_sink_stalled", "1 while the sink retries an unreachable DB",
                              ["sink"], registry=registry).labels(sink)
        self._last = Gauge("motcua_sink_last_success_timestamp_seconds",
                           "Unix time of the last committed batch", ["sink"],
                           registry=registry).labels(sink)
        self._records = Counter("motcua_sink_records_applied", "Records applied and committed",
                                ["sink"], registry=registry).labels(sink)
        self._dead = Counter("motcua_sink_dead_letters", "Records sent to the dead-letter topic",
                             ["sink", "reason"], registry=registry)
        self._retries = Counter("motcua_sink_db_retries", "Batch retries on an unreachable DB",
                                ["sink"], registry=registry).labels(sink)
        self._stalled.set(0)

    def stalled(self, on: bool) -> None:
        if on:
            self._retries.inc()
        self._stalled.set(1 if on else 0)

    def applied(self, count: int, now: float) -> None:
        self._records.inc(count)
        self._last.set(now)

    def dead_lettered(self, reason: str) -> None:
        self._dead.labels(self.sink, reason).inc()


class DeliveryMetrics:
    """``motcua_letter_deliveries`` by channel and outcome (sent, retry, failed)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._c = Counter("motcua_letter_deliveries", "Letter delivery attempts by outcome",
                          ["channel", "outcome"], registry=registry)

    def outcome(self, channel: str, outcome: str) -> None:
        self._c.labels(channel, outcome).inc()
