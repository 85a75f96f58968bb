"""The sink shape and the kafka-python consumer loop every sink runs in.

A sink is built from its configuration without I/O, then ``setup()`` (migrations, directories),
``write(batch)`` (apply decoded events in **one** DB transaction) and ``close()``.
:func:`run_sink` polls a batch, decodes it, writes it and only then commits the consumer offsets:

* **at-least-once**: offsets are committed only after the DB transaction committed and the dead
  letters were flushed; a crash before that redelivers the batch, which the sinks absorb with
  idempotent upserts keyed on (dossier, due version) / event id;
* **DB unreachable** (``OperationalError``/``InterfaceError``/invalidated connection): the same
  batch is retried with exponential backoff (capped), ``motcua_sink_stalled`` is 1 meanwhile;
  nothing is committed so nothing is lost, even when the process is stopped while stalled;
* **a record it cannot apply** (contract violation, or an error applying it alone) goes to the
  dead-letter topic with a reason code; the rest of the batch still applies.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import exc as sa_exc

from schemas import cloudevents, topics
from schemas.cloudevents import Event
from schemas.derived import DeadLettered
from schemas.errors import ContractError
from sinks.metrics import SinkMetrics

__all__ = ["BaseSink", "Envelope", "Rejected", "run_sink", "is_unreachable", "dead_letter_event"]

log = logging.getLogger(__name__)


class Envelope(NamedTuple):
    """A decoded event and where it came from."""
    event: Event
    topic: str
    partition: int
    offset: int


class Rejected(NamedTuple):
    record: Any  # the kafka-python ConsumerRecord
    reason: str
    detail: str


class BaseSink:
    """Base of the sinks. Subclasses set ``name`` and implement ``write``."""

    name = "base"

    def setup(self) -> None:
        """Prepare the store (idempotent). Called once before the first ``write``."""

    def write(self, batch: Sequence[Envelope]) -> None:
        """Apply ``batch`` in one transaction; raise to roll it all back."""
        raise NotImplementedError

    def after_commit(self, publish: Callable[[list[tuple[str, cloudevents.KafkaRecord]]], None]) -> None:
        """Publish what committed writes queued (an outbox); called after every committed batch.

        ``publish(records)`` sends ``(topic, record)`` pairs and returns once they are acknowledged.
        """

    def idle(self) -> None:
        """Called when a poll returned nothing (periodic work)."""

    def close(self) -> None:
        """Release connections."""


def is_unreachable(error: BaseException) -> bool:
    """True when ``error`` means the database could not be reached (retry), not bad data."""
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError,
                              sa_exc.DisconnectionError, ConnectionError))


def dead_letter_event(record: Any, reason: str, detail: str, source: str, now: float) -> Event:
    """The DeadLettered event of a record; its id is derived from the record's coordinates."""
    import datetime as dt

    b64 = lambda raw: base64.b64encode(raw or b"").decode()  # noqa: E731
    headers = {k: b64(v) for k, v in (record.headers or [])}
    data = DeadLettered(reason=reason, detail=detail[:3900], source_topic=record.topic,
                        source_partition=record.partition, source_offset=record.offset,
                        original_value=b64(record.value),
                        original_key=b64(record.key) if record.key is not None else None,
                        original_headers=headers or None)
    coords = f"{record.topic}/{record.partition}/{record.offset}/{reason}"
    return Event.new(data, time=dt.datetime.fromtimestamp(now, dt.timezone.utc), source=source,
                     id=str(uuid.uuid5(uuid.NAMESPACE_URL, coords)))


def decode(records: Sequence[Any]) -> tuple[list[Envelope], list[Rejected]]:
    good, bad = [], []
    for r in records:
        try:
            event = cloudevents.from_record(r.key, r.value, r.headers)
        except ContractError as exc:
            bad.append(Rejected(r, "contract_violation", str(exc)))
            continue
        good.append(Envelope(event, r.topic, r.partition, r.offset))
    return good, bad


class _Loop:
    def __init__(self, sink: BaseSink, consumer: Any, producer: Any, stop: threading.Event,
                 metrics: SinkMetrics, dead_letter_topic: str, source: str,
                 backoff: tuple[float, float], clock: Callable[[], float]) -> None:
        self.sink, self.consumer, self.producer, self.stop = sink, consumer, producer, stop
        self.metrics, self.dlq, self.source = metrics, dead_letter_topic, source
        self.backoff, self.clock = backoff, clock

    def produce(self, topic: str, rec: cloudevents.KafkaRecord) -> None:
        self.producer.send(topic, key=rec.key, value=rec.value, headers=rec.headers)

    def publish(self, records: list[tuple[str, cloudevents.KafkaRecord]]) -> None:
        for topic, rec in records:
            self.produce(topic, rec)
        self.producer.flush()

    def once(self, records: Sequence[Any]) -> bool:
        """Apply one polled batch; False if stopped while stalled (nothing committed)."""
        good, bad = decode(records)
        applied, failed = self._write_retrying(good)
        if applied is None:
            return False
        by_coords = {(r.topic, r.partition, r.offset): r for r in records}
        bad += [Rejected(by_coords[(e.topic, e.partition, e.offset)], "apply_failed", d)
                for e, d in failed]
        for rej in bad:
            ev = dead_letter_event(rej.record, rej.reason, rej.detail, self.source, self.clock())
            self.produce(self.dlq, cloudevents.to_record(ev))
            self.metrics.dead_lettered(rej.reason)
        self._after_commit()
        self.producer.flush()
        try:
            self.consumer.commit()
        except Exception as exc:  # noqa: BLE001 - e.g. a rebalance: the batch is redelivered
            log.warning("%s: offset commit failed (%s); batch will be redelivered",
                        self.sink.name, type(exc).__name__)
        self.metrics.applied(len(applied), self.clock())
        return True

    def _after_commit(self) -> None:
        try:
            self.sink.after_commit(self.publish)
        except Exception as exc:  # noqa: BLE001 - the outbox keeps it; retried after the next batch
            log.warning("%s: outbox publish failed (%s)", self.sink.name, type(exc).__name__)

    def _write_retrying(self, batch: list[Envelope]):  # noqa: ANN202
        delay = self.backoff[0]
        while True:
            try:
                return self._write(batch)
            except Exception as exc:  # noqa: BLE001 - classified below
                if not is_unreachable(exc):
                    raise
                self.metrics.stalled(True)
                log.warning("%s: database unreachable, retrying in %.1fs (%s)", self.sink.name,
                            delay, type(exc).__name__)
                if self.stop.wait(delay):
                    return None, []
                delay = min(delay * 2, self.backoff[1])

    def _write(self, batch: list[Envelope]):  # noqa: ANN202
        if not batch:
            self.metrics.stalled(False)
            return [], []
        try:
            self.sink.write(batch)
            self.metrics.stalled(False)
            return batch, []
        except Exception as exc:  # noqa: BLE001 - bad data is isolated below, outages re-raised
            if is_unreachable(exc):
                raise
            if len(batch) == 1:
                return [], [(batch[0], f"{type(exc).__name__}: {exc}")]
        applied, failed = [], []
        for env in batch:  # isolate the record(s) that cannot be applied
            a, f = self._write([env])
            applied += a
            failed += f
        return applied, failed


def run_sink(sink: BaseSink, consumer: Any, producer: Any, stop: threading.Event,
             metrics: SinkMetrics, *, dead_letter_topic: str = topics.DEAD_LETTERS.name,
             source: str = "urn:motcua:sink", max_records: int = 500,
             backoff: tuple[float, float] = (0.5, 10.0),
             clock: Callable[[], float] = time.time, on_ready: Callable[[], None] | None = None) -> None:
    """Consume until ``stop`` is set; ``consumer`` must have auto-commit off."""
    loop = _Loop(sink, consumer, producer, stop, metrics, dead_letter_topic, source, backoff, clock)
    if on_ready:
        on_ready()
    while not stop.is_set():
        polled = _poll(consumer, max_records, sink.name, stop, backoff[1])
        records = [r for batch in polled.values() for r in batch]
        if not records:
            sink.idle()
            loop._after_commit()
            continue
        if not loop.once(records):
            break


def _poll(consumer: Any, max_records: int, name: str, stop: threading.Event,
          wait: float) -> dict:
    """One poll; ``{}`` after ``wait`` seconds when the cluster is unreachable. kafka-python's
    consumer raises a retriable error (KafkaConnectionError) from ``poll`` while no broker can
    coordinate its group, e.g. the whole cluster restarting; the sink waits it out instead of
    exiting, and resumes from its committed offsets."""
    try:
        return consumer.poll(timeout_ms=300, max_records=max_records)
    except Exception as exc:
        if not getattr(exc, "retriable", False):
            raise
        log.warning("%s: Kafka unreachable (%s); polling again in %.0f s", name,
                    type(exc).__name__, wait)
        stop.wait(wait)
        return {}
