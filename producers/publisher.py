"""The one publishing library: events go to the durable outbox, a relay moves them to Kafka.

:class:`Publisher` accepts events (one SQLite commit per call; when it returns the events are
durable). :class:`Relay` reads the outbox in insertion order and sends with kafka-python
(``acks=all``, idempotence, lz4, linger/batch tuned, crc32c installed). It is pipelined: it
keeps up to ``window`` rows in flight, reading and sending the next rows while the
acknowledgements of earlier ones arrive, and deletes the acknowledged prefix as it grows: a row
is deleted only after the broker acknowledged it and every row before it. Delivery is
**at-least-once**: after a crash or a partial failure some events can appear twice, with the same
CloudEvents id; consumers dedupe on it.

**Order.** One dossier's events (one key, one partition) reach the topic in the order they were
accepted, counting each event's first copy, faults included. Idempotence keeps the order of the
batches one producer has in flight, but only until a batch fails for good: kafka-python then
bumps the producer epoch and sends the batches queued behind it, so re-sending the failed rows
would put them after younger ones. So a retriable failure is never made final: the producer
retries for as long as it lives (``delivery_timeout_ms`` of weeks), and a relay that sees no
acknowledgement for ``report_after`` seconds reports the broker unavailable and keeps waiting
instead of abandoning the rows. The producer is closed and the rows re-sent only when a send
fails at once (nothing of it queued) or a row fails with an error that retrying cannot cure;
what the old producer delivered is then a prefix of each partition's rows, so re-sending makes
copies, never a new order.

When the broker is down the relay keeps the rows, reports once, and retries; nothing ever blocks
a producer on the broker.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple, Protocol

from prometheus_client import Counter

from motcua.observability import PipelineMetrics
from producers.outbox import ALL_PARTITIONS, Outbox, OutboxRow
from schemas.cloudevents import Event, to_record
from schemas.lifecycle import ClockHeartbeat
from schemas.topics import ALL_TOPICS, LIFECYCLE, Topic

__all__ = ["Backoff", "InFlight", "KafkaSender", "Publisher", "Relay", "Sender", "SendError",
           "event_rows", "producer_config"]

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
    """Sends rows in order, pipelined: :meth:`send` does not wait for the broker."""

    in_flight: int  # rows sent and not yet returned by :meth:`acked`
    waiting: float  # seconds the oldest row in flight has waited for its acknowledgement (0: none)

    def send(self, rows: Sequence[OutboxRow]) -> None:
        """Send ``rows`` after those in flight; raises :class:`SendError` if it cannot."""

    def acked(self, wait: float) -> list[OutboxRow]:
        """The leading rows in flight that are acknowledged, oldest first, removed from flight.

        Waits up to ``wait`` seconds for the oldest one when none is. Raises
        :class:`SendError` when the oldest row in flight failed; a row that is merely slow is
        waited for (see :attr:`waiting`).
        """

    def close(self) -> None:
        """Abandon the rows in flight (they stay in the outbox and are sent again)."""


def producer_config(settings, bootstrap: str) -> dict:  # noqa: ANN001 - Settings
    """kafka-python producer kwargs: durable, ordered, compressed; it never fails a batch for an
    error that retrying can cure (the module docstring, "Order"), and reconnects within 2 s of a
    broker coming back."""
    from motcua.kafka import kafka_python_config

    return {**kafka_python_config(settings, bootstrap), "client_id": "motcua-producer",
            "acks": "all", "enable_idempotence": True, "compression_type": "lz4",
            "linger_ms": 20, "batch_size": 256 * 1024, "max_in_flight_requests_per_connection": 5,
            "bootstrap_timeout_ms": 3000, "max_block_ms": 5000, "request_timeout_ms": 10000,
            "delivery_timeout_ms": DELIVERY_TIMEOUT_MS, "reconnect_backoff_max_ms": 2000,
            "allow_auto_create_topics": False}


#: a batch kafka-python has accepted is retried this long (3 weeks): longer than any outage the
#: outbox rides out, so no retriable failure becomes final while the producer lives
DELIVERY_TIMEOUT_MS = 21 * 24 * 3600 * 1000


class _Flight(NamedTuple):
    row: OutboxRow
    futures: list  # one per target partition
    sent_at: float  # InFlight's clock


class InFlight:
    """Rows sent and not yet handed back as acknowledged, oldest first, with their futures.

    A row is acknowledged once all its futures (a heartbeat has one per partition) succeeded;
    only a prefix of acknowledged rows is handed back, so the outbox forgets rows in order.
    Futures are kafka-python's (``is_done``, ``succeeded()``, ``failed()``, ``exception``,
    ``get(timeout)``). ``clock`` is in seconds (``time.monotonic``).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._rows: collections.deque[_Flight] = collections.deque()

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def waiting(self) -> float:
        """Seconds since the oldest row in flight was sent (0 when none is in flight)."""
        return self._clock() - self._rows[0].sent_at if self._rows else 0.0

    def add(self, row: OutboxRow, futures: list) -> None:
        self._rows.append(_Flight(row, futures, self._clock()))

    def clear(self) -> None:
        self._rows.clear()

    def acked(self, wait: float) -> list[OutboxRow]:
        """See :meth:`Sender.acked`: the acknowledged prefix, removed; waits up to ``wait`` s
        for the oldest row; :class:`SendError` if it failed."""
        rows = self._rows
        if rows and wait > 0 and not _settled(rows[0]):
            _wait_for(rows[0], wait)
        done = []
        while rows and _settled(rows[0]):
            if not all(f.succeeded() for f in rows[0].futures):
                if done:
                    break  # hand back the acknowledged prefix first; the next call raises
                exc = next(f.exception for f in rows[0].futures if f.failed())
                raise SendError(f"broker did not acknowledge: {exc}")
            done.append(rows.popleft().row)
        return done


def _settled(entry: _Flight) -> bool:
    return all(f.is_done for f in entry.futures)


def _wait_for(entry: _Flight, wait: float) -> None:
    deadline = time.monotonic() + wait
    for future in entry.futures:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        try:
            future.get(timeout=left)
        except Exception:  # a timeout or the failure itself; acked() reads the outcome
            pass


class KafkaSender:
    """A :class:`Sender` over one kafka-python ``KafkaProducer``, created on first use.

    A row counts as acknowledged once every copy (a heartbeat has one per partition) is.
    """

    def __init__(self, config: dict, partitions: int) -> None:
        self._config, self._partitions = config, partitions
        self._producer = None
        self._known_topics: set[str] = set()
        self._flight = InFlight()

    @property
    def in_flight(self) -> int:
        return len(self._flight)

    @property
    def waiting(self) -> float:
        return self._flight.waiting

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

    def send(self, rows: Sequence[OutboxRow]) -> None:
        producer = self._connect()
        try:
            for topic in {row.topic for row in rows}:
                self._ensure_topic(topic)
            for row in rows:
                futures = [producer.send(row.topic, key=row.key, value=row.value,
                                         headers=list(row.headers), partition=p)
                           for p in self._targets(producer, row)]
                self._flight.add(row, futures)
        except SendError:
            raise
        except Exception as exc:  # KafkaTimeoutError (no metadata, buffer full), closed, ...
            log.debug("send failed", exc_info=True)
            raise SendError(f"cannot send: {exc}") from exc

    def acked(self, wait: float) -> list[OutboxRow]:
        return self._flight.acked(wait)

    def _targets(self, producer, row: OutboxRow) -> list[int | None]:  # noqa: ANN001
        if row.partition != ALL_PARTITIONS:
            return [row.partition]
        parts = producer.partitions_for(row.topic)
        if not parts:
            raise SendError(f"no partitions known for topic {row.topic}")
        return sorted(parts)

    def close(self) -> None:
        self._flight.clear()
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                producer.close(timeout=2)
            except Exception:  # closing a broken client must not mask the original problem
                log.debug("producer close failed", exc_info=True)


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
    """Moves outbox rows to the broker in order; ``report`` receives one line per state change.

    Reads ``batch`` rows at a time and keeps at most ``window`` rows (default ``4 * batch``) in
    flight, so the broker always has work while earlier acknowledgements come back. When the
    oldest row has waited ``report_after`` seconds it reports the broker unavailable, once, and
    goes on waiting (the module docstring, "Order").
    """

    def __init__(self, outbox: Outbox, sender: Sender, batch: int = 1000,
                 report: Callable[[str], None] = log.warning,
                 metrics: "PublisherMetrics | None" = None, window: int | None = None,
                 report_after: float = 30.0) -> None:
        self.outbox, self.sender, self.batch = outbox, sender, batch
        self.window, self.report_after = window or 4 * batch, report_after
        self._report, self._metrics = report, metrics
        self._down: str | None = None
        self._sent_through: int | None = None  # seq of the last row handed to the sender
        self._acked: list[int] = []  # seqs acknowledged by the broker, not yet deleted
        self._gauge_at = 0.0
        self.delivered = 0

    @property
    def idle(self) -> bool:
        """Nothing in flight (there may still be rows pending)."""
        return self.sender.in_flight == 0

    def relay_once(self, wait: float = 0.05) -> int:
        """Send the next pending rows if the window has room, then take the acknowledged ones;
        returns how many were acknowledged. Waits up to ``wait`` s for an ack when there was
        nothing new to send. 0 and :attr:`idle`: nothing pending, and every acknowledged row is
        deleted from the outbox."""
        sent = self._send_more()
        rows = self.sender.acked(0.0 if sent else wait)
        self._acked += [r.seq for r in rows]
        # one delete per batch, not per ack: fewer write transactions competing with publishers
        if len(self._acked) >= self.batch or (self._acked and self.idle):
            self._forget_acked()
        if not rows:
            if self.sender.waiting > self.report_after and self._down is None:
                if self._metrics:
                    self._metrics.errors.inc()
                self._unavailable(f"no acknowledgement for {self.sender.waiting:.0f}s",
                                  "waiting for it")
            return 0
        self.delivered += len(rows)
        if self._metrics:
            self._metrics.relayed.inc(len(rows))
        if self._down is not None:
            self._down = None
            self._report(f"broker reachable again; relaying ({self.outbox.status().pending} pending)")
        return len(rows)

    def _forget_acked(self) -> None:
        seqs, self._acked = self._acked, []
        self.outbox.mark_delivered(seqs)

    def _send_more(self) -> int:
        room = self.window - self.sender.in_flight
        if room <= 0:
            return 0
        rows = self.outbox.pending(min(self.batch, room), after=self._sent_through)
        if rows:
            self._sent_through = rows[-1].seq
            self.sender.send(rows)
        return len(rows)

    def _failed(self, exc: Exception) -> None:
        self._forget_acked()
        self.sender.close()
        self._sent_through = None  # start again from the oldest row not acknowledged
        if self._metrics:
            self._metrics.errors.inc()
        self._unavailable(str(exc), "retrying")

    def _unavailable(self, why: str, then: str) -> None:
        """Report once per outage (a failed attempt, or no acknowledgement for a while)."""
        if self._down is not None:
            return
        self._down = why
        pending = self.outbox.status().pending
        self._report(f"broker unavailable ({why}); {pending} events kept in the outbox, {then}")

    def run(self, stop: threading.Event, wake: threading.Event | None = None,
            idle: float = 0.2) -> None:
        """Relay until ``stop`` is set, backing off while the broker is unavailable.

        Rows still in flight when it stops stay in the outbox (:meth:`flush` can finish them).
        """
        backoff = Backoff()
        try:
            while not stop.is_set():
                try:
                    moved = self.relay_once()
                except SendError as exc:
                    self._failed(exc)
                    stop.wait(backoff.next())
                    continue
                backoff.reset()
                self._update_gauge()
                if moved == 0 and self.idle:
                    (wake or stop).wait(idle)
                    if wake is not None:
                        wake.clear()
        finally:
            self._forget_acked()

    def flush(self, timeout: float) -> tuple[int, str | None]:
        """Deliver everything pending; returns (rows left, last error). Gives up after ``timeout``."""
        deadline, backoff, error = time.monotonic() + timeout, Backoff(), None
        while True:
            try:
                if self.relay_once() == 0:
                    if self.idle:
                        return 0, None
                    if time.monotonic() >= deadline:
                        return self.outbox.status().pending, self._down or "not acknowledged"
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
        # COUNT(*) scans the backlog: while rows are in flight, once a second is enough
        if self._metrics and (self.idle or time.monotonic() - self._gauge_at >= 1.0):
            self._gauge_at = time.monotonic()
            self._metrics.pending.set(self.outbox.status().pending)


class PublisherMetrics:
    """Prometheus instruments of producers on an injected registry.

    Accepted events count as ``motcua_events_out{type}`` and the backlog is
    ``motcua_outbox_backlog_events`` (the shared pipeline-health names, ``pipeline``); the relay
    adds its own two counters.
    """

    def __init__(self, registry) -> None:  # noqa: ANN001 - prometheus CollectorRegistry
        self.pipeline = PipelineMetrics(registry)
        self.accepted = self.pipeline.events_out
        self.pending = self.pipeline.outbox_backlog
        self.relayed = Counter("motcua_outbox_relayed_records",
                               "Outbox records acknowledged by the broker", registry=registry)
        self.errors = Counter("motcua_outbox_relay_errors",
                              "Relay attempts that failed, and waits past report_after (broker "
                              "unavailable)", registry=registry)
