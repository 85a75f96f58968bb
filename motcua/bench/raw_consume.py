"""``raw_consume_eps``: a bare aiokafka consumer reading the workload (no decoding)."""

from __future__ import annotations

import asyncio
import time

__all__ = ["raw_consume_eps"]


def raw_consume_eps(bootstrap: str, topic: str, records: int) -> float:
    return asyncio.run(_consume(bootstrap, topic, records))


async def _consume(bootstrap: str, topic: str, records: int) -> float:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        # asks the cluster for every topic's metadata: Apache Kafka's first answer to a consumer
        # names no topic it has not asked for, and the next refresh is minutes away
        while not (parts := consumer.partitions_for_topic(topic)):
            await consumer.topics()
            await asyncio.sleep(0.1)
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        seen, first = 0, None
        while seen < records:
            for batch in (await consumer.getmany(timeout_ms=500, max_records=10000)).values():
                first = first or time.perf_counter()
                seen += len(batch)
        return seen / (time.perf_counter() - first)
    finally:
        await consumer.stop()
