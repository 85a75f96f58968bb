"""Faust wiring of the metrics aggregator: the facts agent (writes the ``metric_facts`` Table,
``concurrency=1``, in batches like the lifecycle agent), the catalog agent (only sends) and the
snapshot timer."""

from __future__ import annotations

from typing import Any

from stream_processors.batch_safety import applied_batch, offset_guard, stopping_tolerated
from stream_processors.dossiers.agents import BATCH, WITHIN, origin_of
from stream_processors.metrics.aggregator import MetricAggregator
from stream_processors.tables import RAW_VALUES, STORE_OPTIONS, JsonValues

__all__ = ["register"]


def register(app: Any, raw: Any, topics: Any, telemetry: Any, settings: Any, *,
             event_time: bool, source: str, clock: Any) -> MetricAggregator:
    table = JsonValues(app.Table("metric_facts", default=None, **RAW_VALUES,
                                **STORE_OPTIONS))
    aggregator = MetricAggregator(table, raw.send, topics, telemetry, event_time=event_time,
                                  source=source, clock=clock)

    app.input_positions.track(table, topics.metric_facts)
    in_order = offset_guard(app, telemetry, "metric_facts", frozenset({topics.metric_facts}))

    @app.agent(raw.get(topics.metric_facts), name="aggregate_metric_facts", concurrency=1)
    async def aggregate_metric_facts(stream: Any) -> None:
        async for batch in stream.take_events(BATCH, within=WITHIN):
            async with applied_batch(app, batch, in_order, telemetry, table) as (events, scope):
                if events:
                    await aggregator.handle_facts_batch([origin_of(e) for e in events], scope)
            telemetry.records_of["metric_facts"].inc(len(events))

    @app.agent(raw.get(topics.catalog), name="read_catalog", concurrency=1)
    async def read_catalog(stream: Any) -> None:
        async for event in stream.events():
            await aggregator.handle_catalog(origin_of(event))
            telemetry.records_of["catalog"].inc()

    @app.timer(interval=settings.snapshot_interval_s, name="publish_snapshots")
    async def publish_snapshots() -> None:
        with stopping_tolerated(app):
            await aggregator.publish_snapshots()

    return aggregator
