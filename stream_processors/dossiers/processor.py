"""The lifecycle adapter: decode → core → Table → send. No faust import; faust wires it up.

One instance per worker. ``table`` is the faust Table (any mutable mapping of dossier code →
state dict); ``send(topic, record, partition=None)`` is an async publisher returning an ack
awaitable. Records are handled in **batches** (:meth:`handle_batch`): states live in memory for
the batch, every output is queued at once, and only once *all* acks arrived is each touched
dossier written to the Table — one write per dossier per batch, outputs confirmed before the state
(and so its changelog) records them. ``scope(partition)`` is a context manager the adapter
provides so Table reads and writes address the right partition (faust takes it from the current
event; a batch spans partitions). Per partition it keeps
the deadline index and, in event-time mode, the watermark (max event time seen on that partition,
heartbeats included). Both are derived data, rebuilt from the Table when a partition is first seen
after a start or rebalance.

Event-time mode fires deadlines **inline**, before applying the record that moved the watermark
past them, so a replay produces exactly the flags of living through it. Wall mode fires them from
a timer through the ``deadline-ticks`` topic (:meth:`due_ticks` / :meth:`handle_tick`), since
faust cannot write Tables from a timer.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import replace
from datetime import datetime
from typing import Any

import orjson

from schemas.cloudevents import Event, KafkaRecord, decode_record, to_record
from schemas.errors import ContractError
from schemas.lifecycle import ClockHeartbeat
from stream_processors.core.clock_records import from_iso, iso
from stream_processors.core.deadline_index import DeadlineIndex
from stream_processors.core.calendar import WorkingCalendar
from stream_processors.core.deadlines import fire_due, reissue_due, withdrawal
from stream_processors.core.dossier_state import DossierState
from stream_processors.core.exceptions import DeadlineError
from stream_processors.core.lifecycle import apply, new_state, refresh_facts
from stream_processors.core.metric_facts import encode_bundles, entry_json, scope_keys
from stream_processors.core.outputs import Emit, FactsChanged, IngestRejected
from stream_processors.core.retention import EVICTED, evictable, evicted_reason, next_moment
from stream_processors.core.transitions import Context
from stream_processors.records import Origin, contract_reason, dead_letter
from stream_processors.telemetry import WorkerTelemetry
from stream_processors.topics import WorkerTopics

__all__ = ["DossierProcessor"]

Send = Callable[..., Awaitable[Any]]
WATERMARK_KEY = "__watermark__:{}"


class _Batch:
    """What one batch changed: states by code (written after the acks), pending acks."""

    def __init__(self) -> None:
        self.states: dict[str, DossierState] = {}
        self.marks: dict[int, str] = {}  # partition -> watermark to persist
        self.acks: list[Any] = []
        self.facts: dict[str, FactsChanged] = {}  # code -> the batch's net change of facts
        self.evicted: dict[str, int] = {}  # code -> partition: deleted from the Table at commit
        self.created: dict[str, int] = {}  # code -> partition: not in the Table before the batch
        self.keys: dict[str, set[str]] = {}  # code -> scope keys of every version in the batch

    def add_facts(self, change: FactsChanged) -> None:
        """Coalesce a dossier's facts changes within the batch. The net change is sent to the
        scope keys of *every* intermediate version: a replay after a crash may batch differently
        from the run that published an intermediate version to a key, and that key must still
        see the final value (or its removal)."""
        first = self.facts.get(change.code)
        self.facts[change.code] = change if first is None else replace(change, old=first.old)
        keys = self.keys.setdefault(change.code, set())
        keys |= scope_keys(change.old) | scope_keys(change.new)


def _no_scope(partition: int) -> contextlib.AbstractContextManager:
    return contextlib.nullcontext()


class DossierProcessor:
    def __init__(self, table: MutableMapping[str, Any], send: Send, ctx: Context,
                 topics: WorkerTopics, telemetry: WorkerTelemetry, *, event_time: bool,
                 source: str, clock: Callable[[], datetime]) -> None:
        self.table, self.send, self.ctx, self.topics = table, send, ctx, topics
        self.telemetry, self.event_time, self.source, self.clock = telemetry, event_time, source, clock
        self.index = DeadlineIndex()
        self.open: dict[str, int] = {}  # open dossier code -> partition (for calendar changes)
        self.watermarks: dict[int, datetime] = {}
        self.indexed: set[int] = set()
        self.held: dict[int, int] = {}  # partition -> dossiers in the Table (a gauge's source)
        self._batch = _Batch()
        self._scope: Callable[[int], contextlib.AbstractContextManager] = _no_scope

    def forget_partitions(self) -> None:
        """Forget every partition: index and watermarks are rebuilt lazily from the Table."""
        self.keep_partitions(set())

    def keep_partitions(self, partitions: set[int]) -> None:
        """After a rebalance assigned ``partitions``: forget the others. The kept ones stay as
        they are — faust revokes everything before each assignment, and a partition that comes
        straight back was processed by nobody in between."""
        for partition in set(self.indexed) - partitions:
            self.indexed.discard(partition)
            self.held.pop(partition, None)
            self.telemetry.dossiers_held.set(sum(self.held.values()))
            self.index.drop_partition(partition)
            self.watermarks.pop(partition, None)
        self.open = {c: p for c, p in self.open.items() if p in self.indexed}

    def use_calendar(self, calendar: WorkingCalendar) -> None:
        """Apply a changed calendar to every later event (a calendar change)."""
        self.ctx = replace(self.ctx, calendar=calendar)

    def reissue_ticks(self, reason: str) -> list[tuple[int, KafkaRecord]]:
        """(partition, tick) asking the lifecycle agent to re-derive each open dossier's due
        under the current calendar (the agent owns the Table; see :meth:`handle_tick`)."""
        at = iso(self.clock())
        return [(partition, KafkaRecord(code.encode(), json.dumps(
                    {"code": code, "at": at, "reissue": reason}).encode(), []))
                for code, partition in sorted(self.open.items())]

    async def handle_batch(self, origins: Iterable[Origin],
                           scope: Callable[[int], contextlib.AbstractContextManager] = _no_scope
                           ) -> None:
        """Apply records in order (lifecycle records and deadline ticks), then confirm every
        output and only then save each touched dossier once."""
        self._scope, self._batch = scope, _Batch()
        for origin in origins:
            with scope(origin.partition):
                if origin.topic == self.topics.ticks:
                    await self._handle_tick(origin)
                else:
                    await self._handle(origin)
        await self._commit(self._batch)

    async def handle(self, origin: Origin) -> None:
        """Apply one lifecycle record; anything rejected goes to dead-letters."""
        await self.handle_batch([origin])

    async def handle_tick(self, origin: Origin) -> None:
        """Apply a wall-clock deadline tick ``{"code", "at"}`` from the deadline-ticks topic."""
        await self.handle_batch([origin])

    async def _handle(self, origin: Origin) -> None:
        self._ensure_indexed(origin.partition)
        if origin.key is None:  # Kafka would put it on any partition, away from its dossier
            await self._dead_letter(origin, "invalid_record", "record has no key (the dossier code)")
            return
        try:
            event, payload = decode_record(origin.key, origin.value, origin.headers)
        except ContractError as exc:
            await self._dead_letter(origin, contract_reason(exc), str(exc))
            return
        if isinstance(event.data, ClockHeartbeat):
            if self.event_time:  # in wall mode a heartbeat carries no time that matters
                await self._advance(origin.partition, event.time)
            return
        if self.event_time:
            await self._advance(origin.partition, event.time)
        await self._apply(origin, event, payload)

    async def _handle_tick(self, origin: Origin) -> None:
        self._ensure_indexed(origin.partition)
        tick = json.loads(origin.value)
        if "reissue" in tick:
            await self._reissue(tick["code"], from_iso(tick["at"]), tick["reissue"])
            return
        await self._fire(tick["code"], from_iso(tick["at"]))

    async def _reissue(self, code: str, at: datetime, reason: str) -> None:
        """A new due version after a calendar change: withdraw the old flags, then fire the
        new version's flags whose moment has already come (idempotent: nothing if unchanged)."""
        state = self._state(code)
        if state is None:
            return
        state, reissue = reissue_due(state, self.ctx.calendar, self.ctx.hours)
        if reissue is None:
            return
        now = self.watermarks.get(state.partition, at) if self.event_time else at
        emits = [withdrawal(state, reissue, at, reason)]
        state, fired, changes = self._fire_state(state, now)
        state, change = refresh_facts(state, now)
        await self._store(state, emits + fired, changes + ([change] if change else []))

    def due_ticks(self, now: datetime) -> list[tuple[int, KafkaRecord]]:
        """(partition, tick record) for every indexed dossier whose moment ``now`` reached."""
        ticks = []
        for partition in sorted(self.indexed):
            for code in self.index.pop_due(partition, now):
                value = json.dumps({"code": code, "at": iso(now)}).encode()
                ticks.append((partition, KafkaRecord(code.encode(), value, [])))
        return ticks

    def _state(self, code: str) -> DossierState | None:
        state = self._batch.states.get(code)
        if state is not None or code in self._batch.evicted:
            return state
        raw = self.table.get(code)
        return DossierState.from_dict(raw) if raw else None

    async def _apply(self, origin: Origin, event: Event, payload: dict | None = None) -> None:
        state = self._state(event.subject)
        if state is None:
            now = self.watermarks.get(origin.partition) if self.event_time else self.clock()
            evicted = evicted_reason(event, now, self.ctx)
            if evicted is not None:
                await self._dead_letter(origin, EVICTED, evicted)
                return
            state = new_state(event.subject, origin.partition)
            if event.subject not in self._batch.evicted:  # evicted in this batch: it was held
                self._batch.created[event.subject] = origin.partition
        try:
            applied = apply(state, event, self.ctx, payload)
        except IngestRejected as exc:
            await self._dead_letter(origin, exc.reason, exc.detail)
            return
        except DeadlineError as exc:
            await self._dead_letter(origin, "deadline_error", str(exc))
            return
        if applied.duplicate:
            self.telemetry.duplicates.inc()
            return
        self.telemetry.events_of[event.type].inc()
        if applied.reordered:
            self.telemetry.reordered.inc()
        state, emits = applied.state, list(applied.emits)
        changes = [applied.facts] if applied.facts else []
        if self.event_time:
            # .get: a rebalance during an await above may have cleared the watermarks
            mark = self.watermarks.get(origin.partition, event.time)
            state, more, changed = self._fire_state(state, mark)
            emits += more
            changes += changed
        await self._store(state, emits, changes)

    async def _advance(self, partition: int, time: datetime) -> None:
        current = self.watermarks.get(partition)
        if current is not None and time <= current:
            return
        self.watermarks[partition] = time
        self.telemetry.watermark.set(max(w.timestamp() for w in self.watermarks.values()))
        for code in self.index.pop_due(partition, time):
            await self._fire(code, time)
        # saved with the batch's states and input position: a restore resumes the records after
        # the position under the very watermark they were first applied under
        self._batch.marks[partition] = iso(time)

    async def _fire(self, code: str, now: datetime) -> bool:
        """Flags due at ``now``, or the eviction of an ended dossier; True if either happened."""
        state = self._state(code)
        if state is None:
            return False
        if evictable(state, now, self.ctx):
            self._batch.states.pop(code, None)
            self._batch.evicted[code] = state.partition
            self.index.set(code, state.partition, None)
            self.telemetry.evicted.inc()
            return True
        state, emits, changes = self._fire_state(state, now)
        await self._store(state, emits, changes)
        return bool(emits)

    def _fire_state(self, state: DossierState, now: datetime):
        state, emits = fire_due(state, now, self.ctx.registry)
        changes = []
        if emits:
            state, change = refresh_facts(state, now)
            changes = [change] if change else []
        return state, emits, changes

    async def _store(self, state: DossierState, emits: list[Emit],
                     changes: list[FactsChanged]) -> None:
        """Queue the outputs; the state is saved by :meth:`_commit` once they are all acked."""
        acks = self._batch.acks
        for emit in emits:
            acks.append(await self._publish(emit))
        for change in changes:
            self._batch.add_facts(change)  # published once per dossier per batch, at commit
        self._batch.states[state.code] = state
        self._batch.evicted.pop(state.code, None)
        self._reindex(state)

    async def _commit(self, batch: _Batch) -> None:
        # Outputs must be acknowledged before the state (and so its changelog) records them:
        # otherwise a crash could leave a restored state saying "flag sent" for a lost flag.
        batch.acks += await self._publish_facts(batch)
        for ack in batch.acks:
            await ack
        for code, state in batch.states.items():
            with self._scope(state.partition):
                self.table[code] = state.to_dict()
            # again: a rebalance while the acks were awaited replaced the index (forget_partitions)
            # and rebuilt it from the Table *before* these states were written
            self._reindex(state)
        for code, partition in batch.evicted.items():
            if code in batch.created:
                continue  # created and evicted in this batch: never written, never counted
            with self._scope(partition), contextlib.suppress(KeyError):
                del self.table[code]  # a tombstone on the changelog
            # read from the Table in this batch, so it was counted (RocksDB never raises here)
            self._held(partition, -1)
        for code, partition in batch.created.items():
            if code in batch.states:
                self._held(partition, +1)
        for partition, mark in batch.marks.items():
            with self._scope(partition):
                self.table[WATERMARK_KEY.format(partition)] = mark

    async def _publish(self, emit: Emit) -> Any:
        event = Event(id=emit.id, source=self.source, time=emit.time,
                      subject=emit.data.dossier_code, data=emit.data)
        topic = self.topics.for_type(event.type)
        ack = await self.send(topic, to_record(event))
        if event.type == "dossier.classified":
            self.telemetry.classified_of[emit.data.classification.value].inc()
        else:
            kind = "step" if getattr(emit.data, "step", None) else event.type.split(".")[1]
            self.telemetry.flags_of[kind].inc()
        return ack

    async def _publish_facts(self, batch: _Batch) -> list[Any]:
        """One ``metric-facts`` record per scope key (split when large) carrying the batch's net
        change of every dossier counting in that key, now or in any version of the batch."""
        bundles: dict[str, list[str]] = {}
        for code, change in batch.facts.items():
            new_keys, time = scope_keys(change.new), iso(change.time)
            present = entry_json(code, change.seq, time, orjson.dumps(change.new).decode())
            absent = entry_json(code, change.seq, time, "null")
            for key in batch.keys[code] | new_keys:
                bundles.setdefault(key, []).append(present if key in new_keys else absent)
        acks = []
        for key in sorted(bundles):
            for value in encode_bundles(bundles[key]):
                acks.append(await self.send(self.topics.metric_facts,
                                            KafkaRecord(key.encode(), value, [])))
        return acks

    def _held(self, partition: int, change: int) -> None:
        if partition in self.indexed:  # a partition revoked meanwhile is no longer counted
            self.held[partition] = self.held.get(partition, 0) + change
            self.telemetry.dossiers_held.set(sum(self.held.values()))

    def _reindex(self, state: DossierState) -> None:
        if state.clock is not None and not state.is_ended:
            self.open[state.code] = state.partition
        else:
            self.open.pop(state.code, None)
        self.index.set(state.code, state.partition, next_moment(state, self.ctx))

    def _ensure_indexed(self, partition: int) -> None:
        if partition in self.indexed:
            return
        self.indexed.add(partition)
        mark = self.table.get(WATERMARK_KEY.format(partition))
        if mark:
            self.watermarks[partition] = from_iso(mark)
        held = 0
        for key, raw in list(self.table.items()):
            if raw and not key.startswith("__") and raw.get("partition") == partition:
                self._reindex(DossierState.from_dict(raw))
                held += 1
        self._held(partition, held)

    async def _dead_letter(self, origin: Origin, reason: str, detail: str) -> None:
        self.telemetry.dead_letters.labels(reason).inc()
        record = dead_letter(origin, reason, detail, time=self.clock(), source=self.source)
        self._batch.acks.append(await self.send(self.topics.dead_letters, record))
