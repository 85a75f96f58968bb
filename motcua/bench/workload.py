"""The benchmark's input: the province simulator's events, written once to a topic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from kafka import KafkaProducer

from schemas.cloudevents import Event, to_record
from schemas.lifecycle import ClockHeartbeat
from schemas.topics import LIFECYCLE

__all__ = ["simulated_events", "write_records"]

START = dt.datetime(2025, 3, 3, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def simulated_events(dossiers: int, seed: int = 1) -> list[Event]:
    """``dossiers`` dossiers of the simulator (600 filed per weekday, a heartbeat every 4 h): its
    lifecycle events only (the bench writes one topic; citizen feedback has its own)."""
    from producers.simulator import SimConfig, Simulator
    from stream_processors.core.calendar import default_calendar
    from stream_processors.core.catalog_loader import load_catalog

    config = SimConfig(seed=seed, start=START, per_day=600.0,
                       heartbeat_every=dt.timedelta(hours=4))
    return [e for e in Simulator(config, load_catalog(), default_calendar()).events(dossiers=dossiers)
            if e.event_type.topic is LIFECYCLE]


def write_records(bootstrap: str, topic: str, events: Sequence[Event], partitions: int) -> int:
    """Produce ``events`` (heartbeats to every partition, the rest by key); returns records."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, batch_size=512 * 1024,
                             acks="all")
    count = 0
    try:
        for event in events:
            key, value, headers = to_record(event)
            targets = range(partitions) if isinstance(event.data, ClockHeartbeat) else [None]
            for p in targets:
                producer.send(topic, key=key, value=value, headers=list(headers), partition=p)
                count += 1
        producer.flush()
    finally:
        producer.close()
    return count
