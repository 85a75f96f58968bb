"""``pipeline_eps`` (``motcua worker``, one worker, default store) and the faust baselines.

The worker runs in event-time mode on the workload's lifecycle topic; its progress is read from
its own Prometheus counter ``motcua_worker_records_total``. The run ends when every lifecycle
record was applied *and* every metric fact it produced was aggregated.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from pathlib import Path

from motcua.broker import true_end_offsets
from motcua.bench.processes import Process, free_port, scrape

__all__ = ["faust_eps", "pipeline_eps"]

RECORDS = "motcua_worker_records_total"


def faust_eps(mode: str, bootstrap: str, topic: str, records: int, partitions: int,
              workdir: Path) -> float:
    app_id = f"bench-{mode}-{uuid.uuid4().hex[:8]}"
    proc = Process([sys.executable, "-m", "motcua.bench.faust_agent", mode, bootstrap,
                    topic, str(records), app_id, str(workdir / app_id), str(partitions)],
                   dict(os.environ))
    try:
        return json.loads(proc.wait_line('{"eps"', timeout=300))["eps"]
    finally:
        proc.stop()


def pipeline_eps(bootstrap: str, prefix: str, records: int, partitions: int, workdir: Path,
                 store: str = "rocksdb") -> float:
    port = free_port()
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "MOTCUA_TOPIC_PREFIX": prefix,
           "MOTCUA_TIME_SOURCE": "event", "MOTCUA_TOPIC_PARTITIONS": str(partitions),
           "MOTCUA_STATE_DIR": str(workdir / f"pipeline-{store}"), "MOTCUA_WORKER_STORE": store}
    motcua = str(Path(sys.executable).with_name("motcua"))
    proc = Process([motcua, "worker", "--metrics-port", str(port), "--worker-id", "bench"], env)
    try:
        proc.wait_line("ready: worker", timeout=120)
        first_at, first_count = _wait_count(port, "lifecycle", 1)
        done_at, _ = _wait_count(port, "lifecycle", records)
        facts = sum(asyncio.run(_ends(bootstrap, prefix + "metric-facts", partitions)).values())
        done_at, _ = max((done_at, 0), _wait_count(port, "metric_facts", facts))
        return (records - first_count) / (done_at - first_at)
    finally:
        proc.stop()


def _wait_count(port: int, topic: str, at_least: float, timeout: float = 900) -> tuple[float, float]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = scrape(port, RECORDS, f'topic="{topic}"')
        if value >= at_least:
            return time.perf_counter(), value
        time.sleep(0.2)  # each scrape costs the worker a little CPU
    raise RuntimeError(f"worker stalled below {at_least} {topic} records")


async def _ends(bootstrap: str, topic: str, partitions: int) -> dict:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    tps = [TopicPartition(topic, p) for p in range(partitions)]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        reported = await consumer.end_offsets(tps)
    finally:
        await consumer.stop()
    return await true_end_offsets({"bootstrap_servers": bootstrap}, reported)
