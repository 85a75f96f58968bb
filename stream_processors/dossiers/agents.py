"""Faust wiring of the lifecycle processor: one agent over the lifecycle and deadline-ticks
topics (co-partitioned by dossier code, so both write the same Table partition) and, in wall-clock
mode, the deadline timer. ``concurrency=1``: the agent writes the Table.

The agent takes records in batches (``stream.take_events``, at most :data:`BATCH` records or
:data:`WITHIN` seconds); faust acks a batch's offsets only after the agent finished it, so
delivery stays at-least-once. A batch that does not finish is never committed, a batch is done
only once its Table writes reached the changelog, and batches and rebalances never overlap
(:mod:`stream_processors.batch_safety`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import weakref
from collections.abc import Iterator, Sequence
from typing import Any

from faust import streams as faust_streams

from stream_processors.batch_safety import applied_batch, offset_guard, stopping_tolerated
from stream_processors.dossiers.processor import DossierProcessor
from stream_processors.records import Origin, normalise_headers
from stream_processors.tables import RAW_VALUES, JsonValues

__all__ = ["register", "origin_of", "partition_scope", "BATCH", "WITHIN"]

BATCH, WITHIN = 500, 0.05


def origin_of(event: Any) -> Origin:
    m = event.message
    return Origin(m.topic, m.partition, m.offset, m.key, m.value, normalise_headers(m.headers))


def partition_scope(events: Sequence[Any]):  # noqa: ANN201
    """``scope(partition)``: a context in which faust Table reads and writes address
    ``partition``. faust takes the partition from the *current event* (a context variable the
    stream sets per event); in a batch that is the last event, whatever its partition, so each
    access is wrapped with an event of the right partition."""
    by_partition = {e.message.partition: e for e in events}

    @contextlib.contextmanager
    def scope(partition: int) -> Iterator[None]:
        token = faust_streams._current_event.set(weakref.ref(by_partition[partition]))
        try:
            yield
        finally:
            faust_streams._current_event.reset(token)
    return scope


def register(app: Any, raw: Any, topics: Any, telemetry: Any, ctx: Any, settings: Any, *,
             event_time: bool, source: str, clock: Any) -> DossierProcessor:
    table = JsonValues(app.Table("dossiers", default=None, **RAW_VALUES))
    processor = DossierProcessor(table, raw.send, ctx, topics, telemetry, event_time=event_time,
                                 source=source, clock=clock)
    channel = raw.get(topics.lifecycle, topics.ticks)
    records = telemetry.records
    in_order = offset_guard(app, telemetry, "lifecycle")

    @app.agent(channel, name="apply_lifecycle", concurrency=1)
    async def apply_lifecycle(stream: Any) -> None:
        async for batch in stream.take_events(BATCH, within=WITHIN):
            async with applied_batch(app, batch, in_order, telemetry) as events:
                origins = [origin_of(e) for e in events]
                if origins:
                    await processor.handle_batch(origins, partition_scope(events))
            ticks = sum(1 for o in origins if o.topic == topics.ticks)
            records.labels("ticks").inc(ticks)
            records.labels("lifecycle").inc(len(origins) - ticks)

    if not event_time:
        @app.timer(interval=settings.deadline_interval_s, name="check_deadlines")
        async def check_deadlines() -> None:
            with stopping_tolerated(app):
                for partition, record in processor.due_ticks(clock().astimezone(dt.timezone.utc)):
                    await raw.send(topics.ticks, record, partition=partition)

    return processor
