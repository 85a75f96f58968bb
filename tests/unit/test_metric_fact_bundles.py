"""Metric facts travel bundled: one ``metric-facts`` record per scope key per lifecycle batch,
split below the size bound, applied by the aggregator entry by entry with the per-(key, dossier)
seq guard and one Table write per (key, dossier) per batch."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections import Counter

from prometheus_client import CollectorRegistry

from stream_processors.core.metric_facts import decode_bundle, encode_bundles, entry_json
from stream_processors.metrics.aggregator import MetricAggregator
from stream_processors.records import Origin
from stream_processors.telemetry import WorkerTelemetry
from stream_processors.topics import WorkerTopics
from tests.dossier_events import SO_TNMT, at, code, received, resolved, transferred
from tests.unit.test_lifecycle_batch import origins, processor

T0 = at("2025-08-04", "09:30")
FACTS = {"agency": "A", "procedure": "P", "field": "F", "channel": "online", "responsible": "A"}


def entry(code: str, seq: int, facts: dict | None = FACTS, time: str = "2025-08-04T09:30:00+07:00"):
    return entry_json(code, seq, time, json.dumps(facts))


def test_entries_round_trip_in_order():
    entries = [entry("c1", 1), entry("c2", 3, None)]
    [value] = encode_bundles(entries)
    assert decode_bundle(value) == [
        {"code": "c1", "seq": 1, "time": "2025-08-04T09:30:00+07:00", "facts": FACTS},
        {"code": "c2", "seq": 3, "time": "2025-08-04T09:30:00+07:00", "facts": None}]


def test_a_large_bundle_is_split_below_the_bound_keeping_every_entry():
    entries = [entry(f"c{i}", i) for i in range(200)]
    bound = 2_000
    values = encode_bundles(entries, max_bytes=bound)
    assert len(values) > 1
    assert all(len(v) <= bound for v in values)
    assert [e["code"] for v in values for e in decode_bundle(v)] == [f"c{i}" for i in range(200)]


def test_an_entry_larger_than_the_bound_still_goes_alone():
    big = entry("big", 1, {"x": "y" * 5_000})
    values = encode_bundles([entry("a", 1), big, entry("b", 1)], max_bytes=1_000)
    assert [[e["code"] for e in decode_bundle(v)] for v in values] == [["a"], ["big"], ["b"]]


def test_the_older_one_entry_value_is_still_read():
    old = json.dumps({"code": "c1", "seq": 2, "time": "2025-08-04T09:30:00+07:00",
                      "facts": FACTS}).encode()
    assert decode_bundle(old) == [json.loads(old)]


def test_a_batch_sends_one_record_per_scope_key_for_all_its_dossiers():
    c1, c2 = code(1), code(2)
    events = (received(c1, T0), received(c2, T0 + dt.timedelta(minutes=5)),
              transferred(c1, T0 + dt.timedelta(hours=1), SO_TNMT, 1, 1),
              resolved(c1, T0 + dt.timedelta(days=1)))
    log: list = []
    asyncio.run(processor(log).handle_batch(origins(*events)))
    facts = [item for item in log if item[0] == "send" and item[1] == "metric-facts"]
    per_key = Counter(item[2] for item in facts)
    assert per_key and set(per_key.values()) == {1}
    province = [decode_bundle(item[3]) for item in facts if item[2] == "province:all"][0]
    assert sorted(e["code"] for e in province) == [c1, c2]
    # the transfer agency only saw c1 in an intermediate version: it gets c1's removal only
    [tnmt] = [decode_bundle(item[3]) for item in facts if item[2] == f"agency:{SO_TNMT}"]
    assert [(e["code"], e["facts"]) for e in tnmt] == [(c1, None)]


def aggregator(table: dict) -> MetricAggregator:
    async def send(topic, record, partition=None):
        raise AssertionError("applying facts sends nothing")
    return MetricAggregator(table, send, WorkerTopics(), WorkerTelemetry(CollectorRegistry()),
                            event_time=True, source="test", clock=lambda: T0)


def facts_record(key: str, offset: int, *entries: str) -> list[Origin]:
    return [Origin("metric-facts", 0, offset + i, key.encode(), value, [])
            for i, value in enumerate(encode_bundles(entries))]


def test_the_aggregator_ignores_a_stale_seq_per_key_and_dossier():
    agg = aggregator({})
    asyncio.run(agg.handle_facts_batch(facts_record("agency:A", 0, entry("c1", 5), entry("c2", 1))))
    stale = {**FACTS, "channel": "post"}
    asyncio.run(agg.handle_facts_batch(facts_record(
        "agency:A", 1, entry("c1", 4, stale), entry("c2", 2, stale))))
    assert agg.store.facts("agency:A") == {"c1": FACTS, "c2": stale}


def test_an_equal_seq_from_a_later_record_replaces():
    agg = aggregator({})
    later = {**FACTS, "channel": "post"}
    asyncio.run(agg.handle_facts_batch(facts_record("agency:A", 0, entry("c1", 3))
                                       + facts_record("agency:A", 1, entry("c1", 3, later))))
    assert agg.store.facts("agency:A") == {"c1": later}
    assert agg.dirty == {"agency:A"}
