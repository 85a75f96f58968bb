"""The metrics adapter: latest facts per (scope key, dossier) → rolling snapshots.

Dossier facts arrive on the internal ``metric-facts`` topic keyed by scope key (``agency:X``…),
one bundle of entries per scope key per lifecycle batch, so every fact of one scope key lands on
one partition whichever lifecycle partition produced it: that is how metrics aggregate correctly
across partitions and workers. The latest facts per (scope key, dossier) are kept in memory and
in the Table as segments (:mod:`stream_processors.core.fact_segments`): an entry with a lower
``seq`` than the counting one is stale and ignored, an equal one from a later record replaces
it, so redelivery is harmless. Each batch writes one segment per touched partition.

Snapshots are published on a timer for the scope keys that changed since the last round, from
running views kept by deltas (:mod:`stream_processors.core.running_views`): a key's views are
built from the facts it holds the first time it is published after a start or an assignment,
then each changed fact updates them, so a round costs what changed, not what the keys hold. In
event-time mode ``as_of`` is the latest event time among the key's facts (deterministic under
replay); in wall mode it is now. Catalog records (``procedure.published``) become facts too, for
the four-step procedure share, the public-disclosure completeness per department (the 7 parts of
Decree 63/2010 art. 8(2)) and the Decision 766 catalog indicators.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from datetime import datetime
from typing import Any

from schemas.catalog import ProcedurePublished
from schemas.cloudevents import Event, KafkaRecord, from_record, to_record
from schemas.derived import MetricSnapshot
from schemas.errors import ContractError
from stream_processors.core.clock_records import from_iso, iso
from stream_processors.core.compliance import Targets, window_bounds
from stream_processors.core.fact_expiry import ExpiryIndex
from stream_processors.core.fact_segments import FactSegments, Write
from stream_processors.core.metric_facts import decode_bundle, encode_bundles, entry_json
from stream_processors.core.outputs import event_id
from stream_processors.core.running_views import RunningViews
from stream_processors.records import Origin, contract_reason, dead_letter
from stream_processors.telemetry import WorkerTelemetry
from stream_processors.topics import WorkerTopics

__all__ = ["MetricAggregator", "procedure_facts"]

Send = Callable[..., Awaitable[Any]]
#: Decree 63/2010 art. 8(2) part -> the catalog record's field
_DISCLOSURE = {"name": "name", "steps": "steps", "method": "method", "components": "components",
               "time_limit": "processing_time", "applicant": "applicant", "agency": "agency"}


def procedure_facts(p: ProcedurePublished) -> dict[str, Any]:
    missing = [part for part, name in _DISCLOSURE.items() if not (getattr(p, name) or "").strip()]
    return {"kind": "procedure", "procedure": p.procedure_code, "agency": p.agency,
            "four_step": p.four_step, "complete": not missing, "missing": missing,
            "ended": p.ended, "online_level": p.online_level and p.online_level.value,
            "has_fees": p.has_fees, "payment_integrated": p.payment_integrated,
            **{k: getattr(p, k) and getattr(p, k).isoformat()
               for k in ("effective_on", "published_on", "national_published_on")}}


class MetricAggregator:
    def __init__(self, table: MutableMapping[str, Any], send: Send, topics: WorkerTopics,
                 telemetry: WorkerTelemetry, *, event_time: bool, source: str,
                 clock: Callable[[], datetime], targets: Targets = Targets(),
                 expire: bool = True) -> None:
        self.table, self.send, self.topics, self.telemetry = table, send, topics, telemetry
        self.event_time, self.source, self.clock, self.targets = event_time, source, clock, targets
        self.store = FactSegments()
        self.expiry = ExpiryIndex() if expire else None  # ended facts past every window
        self.as_of: dict[str, datetime] = {}
        self.dirty: set[str] = set()
        self.indexed: set[int] = set()
        self.partition_of: dict[str, int] = {}  # scope key -> its facts-topic partition
        self.running: dict[str, RunningViews] = {}  # built lazily at a key's first snapshot
        self._changed: set[tuple[str, str]] = set()  # (scope key, code) offered this batch
        self._costliest = 0.0  # seconds of the costliest key's views in this snapshot round

    def forget_partitions(self) -> None:
        self.keep_partitions(set())

    def keep_partitions(self, partitions: set[int]) -> None:
        """After a rebalance assigned ``partitions`` (of the facts topic): forget the others.
        Kept ones stay loaded; forgetting them too would lose a changed key's last snapshot if
        no further fact arrived to reload it."""
        for key, partition in list(self.partition_of.items()):
            if partition not in partitions:
                del self.partition_of[key]
                self.running.pop(key, None)
                self.as_of.pop(key, None)
                self.dirty.discard(key)
                if self.expiry is not None:
                    self.expiry.forget({key})
        for partition in set(self.store.partitions) - partitions:
            self.store.forget_partition(partition)
        self.indexed &= partitions

    async def handle_facts(self, origin: Origin) -> None:
        await self.handle_facts_batch([origin])

    async def handle_facts_batch(self, origins: Iterable[Origin],
                                 scope: Callable[[int], Any] = lambda p: contextlib.nullcontext()
                                 ) -> None:
        """Apply facts in order; then write one segment per touched partition (and delete the
        segments nothing counts in any more)."""
        writes: list[Write] = []
        touched: set[str] = set()
        for origin in origins:
            with scope(origin.partition):
                writes += self._ensure_indexed(origin.partition)
                touched |= self._apply_facts(origin)
        self._expire(touched)
        for write in writes + self.store.commit():
            with scope(write.partition):
                if write.value is not None:
                    self.table[write.key] = write.value
                else:
                    with contextlib.suppress(KeyError):  # the memory store raises, RocksDB not
                        del self.table[write.key]
        self._update_running()

    def _update_running(self) -> None:
        """Bring the running views of the keys built so far up to what now counts."""
        changed, self._changed = self._changed, set()
        for key, code in changed:
            running = self.running.get(key)
            if running is not None:
                facts, held = self.store.fact(key, code), running.holds(code)
                if held is not facts and held != facts:
                    running.change(code, facts)

    def _apply_facts(self, origin: Origin) -> set[str]:
        key, partition = origin.key.decode(), origin.partition
        cutoff = self.expiry.cutoff(self.as_of.get(key)) if self.expiry else None
        applied = []
        for entry in decode_bundle(origin.value):
            # older than every window: a stale copy of what may have expired (core.fact_expiry)
            if cutoff is not None and from_iso(entry["time"]).timestamp() < cutoff:
                continue
            if self.store.offer(key, partition, entry, origin.offset):
                applied.append(entry["time"])
                self._changed.add((key, entry["code"]))
                if self.expiry:
                    self.expiry.add(key, entry["code"], entry["time"], entry["facts"])
        if applied:
            self.partition_of[key] = partition
            self._touch(key, max(map(from_iso, set(applied))))
            return {key}
        return set()

    def _expire(self, keys: set[str]) -> None:
        """Drop the ended facts of ``keys`` that no window can show any more."""
        if self.expiry is None:
            return
        for key in keys:
            for code, time in self.expiry.due(key, self.as_of[key]):
                if self.store.expire(key, code, time):
                    self._changed.add((key, code))

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
        entry = entry_json(f"proc:{event.data.procedure_code}", 0, iso(event.time),
                           json.dumps(procedure_facts(event.data)))
        for key in ("province:all", f"agency:{event.data.agency}"):
            [value] = encode_bundles([entry])
            await self.send(self.topics.metric_facts, KafkaRecord(key.encode(), value, []))

    async def publish_snapshots(self) -> int:
        """One snapshot per window for every scope key changed since the last round. A key whose
        snapshots could not all be sent (the send raised) stays changed for the next round."""
        dirty, self.dirty, self._costliest = sorted(self.dirty), set(), 0.0
        for n, key in enumerate(dirty):
            try:
                await self._publish_key(key)
            except BaseException:
                self.dirty.update(dirty[n:])
                raise
        if dirty:
            self.telemetry.snapshot_key_seconds.set(self._costliest)
        return len(dirty)

    async def _publish_key(self, key: str) -> None:
        as_of = self.as_of.get(key) if self.event_time else self.clock()
        if as_of is None:
            return
        started = time.perf_counter()
        views = self.views(key, as_of)
        self._costliest = max(self._costliest, time.perf_counter() - started)
        for window, values in views.items():
            await self.send(self.topics.metrics, self._snapshot(key, window, as_of, values))

    def views(self, key: str, as_of: datetime) -> dict[str, dict[str, float]]:
        """Every window's values of scope ``key`` at ``as_of`` (``compliance.compute_views``
        over the facts it holds), from its running views."""
        running = self.running.get(key)
        if running is None:
            running = self.running[key] = RunningViews(key, self.store.facts(key), as_of,
                                                       self.targets)
        return running.views(as_of)

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

    def _ensure_indexed(self, partition: int) -> list[Write]:
        """Load ``partition``'s stored facts once; returns the deletes of what no longer counts."""
        if partition in self.indexed:
            return []
        self.indexed.add(partition)
        for tkey, stored in list(self.table.items()):
            if stored and stored.get("p") == partition:
                for key, time in self.store.load(tkey, stored):
                    self.partition_of[key] = partition
                    self.running.pop(key, None)  # rebuilt from what counts after the load
                    self._touch(key, from_iso(time))
        writes = self.store.finish_load(partition)
        if self.expiry is not None:
            for key in [k for k, p in self.partition_of.items() if p == partition]:
                for code, time, facts in self.store.counting(key):
                    self.expiry.add(key, code, time, facts)
        return writes
