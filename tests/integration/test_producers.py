"""Done-when of issue 5: nothing accepted while the broker is down is lost, order per dossier holds.

A dedicated embedded broker on a free port stays stopped while 1,000 events are accepted via the
CLI (``motcua replay``) and the API (``motcua ingest-api``); then it starts, a relay
(``motcua outbox flush``) is SIGKILLed mid-relay, and a second flush delivers the rest.

The pipelined relay (several batches in flight while publishing goes on) is checked on the
session broker: per-dossier order, every heartbeat on every partition, nothing left behind.
"""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from motcua.orchestrator import free_port
from motcua.broker import EmbeddedBroker, ensure_topics
from motcua.settings import Settings
from producers.outbox import Outbox
from producers.publisher import KafkaSender, Publisher, Relay, producer_config
from schemas.cloudevents import from_record
from schemas.lifecycle import ClockHeartbeat
from schemas.topics import prefixed
from motcua.bench.workload import simulated_events as bench_events
from tests.waiting import wait_until

pytestmark = pytest.mark.integration
MOTCUA = [sys.executable, "-m", "motcua"]
TOKEN = "integration-token-0123456789"


def wait_for(condition, timeout: float, what: str):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def simulated_events(env: dict, tmp: Path, n: int) -> list[dict]:
    out = tmp / "sim.ndjson"
    subprocess.run([*MOTCUA, "simulate", "--seed", "5", "--start", "2025-03-03",
                    "--dossiers", "200", "--output", str(out)], env=env, check=True,
                   capture_output=True, timeout=120)
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    # lifecycle events only: citizen feedback goes to its own topic
    return [e for e in lines if e["type"] != "clock.heartbeat"
            and not e["type"].startswith("feedback.")][:n]


def post(port: int, events: list[dict]) -> dict:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/events", data=json.dumps(events).encode(), method="POST",
        headers={"Authorization": f"Bearer {TOKEN}",
                 "Content-Type": "application/cloudevents-batch+json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 202
        return json.loads(resp.read())


def consume_all(bootstrap: str, topic: str, expected: int) -> list:
    from kafka import KafkaConsumer
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                             enable_auto_commit=False, consumer_timeout_ms=2000)
    records, deadline = [], time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            batch = list(consumer)  # until 2 s without records
            records += batch
            ids = {dict(r.headers)["ce_id"] for r in records
                   if dict(r.headers)["ce_type"] != b"clock.heartbeat"}
            if not batch and len(ids) >= expected:
                break
    finally:
        consumer.close()
    return records


def test_accepted_while_down_delivered_exactly_in_order(tmp_path: Path):
    port, api_port = free_port(), free_port()
    state = tmp_path / "var"
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{port}",
           "MOTCUA_STATE_DIR": str(state), "MOTCUA_TOPIC_PARTITIONS": "3",
           "MOTCUA_INGEST_TOKENS": f"it:{TOKEN}", "PYTHONUNBUFFERED": "1"}
    events = simulated_events(env, tmp_path, 1000)
    cli_file = tmp_path / "cli.ndjson"
    cli_file.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events[:500]))

    # 1. broker down: 500 events through the CLI
    done = subprocess.run([*MOTCUA, "replay", str(cli_file), "--flush-timeout", "1"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "500 events accepted" in done.stdout and "still in the outbox" in done.stdout

    # 2. broker down: 500 events through the API
    api = subprocess.Popen([*MOTCUA, "ingest-api", "--port", str(api_port)], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert api.stdout.readline().startswith("ready: ingest-api")
        for i in range(500, 1000, 100):
            assert len(post(api_port, events[i:i + 100])["ids"]) == 100
    finally:
        api.send_signal(signal.SIGTERM)
        api.communicate(timeout=30)
    outbox = Outbox(state / "outbox.sqlite")
    pending = outbox.status().pending
    assert pending >= 1000  # plus the replay's heartbeats

    # 3. broker up; a relay is SIGKILLed mid-relay
    with EmbeddedBroker(port, tmp_path / "broker.log") as broker:
        relay = subprocess.Popen([*MOTCUA, "outbox", "flush", "--batch", "5"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: outbox.status().pending < pending - 20, 60, "the relay to start")
        finally:
            relay.send_signal(signal.SIGKILL)
            relay.wait(10)
        left = outbox.status().pending
        assert 0 < left < pending, "the relay was not killed mid-relay"

        # 4. flush delivers the rest
        flushed = subprocess.run([*MOTCUA, "outbox", "flush"], env=env, capture_output=True,
                                 text=True, timeout=90)
        assert flushed.returncode == 0, flushed.stderr
        assert outbox.status().pending == 0
        records = consume_all(broker.bootstrap, "dossier-lifecycle", 1000)

    decoded = [from_record(r.key, r.value, r.headers) for r in records]
    lifecycle = [e for e in decoded if e.type != "clock.heartbeat"]
    first_seen = list(dict.fromkeys(e.id for e in lifecycle))
    assert sorted(first_seen) == sorted(e["id"] for e in events)  # exactly the 1,000, none lost
    assert len(lifecycle) >= 1000  # at-least-once: a few duplicates are allowed
    accepted = collections.defaultdict(list)
    for e in events:
        accepted[e["subject"]].append(e["id"])
    delivered = collections.defaultdict(list)
    for event_id in first_seen:
        event = next(e for e in lifecycle if e.id == event_id)
        delivered[event.subject].append(event_id)
    assert delivered == accepted  # in order per dossier


def test_pipelined_relay_keeps_order_per_dossier_and_copies_heartbeats(kafka_bootstrap, unique,
                                                                       tmp_path: Path):
    prefix, partitions = f"pipe{unique}-", 3
    ensure_topics(kafka_bootstrap, partitions, prefixed(prefix))
    events = bench_events(100)
    outbox = Outbox(tmp_path / "outbox.sqlite")
    publisher = Publisher(outbox, topic_prefix=prefix)
    sender = KafkaSender(producer_config(Settings.from_env({}), kafka_bootstrap), partitions)
    relay = Relay(outbox, sender, batch=20, window=80, report=lambda m: None)
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop, publisher.wake), daemon=True)
    thread.start()
    try:
        for i in range(0, len(events), 50):
            publisher.publish(events[i:i + 50])
        wait_until(lambda: outbox.status().pending == 0, 60, "the outbox to drain", 0.05)
    finally:
        stop.set()
        publisher.wake.set()
        thread.join(10)
        sender.close()
    records = _read_partitions(kafka_bootstrap, prefix + "dossier-lifecycle", partitions)

    heartbeats = {e.id for e in events if isinstance(e.data, ClockHeartbeat)}
    copies = collections.Counter(dict(r.headers)["ce_id"].decode() for r in records)
    assert set(copies) == {e.id for e in events}
    assert all(copies[i] == partitions for i in heartbeats)  # one on every partition
    delivered = collections.defaultdict(list)
    for r in sorted(records, key=lambda r: (r.partition, r.offset)):
        event_id = dict(r.headers)["ce_id"].decode()
        if event_id not in heartbeats and event_id not in delivered[r.key]:
            delivered[r.key].append(event_id)
    accepted = collections.defaultdict(list)
    for e in events:
        if e.id not in heartbeats:
            accepted[e.subject.encode()].append(e.id)
    assert delivered == accepted  # each dossier in the order it was published
    assert outbox.status().delivered == relay.delivered == len(events)


def _read_partitions(bootstrap: str, topic: str, partitions: int) -> list:
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    tps = [TopicPartition(topic, p) for p in range(partitions)]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    end = consumer.end_offsets(tps)
    records: list = []
    try:
        deadline = time.monotonic() + 30
        while any(consumer.position(tp) < end[tp] for tp in tps) and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records += batch
    finally:
        consumer.close()
    return records
