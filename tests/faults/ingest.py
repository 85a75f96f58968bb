"""The worker's ingest path in-process: the lifecycle agent's ``DossierProcessor`` over a dict
Table, with a send that records what the worker would publish. No faust, no broker.

:meth:`InProcessWorker.feed` applies one record exactly as the agent does and returns its
:class:`Outcome`, checking the invariant the fuzz tests rely on: each record is *either* applied,
absorbed as a duplicate, a heartbeat, *or* dead-lettered with a known reason — and the counters
moved by exactly that one.
"""

from __future__ import annotations

import asyncio
import base64
import zlib
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry

from schemas.cloudevents import from_record
from schemas.derived import DeadLettered
from schemas.errors import ContractError
from schemas.lifecycle import ClockHeartbeat
from stream_processors.core.calendar import default_calendar
from stream_processors.core.outputs import REASONS
from stream_processors.core.transitions import Context
from stream_processors.dossiers.processor import DossierProcessor
from stream_processors.records import Origin
from stream_processors.telemetry import WorkerTelemetry
from stream_processors.topics import WorkerTopics
from tests.faults.hostile import Record

TOPICS = WorkerTopics("")
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


@dataclass
class Outcome:
    kind: str                  # applied | duplicate | heartbeat | dead_letter
    reason: str | None = None


@dataclass
class InProcessWorker:
    partitions: int = 3
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    sent: list = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.telemetry = WorkerTelemetry(self.registry)
        self.table: dict = {}
        self.processor = DossierProcessor(
            self.table, self._send, Context(default_calendar()), TOPICS, self.telemetry,
            event_time=True, source="urn:motcua:fuzz", clock=lambda: NOW)
        self.offsets = Counter()

    async def _send(self, topic: str, record, partition: int | None = None):  # noqa: ANN001, ANN202
        self.sent.append((topic, record))
        ack = self.loop.create_future()
        ack.set_result(None)
        return ack

    def close(self) -> None:
        self.loop.close()

    def count(self, name: str, labels: dict | None = None) -> float:
        return self.registry.get_sample_value(name, labels or {}) or 0.0

    def _counters(self) -> tuple[float, float, Counter]:
        applied = sum(s.value for m in self.registry.collect() if m.name == "motcua_worker_events"
                      for s in m.samples if s.name.endswith("_total"))
        dead = Counter({r: self.count("motcua_worker_dead_letters_total", {"reason": r})
                        for r in REASONS})
        return applied, self.count("motcua_worker_duplicates_total"), dead

    def feed(self, record: Record) -> Outcome:
        """Apply one record on the partition its key hashes to; raises AssertionError if the
        record was neither applied, absorbed nor dead-lettered exactly once."""
        key, value, headers = record
        partition = zlib.crc32(key or b"") % self.partitions
        offset = self.offsets[partition]
        self.offsets[partition] += 1
        before, mark = self._counters(), len(self.sent)
        origin = Origin(TOPICS.lifecycle, partition, offset, key, value, list(headers))
        self.loop.run_until_complete(self.processor.handle(origin))
        outcome = self._outcome(record, before, self.sent[mark:], origin)
        self.outcomes[(outcome.kind, outcome.reason)] += 1
        return outcome

    def _outcome(self, record: Record, before: tuple, new: list, origin: Origin) -> Outcome:
        applied0, dup0, dead0 = before
        applied1, dup1, dead1 = self._counters()
        dead_records = [from_record(r.key, r.value, r.headers) for t, r in new
                        if t == TOPICS.dead_letters]
        for topic, r in new:  # everything the worker publishes on a contract topic obeys it
            if topic not in (TOPICS.metric_facts, TOPICS.ticks):
                from_record(r.key, r.value, r.headers)
        delta = (applied1 - applied0, dup1 - dup0, sum((dead1 - dead0).values()))
        if dead_records:
            [letter] = dead_records
            assert isinstance(letter.data, DeadLettered)
            self._check_dead_letter(letter.data, origin)
            assert delta == (0, 0, 1) and dead1 - dead0 == Counter({letter.data.reason: 1}), delta
            return Outcome("dead_letter", letter.data.reason)
        if delta == (1, 0, 0):
            return Outcome("applied")
        if delta == (0, 1, 0):
            return Outcome("duplicate")
        assert delta == (0, 0, 0), delta
        assert _is_heartbeat(record), f"record silently dropped: {record!r:.300}"
        return Outcome("heartbeat")

    @staticmethod
    def _check_dead_letter(data: DeadLettered, origin: Origin) -> None:
        assert data.reason in REASONS, data.reason
        assert (data.source_topic, data.source_partition, data.source_offset) == (
            origin.topic, origin.partition, origin.offset)
        assert base64.b64decode(data.original_value) == (origin.value or b"")
        if origin.key is not None:
            assert base64.b64decode(data.original_key) == origin.key


def _is_heartbeat(record: Record) -> bool:
    try:
        return isinstance(from_record(*record).data, ClockHeartbeat)
    except ContractError:
        return False
