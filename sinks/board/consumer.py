"""Feeds the read model from Kafka (kafka-python), in a background thread.

The board is a read model of whole topics, so it joins no consumer group: it assigns itself
every partition and reads from the beginning on each start (memory only, rebuilt on restart).
It commits nothing. A record it cannot decode is counted by reason and skipped: the worker
owns dead-lettering of lifecycle input, and derived topics are written by our own code.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from schemas.cloudevents import Event, from_record
from schemas.errors import ContractError

__all__ = ["BoardConsumer"]

log = logging.getLogger(__name__)


class BoardConsumer(threading.Thread):
    """Polls ``topics`` and calls ``on_events(batch)`` with decoded events, in order per partition."""

    def __init__(self, client_config: dict, topics: Sequence[str],
                 on_events: Callable[[list[tuple[str, Event]]], None],
                 on_skip: Callable[[str, str], None]) -> None:
        super().__init__(name="board-consumer", daemon=True)
        self._config, self._topics = client_config, list(topics)
        self._on_events, self._on_skip = on_events, on_skip
        self._halt = threading.Event()
        self.assigned = threading.Event()

    def stop(self) -> None:
        self._halt.set()

    def run(self) -> None:
        from kafka import KafkaConsumer, TopicPartition

        consumer = KafkaConsumer(**self._config, group_id=None, enable_auto_commit=False,
                                 auto_offset_reset="earliest", client_id="motcua-board")
        try:
            parts = [TopicPartition(t, p) for t in self._topics
                     for p in sorted(self._partitions(consumer, t))]
            consumer.assign(parts)
            consumer.seek_to_beginning(*parts)
            self.assigned.set()
            while not self._halt.is_set():
                batch = consumer.poll(timeout_ms=200, max_records=2000)
                events = [ev for recs in batch.values() for r in recs
                          if (ev := self._decode(r)) is not None]
                if events:
                    self._on_events(events)
        finally:
            consumer.close()

    def _partitions(self, consumer, topic: str) -> set[int]:  # noqa: ANN001
        for _ in range(100):
            parts = consumer.partitions_for_topic(topic)
            if parts:
                return parts
            self._halt.wait(0.1)
        log.warning("topic %s has no partitions; not reading it", topic)
        return set()

    def _decode(self, record) -> tuple[str, Event] | None:  # noqa: ANN001
        try:
            return record.topic, from_record(record.key, record.value, record.headers)
        except ContractError as exc:
            self._on_skip(record.topic, "contract_error")
            log.info("skipped a record on %s: %s", record.topic, exc.field)
            return None
        except Exception:  # a bug in decoding must not stop the board  # noqa: BLE001
            self._on_skip(record.topic, "decode_error")
            log.exception("could not decode a record on %s", record.topic)
            return None
