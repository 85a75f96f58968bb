"""Faust wiring of the lifecycle processor: one agent over the lifecycle and deadline-ticks
topics (co-partitioned by dossier code, so both write the same Table partition) and, in wall-clock
mode, the deadline timer. ``concurrency=1``: the agent writes the Table.

The agent takes records in batches (``stream.take_events``, at most :data:`BATCH` records or
:data:`WITHIN` seconds). Each batch writes, after its dossier states, the input positions past its
records into the same Table partitions (:mod:`stream_processors.positions`), applies each input
partition in offset order, and never overlaps a rebalance (:mod:`stream_processors.batch_safety`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from stream_processors.batch_safety import applied_batch, offset_guard, stopping_tolerated
from stream_processors.dossiers.processor import DossierProcessor
from stream_processors.records import Origin, normalise_headers
from stream_processors.tables import RAW_VALUES, STORE_OPTIONS, JsonValues

__all__ = ["register", "origin_of", "BATCH", "WITHIN"]

BATCH, WITHIN = 500, 0.05


def origin_of(event: Any) -> Origin:
    m = event.message
    return Origin(m.topic, m.partition, m.offset, m.key, m.value, normalise_headers(m.headers))


def register(app: Any, raw: Any, topics: Any, telemetry: Any, ctx: Any, settings: Any, *,
             event_time: bool, source: str, clock: Any) -> DossierProcessor:
    table = JsonValues(app.Table("dossiers", default=None, **RAW_VALUES,
                                **STORE_OPTIONS))
    processor = DossierProcessor(table, raw.send, ctx, topics, telemetry, event_time=event_time,
                                 source=source, clock=clock)
    channel = raw.get(topics.lifecycle, topics.ticks)
    app.input_positions.track(table, topics.lifecycle, topics.ticks)
    records = telemetry.records
    in_order = offset_guard(app, telemetry, "lifecycle",
                            frozenset({topics.lifecycle, topics.ticks}))

    @app.agent(channel, name="apply_lifecycle", concurrency=1)
    async def apply_lifecycle(stream: Any) -> None:
        async for batch in stream.take_events(BATCH, within=WITHIN):
            async with applied_batch(app, batch, in_order, telemetry, table) as (events, scope):
                origins = [origin_of(e) for e in events]
                if origins:
                    await processor.handle_batch(origins, scope)
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
