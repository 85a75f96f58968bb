"""Faust wiring of the lifecycle processor: one agent over the lifecycle and deadline-ticks
topics (co-partitioned by dossier code, so both write the same Table partition) and, in wall-clock
mode, the deadline timer. ``concurrency=1``: the agent writes the Table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from stream_processors.dossiers.processor import DossierProcessor
from stream_processors.records import Origin, normalise_headers

__all__ = ["register"]


def origin_of(event: Any) -> Origin:
    m = event.message
    return Origin(m.topic, m.partition, m.offset, m.key, m.value, normalise_headers(m.headers))


def register(app: Any, raw: Any, topics: Any, telemetry: Any, ctx: Any, settings: Any, *,
             event_time: bool, source: str, clock: Any) -> DossierProcessor:
    table = app.Table("dossiers", default=None)
    processor = DossierProcessor(table, raw.send, ctx, topics, telemetry, event_time=event_time,
                                 source=source, clock=clock)
    channel = raw.get(topics.lifecycle, topics.ticks)

    @app.agent(channel, name="apply_lifecycle", concurrency=1)
    async def apply_lifecycle(stream: Any) -> None:
        async for event in stream.events():
            origin = origin_of(event)
            if origin.topic == topics.ticks:
                await processor.handle_tick(origin)
            else:
                await processor.handle(origin)

    if not event_time:
        @app.timer(interval=settings.deadline_interval_s, name="check_deadlines")
        async def check_deadlines() -> None:
            for partition, record in processor.due_ticks(clock().astimezone(dt.timezone.utc)):
                await raw.send(topics.ticks, record, partition=partition)

    return processor
