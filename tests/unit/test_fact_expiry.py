"""Metric facts expire past the longest window, and every window still equals a recomputation
from scratch over every dossier's latest facts (nothing expired), as of each snapshot, over half
a year of simulated dossiers: recomputed from the facts kept, and kept by deltas in the running
views; a restart from the stored segments agrees too."""

from __future__ import annotations

import asyncio
import functools
import datetime as dt

import orjson
from prometheus_client import CollectorRegistry

from producers.simulator import SimConfig, Simulator
from schemas.cloudevents import to_record
from stream_processors.core.calendar import default_calendar
from stream_processors.core.catalog_loader import load_catalog
from stream_processors.core.compliance import compute_views
from stream_processors.core.fact_expiry import HORIZON
from stream_processors.core.metric_facts import decode_bundle
from stream_processors.core.transitions import Context
from stream_processors.dossiers.processor import DossierProcessor
from stream_processors.metrics.aggregator import MetricAggregator
from stream_processors.records import Origin
from stream_processors.telemetry import WorkerTelemetry
from stream_processors.topics import WorkerTopics

DOSSIERS = 1000
START = dt.datetime(2025, 1, 2, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


async def _acked(*_, **__):
    future = asyncio.get_running_loop().create_future()
    future.set_result(None)
    return future


@functools.lru_cache(maxsize=1)
def _facts_records(dossiers: int) -> list[list[Origin]]:
    """The metric-facts records the lifecycle processor sends for the simulated months, per
    lifecycle batch (partition = a stable hash of the scope key over 2 partitions)."""
    config = SimConfig(seed=7, start=START, per_day=dossiers / 125,
                       heartbeat_every=dt.timedelta(hours=6))
    events = list(Simulator(config, load_catalog(), default_calendar()).events(dossiers=dossiers))
    sent: list = []

    async def send(topic, record, partition=None):
        if topic == "metric-facts":
            sent.append(record)
        return await _acked()
    processor = DossierProcessor({}, send, Context(default_calendar()), WorkerTopics(),
                                 WorkerTelemetry(CollectorRegistry()), event_time=True,
                                 source="test", clock=lambda: START)
    batches, offsets = [], [0, 0]

    async def run():
        for i in range(0, len(events), 300):
            origins = [Origin("dossier-lifecycle", 0, i + j, *to_record(e)[:2],
                              list(to_record(e)[2])) for j, e in enumerate(events[i:i + 300])]
            await processor.handle_batch(origins)
            batch = []
            for record in sent:
                p = sum(record.key) % 2
                batch.append(Origin("metric-facts", p, offsets[p], record.key, record.value, []))
                offsets[p] += 1
            sent.clear()
            batches.append(batch)
    asyncio.run(run())
    return batches


def _aggregator(table: dict, expire: bool) -> MetricAggregator:
    return MetricAggregator(table, _acked, WorkerTopics(), WorkerTelemetry(CollectorRegistry()),
                            event_time=True, source="test", clock=lambda: START, expire=expire)


def test_windows_after_expiry_equal_a_recomputation_from_scratch():
    batches = _facts_records(DOSSIERS)
    table: dict = {}
    live = _aggregator(table, expire=True)
    latest: dict[tuple[str, str], tuple] = {}  # (key, code) -> (seq, offset, facts): from scratch
    checked = expired = 0
    for n, batch in enumerate(batches):
        asyncio.run(live.handle_facts_batch(batch))
        for origin in batch:
            for entry in decode_bundle(origin.value):
                slot = (origin.key.decode(), entry["code"])
                if slot not in latest or (entry["seq"], origin.offset) >= latest[slot][:2]:
                    latest[slot] = (entry["seq"], origin.offset, entry["facts"])
        if n % 8 == 0 or n == len(batches) - 1:
            if n % 24 == 0:  # a restart: a fresh aggregator recovers from the stored segments
                live = _aggregator(table, expire=True)
                for p in (0, 1):
                    for w in live._ensure_indexed(p):  # deletes of what no longer counts
                        table.pop(w.key, None)
            for key in ("province:all", "channel:online", *sorted({k for k, _ in latest})[:6]):
                as_of = live.as_of.get(key)
                if as_of is None:
                    continue
                scratch = [f for (k, _), (_, _, f) in latest.items() if k == key and f is not None]
                kept = live.store.facts(key)
                expected = compute_views(key, scratch, as_of)
                assert compute_views(key, kept.values(), as_of) == expected, (n, key)
                assert live.views(key, as_of) == expected, (n, key)  # the running views
                checked += 1
                expired = max(expired, len(scratch) - len(kept))
    span = max(live.as_of.values()) - START
    assert span > HORIZON + dt.timedelta(days=30)  # long enough for facts to expire
    assert checked > 25 and expired > 150  # windows compared, and expiry really dropped facts


def test_the_stored_segments_shrink_with_expiry():
    batches = _facts_records(DOSSIERS)
    sizes = {}
    for expire in (True, False):
        table: dict = {}
        aggregator = _aggregator(table, expire)
        for batch in batches:
            asyncio.run(aggregator.handle_facts_batch(batch))
        sizes[expire] = sum(len(orjson.dumps(v)) for v in table.values())
    assert sizes[True] < 0.7 * sizes[False]
