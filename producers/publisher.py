"""The one publishing library: events go to the durable outbox, a relay moves them to Kafka.

:class:`Publisher` accepts events (one SQLite commit per call; when it returns the events are
durable). :class:`Relay` reads the outbox in insertion order and sends with kafka-python
(``acks=all``, idempotence, lz4, linger/batch tuned, crc32c installed); a row is deleted only
after the broker acknowledged it. Idempotence keeps the order per partition even with several
requests in flight, so one dossier's events (one key, one partition) arrive in the order they
were accepted. Delivery is **at-least-once**: after a crash or a partial failure some events can
appear twice, with the same CloudEvents id; consumers dedupe on it.

When the broker is down the relay keeps the rows, reports once, and retries with exponential
backoff; nothing ever blocks a producer on the broker.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from producers.outbox import ALL_PARTITIONS, Outbox, OutboxRow
from schemas.cloudevents import Event, to_record
from schemas.lifecycle import ClockHeartbeat
from schemas.topics import ALL_TOPICS, LIFECYCLE, Topic

__all__ = ["Backoff", "KafkaSender", "Publisher", "Relay", "Sender", "SendError", "event_rows",
           "producer_config"]

log = logging.getLogger(__name__)


def event_rows(events: Iterable[Event], lifecycle_topic: str = LIFECYCLE.name,
               topic_prefix: str = "") -> list[OutboxRow]:
    """Outbox rows (Kafka binary-mode records) for ``events``; heartbeats go to every partition.

    Lifecycle events go to ``lifecycle_topic``; any other type to ``topic_prefix`` + its topic.
    """
    rows = []
    for event in events:
        rec = to_record(event)
        topic = event.event_type.topic
        name = lifecycle_topic if topic is LIFECYCLE else topic_prefix + topic.name
        part = ALL_PARTITIONS if isinstance(event.data, ClockHeartbeat) else None
        rows.append(OutboxRow(event.id, name, rec.key, rec.value, tuple(rec.headers), part))
    return rows


class Publisher:
    """Accept events into the outbox; ``wake`` tells an in-process relay there is work."""

    def __init__(self, outbox: Outbox, lifecycle_topic: str | None = None, topic_prefix: str = "",
                 metrics: "PublisherMetrics | None" = None) -> None:
        self.outbox = outbox
        self.lifecycle_topic = lifecycle_topic or topic_prefix + LIFECYCLE.name
        self.topic_prefix = topic_prefix
        self.wake = threading.Event()
        self._metrics = metrics

    def publish(self, events: Sequence[Event], db=None) -> int:  # noqa: ANN001 - sqlite conn
        """Commit ``events`` to the outbox (inside ``db``'s transaction if given); returns new rows."""
        added = self.outbox.add(event_rows(events, self.lifecycle_topic, self.topic_prefix), db)
        if self._metrics:
            for event in events:
                self._metrics.accepted.labels(type=event.type).inc()
        self.wake.set()
        return added


class SendError(RuntimeError):
    """The broker could not be reached or did not acknowledge in time."""


class Sender(Protocol):
    def send(self, rows: Sequence[OutboxRow]) -> int:
        """Send ``rows`` in order; return how many leading rows were all acknowledged."""

    def close(self) -> None: ...


def producer_config(settings, bootstrap: str) -> dict:  # noqa: ANN001 - Settings
    """kafka-python producer kwargs: durable, ordered, compressed, quick to give up when down."""
    from motcua.kafka import kafka_python_config

    return {**kafka_python_config(settings, bootstrap), "client_id": "motcua-producer",
            "acks": "all", "enable_idempotence": True, "compression_type": "lz4",
            "linger_ms": 20, "batch_size": 256 * 1024, "max_in_flight_requests_per_connection": 5,
            "bootstrap_timeout_ms": 3000, "max_block_ms": 5000, "request_timeout_ms": 10000,
            "delivery_timeout_ms": 30000, "allow_auto_create_topics": False}


class KafkaSender:
    """A :class:`Sender` over one kafka-python ``KafkaProducer``, created on first use."""

    def __init__(self, config: dict, partitions: int, ack_timeout: float = 30.0) -> None:
        self._config, self._partitions, self._ack_timeout = config, partitions, ack_timeout
        self._producer = None
        self._known_topics: set[str] = set()

    def _connect(self):  # noqa: ANN202 - kafka-python type
        if self._producer is None:
            from kafka import KafkaProducer

            try:
                self._producer = KafkaProducer(**self._config)
            except Exception as exc:  # NoBrokersAvailable, KafkaTimeoutError, ...
                raise SendError(f"cannot reach Kafka at {self._config['bootstrap_servers']}: "
                                f"{exc}") from exc
        return self._producer

    def _ensure_topic(self, name: str) -> None:
        if name in self._known_topics:
            return
        from motcua.broker import BrokerError, ensure_topics

        topic = next((dataclasses.replace(t, name=name) for t in ALL_TOPICS if name.endswith(t.name)),
                     Topic(name, "", "dossier code"))
        try:
            ensure_topics(self._config["bootstrap_servers"], self._partitions, [topic], timeout=5)
        except BrokerError as exc:
            raise SendError(str(exc)) from exc
        self._known_topics.add(name)

    def send(self, rows: Sequence[OutboxRow]) -> int:
        producer = self._connect()
        sent: list[tuple[OutboxRow, list]] = []
        try:
            for row in rows:
                self._ensure_topic(row.topic)
                sent.append((row, [producer.send(row.topic, key=row.key, value=row.value,
                                                 headers=list(row.headers), partition=p)
                                   for p in self._targets(producer, row)]))
            producer.flush(timeout=self._ack_timeout)
        except SendError:
            raise
        except Exception as exc:
            log.debug("send failed", exc_info=True)
            acked = _acked_prefix(sent)
            if acked:
                return acked
            raise SendError(f"broker did not acknowledge: {exc}") from exc
        return _acked_prefix(sent)

    def _targets(self, producer, row: OutboxRow) -> list[int | None]:  # noqa: ANN001
        if row.partition != ALL_PARTITIONS:
            return [row.partition]
        parts = producer.partitions_for(row.topic)
        if not parts:
            raise SendError(f"no partitions known for topic {row.topic}")
        return sorted(parts)

    def close(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                producer.close(timeout=2)
            except Exception:  # closing a broken client must not mask the original problem
                log.debug("producer close failed", exc_info=True)


def _acked_prefix(sent: list[tuple[OutboxRow, list]]) -> int:
    count = 0
    for _row, futures in sent:
        if not all(f.is_done and f.succeeded() for f in futures):
            break
        count += 1
    return count


class Backoff:
    """Exponential backoff delays: ``first``, doubling, capped at ``cap`` seconds."""

    def __init__(self, first: float = 0.25, cap: float = 30.0) -> None:
        self.first, self.cap, self._next = first, cap, first

    def next(self) -> float:
        delay, self._next = self._next, min(self._next * 2, self.cap)
        return delay

    def reset(self) -> None:
        self._next = self.first


class Relay:
    """Moves outbox rows to the broker in order; ``report`` receives one line per state change."""

    def __init__(self, outbox: Outbox, sender: Sender, batch: int = 1000,
                 report: Callable[[str], None] = log.warning,
                 metrics: "PublisherMetrics | None" = None) -> None:
        self.outbox, self.sender, self.batch = outbox, sender, batch
        self._report, self._metrics = report, metrics
        self._down: str | None = None
        self.delivered = 0

    def relay_once(self) -> int:
        """Send one batch of pending rows; returns how many were delivered (0: nothing pending)."""
        rows = self.outbox.pending(self.batch)
        if not rows:
            return 0
        acked = self.sender.send(rows)
        self.outbox.mark_delivered([r.seq for r in rows[:acked]])
        self.delivered += acked
        if self._metrics:
            self._metrics.relayed.inc(acked)
        if self._down is not None:
            self._down = None
            self._report(f"broker reachable again; relaying ({self.outbox.status().pending} pending)")
        if acked < len(rows):
            raise SendError(f"only {acked} of {len(rows)} records acknowledged")
        return acked

    def _failed(self, exc: Exception) -> None:
        self.sender.close()
        if self._metrics:
            self._metrics.errors.inc()
        if self._down is None:
            self._down = str(exc)
            pending = self.outbox.status().pending
            self._report(f"broker unavailable ({exc}); {pending} events kept in the outbox, retrying")

    def run(self, stop: threading.Event, wake: threading.Event | None = None,
            idle: float = 0.2) -> None:
        """Relay until ``stop`` is set, backing off while the broker is unavailable."""
        backoff = Backoff()
        while not stop.is_set():
            try:
                moved = self.relay_once()
            except SendError as exc:
                self._failed(exc)
                stop.wait(backoff.next())
                continue
            backoff.reset()
            if moved == 0:
                (wake or stop).wait(idle)
                if wake is not None:
                    wake.clear()
            self._update_gauge()

    def flush(self, timeout: float) -> tuple[int, str | None]:
        """Deliver everything pending; returns (rows left, last error). Gives up after ``timeout``."""
        deadline, backoff, error = time.monotonic() + timeout, Backoff(), None
        while True:
            try:
                if self.relay_once() == 0:
                    return 0, None
                error = None
            except SendError as exc:
                error = str(exc)
                self._failed(exc)
                left = deadline - time.monotonic()
                if left <= 0:
                    return self.outbox.status().pending, error
                time.sleep(min(backoff.next(), left))
            finally:
                self._update_gauge()

    def _update_gauge(self) -> None:
        if self._metrics:
            self._metrics.pending.set(self.outbox.status().pending)


class PublisherMetrics:
    """Prometheus instruments of producers on an injected registry.

    Accepted events count as ``motcua_events_out{type}`` and the backlog is
    ``motcua_outbox_backlog_events`` (the shared pipeline-health names, ``pipeline``); the relay
    adds its own two counters.
    """

    def __init__(self, registry) -> None:  # noqa: ANN001 - prometheus CollectorRegistry
        from prometheus_client import Counter

        from motcua.observability import PipelineMetrics

        self.pipeline = PipelineMetrics(registry)
        self.accepted = self.pipeline.events_out
        self.pending = self.pipeline.outbox_backlog
        self.relayed = Counter("motcua_outbox_relayed_records",
                               "Outbox records acknowledged by the broker", registry=registry)
        self.errors = Counter("motcua_outbox_relay_errors",
                              "Relay attempts that failed (broker unavailable)", registry=registry)
