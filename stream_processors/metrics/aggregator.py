"""The metrics adapter: latest facts per (scope key, dossier) → rolling snapshots.

Dossier facts arrive on the internal ``metric-facts`` topic keyed by scope key (``agency:X``…),
so every fact of one scope key lands on one partition whichever lifecycle partition produced it:
that is how metrics aggregate correctly across partitions and workers. The Table keeps
``"{scope key}|{dossier}" → {seq, facts, time}``; a record with a lower ``seq`` than the stored
one is stale and ignored, an equal one rewrites the same value, so redelivery is harmless.

Snapshots are published on a timer for the scope keys that changed since the last round. In
event-time mode ``as_of`` is the latest event time among the key's facts (deterministic under
replay); in wall mode it is now. Catalog records (``procedure.published``) become facts too, for
the four-step procedure share and the public-disclosure completeness per department.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from datetime import datetime
from typing import Any

from schemas.catalog import ProcedurePublished
from schemas.cloudevents import Event, KafkaRecord, from_record, to_record
from schemas.derived import MetricSnapshot
from schemas.errors import ContractError
from stream_processors.core.clock_records import from_iso, iso
from stream_processors.core.compliance import Targets, compute_views, window_bounds
from stream_processors.core.outputs import event_id
from stream_processors.records import Origin, contract_reason, dead_letter
from stream_processors.telemetry import WorkerTelemetry
from stream_processors.topics import WorkerTopics

__all__ = ["MetricAggregator", "procedure_facts"]

Send = Callable[..., Awaitable[Any]]
_DISCLOSURE = ("components", "fees", "legal_basis", "result", "processing_time")


def procedure_facts(p: ProcedurePublished) -> dict[str, Any]:
    complete = all((getattr(p, name) or "").strip() for name in _DISCLOSURE)
    return {"kind": "procedure", "procedure": p.procedure_code, "agency": p.agency,
            "four_step": p.four_step, "complete": complete, "ended": p.ended}


class MetricAggregator:
    def __init__(self, table: MutableMapping[str, Any], send: Send, topics: WorkerTopics,
                 telemetry: WorkerTelemetry, *, event_time: bool, source: str,
                 clock: Callable[[], datetime], targets: Targets = Targets()) -> None:
        self.table, self.send, self.topics, self.telemetry = table, send, topics, telemetry
        self.event_time, self.source, self.clock, self.targets = event_time, source, clock, targets
        self.facts: dict[str, dict[str, dict[str, Any]]] = {}
        self.as_of: dict[str, datetime] = {}
        self.dirty: set[str] = set()
        self.indexed: set[int] = set()
        self.partition_of: dict[str, int] = {}  # scope key -> its facts-topic partition

    def forget_partitions(self) -> None:
        self.keep_partitions(set())

    def keep_partitions(self, partitions: set[int]) -> None:
        """After a rebalance assigned ``partitions`` (of the facts topic): forget the others.
        Kept ones stay loaded; forgetting them too would lose a changed key's last snapshot if
        no further fact arrived to reload it."""
        for key, partition in list(self.partition_of.items()):
            if partition not in partitions:
                del self.partition_of[key]
                self.facts.pop(key, None)
                self.as_of.pop(key, None)
                self.dirty.discard(key)
        self.indexed &= partitions

    async def handle_facts(self, origin: Origin) -> None:
        await self.handle_facts_batch([origin])

    async def handle_facts_batch(self, origins: Iterable[Origin],
                                 scope: Callable[[int], Any] = lambda p: contextlib.nullcontext()
                                 ) -> None:
        """Apply facts in order; each touched (scope key, dossier) is written once at the end."""
        writes: dict[str, tuple[int, dict[str, Any] | None]] = {}
        for origin in origins:
            with scope(origin.partition):
                self._ensure_indexed(origin.partition)
                self._apply_facts(origin, writes)
        for tkey, (partition, value) in writes.items():
            with scope(partition):
                if value is not None:
                    self.table[tkey] = value
                elif self.table.get(tkey) is not None:
                    del self.table[tkey]

    def _apply_facts(self, origin: Origin, writes: dict) -> None:
        key, body = origin.key.decode(), json.loads(origin.value)
        tkey = f"{key}|{body['code']}"
        stored = writes[tkey][1] if tkey in writes else self.table.get(tkey)
        if stored is not None and stored["seq"] > body["seq"]:
            return
        if body["facts"] is None:
            writes[tkey] = (origin.partition, None)
            self.facts.get(key, {}).pop(body["code"], None)
        else:
            writes[tkey] = (origin.partition, {"seq": body["seq"], "facts": body["facts"],
                                               "time": body["time"], "p": origin.partition})
            self.facts.setdefault(key, {})[body["code"]] = body["facts"]
        self.partition_of[key] = origin.partition
        self._touch(key, from_iso(body["time"]))

    async def handle_catalog(self, origin: Origin) -> None:
        try:
            event = from_record(origin.key, origin.value, origin.headers)
            if not isinstance(event.data, ProcedurePublished):
                raise ContractError("header ce_type", f"{event.type} is not a catalog record")
        except ContractError as exc:
            self.telemetry.dead_letters.labels(contract_reason(exc)).inc()
            await self.send(self.topics.dead_letters, dead_letter(
                origin, contract_reason(exc), str(exc), time=self.clock(), source=self.source))
            return
        facts = procedure_facts(event.data)
        body = {"code": f"proc:{event.data.procedure_code}", "seq": 0, "time": iso(event.time),
                "facts": facts}
        for key in ("province:all", f"agency:{event.data.agency}"):
            await self.send(self.topics.metric_facts,
                            KafkaRecord(key.encode(), json.dumps(body).encode(), []))

    async def publish_snapshots(self) -> int:
        """One snapshot per window for every scope key changed since the last round."""
        dirty, self.dirty = sorted(self.dirty), set()
        for key in dirty:
            as_of = self.as_of.get(key) if self.event_time else self.clock()
            if as_of is None:
                continue
            views = compute_views(key, self.facts.get(key, {}).values(), as_of, self.targets)
            for window, values in views.items():
                await self.send(self.topics.metrics, self._snapshot(key, window, as_of, values))
        return len(dirty)

    def _snapshot(self, key: str, window: str, as_of: datetime,
                  values: dict[str, float]) -> KafkaRecord:
        scope, _, name = key.partition(":")
        start, end = window_bounds(window, as_of)
        data = MetricSnapshot(scope=scope, key=name, window=window, period_start=start,
                              period_end=end, as_of=as_of, values=values)
        subject = f"{key}:{window}"
        ident = event_id("snapshot", subject, iso(as_of), json.dumps(values, sort_keys=True))
        self.telemetry.snapshots.inc()
        return to_record(Event(id=ident, source=self.source, time=as_of, subject=subject, data=data))

    def _touch(self, key: str, time: datetime) -> None:
        self.dirty.add(key)
        if key not in self.as_of or time > self.as_of[key]:
            self.as_of[key] = time

    def _ensure_indexed(self, partition: int) -> None:
        if partition in self.indexed:
            return
        self.indexed.add(partition)
        for tkey, stored in list(self.table.items()):
            if stored and stored.get("p") == partition:
                key, _, code = tkey.partition("|")
                self.facts.setdefault(key, {})[code] = stored["facts"]
                self.partition_of[key] = partition
                self._touch(key, from_iso(stored["time"]))
