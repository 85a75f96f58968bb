"""Every lifecycle type published with kafka-python to the embedded broker, read back with aiokafka."""

from __future__ import annotations

import asyncio
import json

import jsonschema
from aiokafka import AIOKafkaConsumer, TopicPartition
from kafka import KafkaProducer

from motcua.kafka import aiokafka_config, kafka_python_config
from motcua.settings import Settings
from schemas import cloudevents as ce
from schemas import generate, registry, topics
from tests.samples import sample_events

LIFECYCLE_EVENTS = [e for e in sample_events() if e.event_type.topic is topics.LIFECYCLE]


def _publish(bootstrap: str, topic: str) -> None:
    producer = KafkaProducer(**kafka_python_config(Settings(), bootstrap), acks="all",
                             enable_idempotence=True, compression_type="lz4")
    try:
        for event in LIFECYCLE_EVENTS:
            key, value, headers = ce.to_record(event)
            producer.send(topic, key=key, value=value, headers=headers)
        producer.flush(timeout=20)
    finally:
        producer.close()


async def _consume(bootstrap: str, topic: str, count: int, timeout: float = 30.0) -> list:
    consumer = AIOKafkaConsumer(**aiokafka_config(Settings(), bootstrap), auto_offset_reset="earliest",
                                enable_auto_commit=False)
    await consumer.start()
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or {0, 1, 2}]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        records: list = []
        async with asyncio.timeout(timeout):
            while len(records) < count:
                batch = await consumer.getmany(timeout_ms=500)
                records.extend(r for rs in batch.values() for r in rs)
        return records
    finally:
        await consumer.stop()


async def test_every_lifecycle_type_round_trips_through_the_broker(kafka_bootstrap, make_topic):
    assert len(LIFECYCLE_EVENTS) == 16  # incl. dossier.fee_paid
    topic = make_topic("lifecycle")
    await asyncio.to_thread(_publish, kafka_bootstrap, topic)
    records = await _consume(kafka_bootstrap, topic, len(LIFECYCLE_EVENTS))
    assert len(records) == len(LIFECYCLE_EVENTS)
    by_id = {e.id: e for e in LIFECYCLE_EVENTS}
    for r in records:
        headers = {k: v.decode() for k, v in r.headers}
        assert headers["ce_specversion"] == "1.0" and headers["content-type"] == "application/json"
        for attr in ("ce_id", "ce_source", "ce_type", "ce_time", "ce_subject", "ce_dataschema"):
            assert headers[attr], attr
        assert r.key.decode() == headers["ce_subject"]
        et = registry.by_type(headers["ce_type"])
        schema = json.loads((generate.JSON_DIR / headers["ce_dataschema"].rsplit("/", 1)[-1]).read_text())
        jsonschema.Draft202012Validator(schema).validate(json.loads(r.value))
        assert ce.from_record(r.key, r.value, r.headers) == by_id[headers["ce_id"]]
        assert et.topic is topics.LIFECYCLE
    assert {registry.by_type(dict(r.headers)["ce_type"].decode()).type for r in records} == \
        {e.type for e in LIFECYCLE_EVENTS}
