"""The embedded broker's lagging high watermark, and the worker's correction of it.

ListOffsets(latest) on Tansu answers the base offset of the last record batch + 1. faust's table
recovery trusted it, so the tail of the changelog's last batch was never restored. These tests
fail without :func:`motcua.broker.true_end_offsets` / ``stream_processors.transport``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from motcua.broker import ensure_topics, true_end_offsets
from schemas.cloudevents import to_record
from schemas.topics import Topic
from stream_processors.core.calendar import default_calendar
from stream_processors.core.lifecycle import apply, new_state
from stream_processors.core.transitions import Context
from tests.dossier_events import at, code, received, resolved
from tests.worker_harness import Deployment

pytestmark = pytest.mark.integration


def produce_one_batch(bootstrap: str, topic: str, records: list[tuple[bytes, bytes]],
                      partition: int | None = 0) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=200)
    try:
        for key, value in records:
            producer.send(topic, key=key, value=value, partition=partition)
        producer.flush()
    finally:
        producer.close()


def test_true_end_offsets_include_the_tail_of_the_last_batch(kafka_bootstrap, make_topic):
    topic = make_topic("hwm", partitions=2)
    produce_one_batch(kafka_bootstrap, topic, [(b"k", b"%d" % i) for i in range(5)])
    tps = [TopicPartition(topic, 0), TopicPartition(topic, 1)]
    consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap)
    try:
        reported = consumer.end_offsets(tps)
    finally:
        consumer.close()
    print(f"reported end offsets: {reported}")  # {p0: 1, p1: 0} on the embedded broker
    true = asyncio.run(true_end_offsets({"bootstrap_servers": kafka_bootstrap}, reported))
    assert true == {tps[0]: 5, tps[1]: 0}


def test_worker_restores_the_tail_of_a_batched_changelog(kafka_bootstrap, unique, state_dir):
    """Five dossiers' states in one changelog batch; the worker must know the last one."""
    dep = Deployment(kafka_bootstrap, unique, state_dir)
    ctx, t0 = Context(default_calendar()), at("2025-08-04", "09:30")
    try:
        changelog = dep.topic("motcua-worker-dossiers-changelog")
        codes = [code(n) for n in range(1, 6)]
        states = []
        for c in codes:
            state = apply(new_state(c, partition=0), received(c, t0), ctx).state
            states.append((json.dumps(c).encode(), json.dumps(state.to_dict()).encode()))
        ensure_topics(kafka_bootstrap, 3, [Topic(changelog, "changelog", "key", "compact")])
        produce_one_batch(kafka_bootstrap, changelog, states, partition=0)
        dep.start_worker("a", MOTCUA_WORKER_STORE="memory")
        last = codes[-1]
        # the resolution is only legal if the worker restored the received state of ``last``;
        # sent to partition 0, where its state lives
        dep.send_raw(to_record(resolved(last, t0 + dt.timedelta(hours=2))), partition=0)
        dep.producer.flush()
        classified = dep.read("dossier-classifications", lambda r: len(r) >= 1, timeout=30)
        assert [c.subject for c in classified] == [last]
        dead = dep.read_all("dead-letters")
        assert dead == []
    finally:
        dep.close()

