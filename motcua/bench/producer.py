"""``producer_eps`` (our publishing library: SQLite outbox + relay, acks=all) vs
``producer_raw_eps`` (plain kafka-python with acks=all, everything else default), both sending
the same events (encoded with the contract, heartbeats to every partition) to fresh topics."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

from kafka import KafkaProducer

from motcua.settings import Settings
from schemas.cloudevents import Event, to_record
from schemas.lifecycle import ClockHeartbeat

__all__ = ["producer_eps", "producer_raw_eps"]

CHUNK = 500  # events per Publisher.publish call (one SQLite commit each)


def producer_eps(bootstrap: str, topic_prefix: str, events: Sequence[Event], partitions: int,
                 workdir: Path) -> float:
    from producers.outbox import Outbox
    from producers.publisher import KafkaSender, Publisher, Relay, producer_config

    settings = Settings.from_env({})
    outbox = Outbox(workdir / f"outbox-{topic_prefix}.sqlite")
    publisher = Publisher(outbox, topic_prefix=topic_prefix)
    relay = Relay(outbox, KafkaSender(producer_config(settings, bootstrap), partitions),
                  report=lambda line: None)
    stop = threading.Event()
    started = time.perf_counter()
    thread = threading.Thread(target=relay.run, args=(stop, publisher.wake), daemon=True)
    thread.start()
    for i in range(0, len(events), CHUNK):
        publisher.publish(events[i:i + CHUNK])
    while outbox.status().pending:
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    stop.set()
    publisher.wake.set()
    thread.join()
    relay.sender.close()
    return len(events) / elapsed


def producer_raw_eps(bootstrap: str, topic: str, events: Sequence[Event], partitions: int) -> float:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        started = time.perf_counter()
        for event in events:
            key, value, headers = to_record(event)
            targets = range(partitions) if isinstance(event.data, ClockHeartbeat) else [None]
            for p in targets:
                producer.send(topic, key=key, value=value, headers=list(headers), partition=p)
        producer.flush()
        return len(events) / (time.perf_counter() - started)
    finally:
        producer.close()
