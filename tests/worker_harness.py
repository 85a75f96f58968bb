"""Driving ``motcua worker`` processes against the embedded broker in integration tests."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import orjson
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from motcua.broker import ensure_topics, true_end_offsets
from schemas.cloudevents import Event, from_record, to_record
from schemas.lifecycle import ClockHeartbeat
from schemas.registry import by_model
from schemas.topics import prefixed
from motcua.bench.processes import Process
from stream_processors.positions import KEY_PREFIX

MOTCUA = str(Path(sys.executable).with_name("motcua"))
PARTITIONS = 3
SNAPSHOT_INTERVAL_S = 1
#: the worker Table holding the input positions of each input topic
TABLE_OF = {"dossier-lifecycle": "dossiers", "deadline-ticks": "dossiers",
            "metric-facts": "metric_facts"}


class AppliedPositions:
    """The input positions the worker group's Tables hold (what it applied, by
    stream_processors.positions), read incrementally from their changelogs: the measure of
    progress, since the group's committed offsets are only advisory."""

    def __init__(self, bootstrap: str, app_id: str, tables: Iterable[str]) -> None:
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        tps = [TopicPartition(f"{app_id}-{t}-changelog", p) for t in tables
               for p in range(PARTITIONS)]
        self.consumer.assign(tps)
        self.consumer.seek_to_beginning(*tps)
        self.latest: dict[tuple[str, int], int] = {}

    def read(self) -> dict[tuple[str, int], int]:
        """{(input topic, partition): next offset to apply} as the changelogs hold it now."""
        while batches := self.consumer.poll(timeout_ms=200):
            for records in batches.values():
                for r in records:
                    key = orjson.loads(r.key) if r.key else ""  # faust's json key codec
                    if isinstance(key, str) and key.startswith(KEY_PREFIX) and r.value:
                        topic, _, partition = key[len(KEY_PREFIX):].rpartition(":")
                        self.latest[(topic, int(partition))] = orjson.loads(r.value)["next"]
        return self.latest

    def close(self) -> None:
        self.consumer.close()


class Deployment:
    """A fresh topic prefix + app id on the shared broker, and helpers around it."""

    def __init__(self, bootstrap: str, unique: str, state_dir: Path) -> None:
        self.bootstrap, self.prefix, self.state_dir = bootstrap, f"w{unique}-", state_dir
        ensure_topics(bootstrap, PARTITIONS, prefixed(self.prefix))
        self.producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
        self.workers: list[WorkerProcess] = []
        self._applied: AppliedPositions | None = None

    def topic(self, base: str) -> str:
        return self.prefix + base

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
                "MOTCUA_TOPIC_PREFIX": self.prefix, "MOTCUA_TIME_SOURCE": "event",
                "MOTCUA_TOPIC_PARTITIONS": str(PARTITIONS), "MOTCUA_SNAPSHOT_INTERVAL_S": str(SNAPSHOT_INTERVAL_S),
                "MOTCUA_STATE_DIR": str(self.state_dir), **extra}

    def start_worker(self, worker_id: str = "a", **extra: str) -> "WorkerProcess":
        worker = WorkerProcess(self.env(**extra), worker_id)
        self.workers.append(worker)
        return worker

    def send(self, events: Iterable[Event], topic: str | None = None) -> None:
        """Publish ``events``, each to ``topic`` or else to its contract topic (the simulator
        also emits citizen feedback, which is not lifecycle)."""
        for event in events:
            to = topic or by_model(type(event.data)).topic.name
            if isinstance(event.data, ClockHeartbeat):
                for p in range(PARTITIONS):
                    self.send_raw(to_record(event), to, partition=p)
            else:
                self.send_raw(to_record(event), to)
        self.producer.flush()

    def send_raw(self, record, topic: str = "dossier-lifecycle", partition: int | None = None):
        key, value, headers = record
        self.producer.send(self.topic(topic), key=key, value=value, headers=list(headers),
                           partition=partition)

    def read(self, base: str, until: Callable[[list], bool], timeout: float = 60.0,
             decode: bool = True) -> list:
        """All records of a topic from the start, polled until ``until(records)`` holds."""
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        tps = [TopicPartition(self.topic(base), p) for p in range(PARTITIONS)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        out: list = []
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                for batch in consumer.poll(timeout_ms=300).values():
                    for r in batch:
                        out.append(from_record(r.key, r.value, r.headers) if decode else r)
                if until(out):
                    return out
            raise AssertionError(f"timed out reading {base}: {len(out)} records, e.g. {out[-3:]}")
        finally:
            consumer.close()

    def read_all(self, base: str, decode: bool = True) -> list:
        """Every record the topic holds now (up to its true end offsets)."""
        ends = {tp.partition: end for tp, end in self.end_offsets(base).items()}
        seen: dict[int, int] = {}

        def complete(records: list) -> bool:
            for r in records[sum(seen.values()):]:
                seen[r.partition] = seen.get(r.partition, 0) + 1
            return all(seen.get(p, 0) >= end for p, end in ends.items())
        raw = self.read(base, complete, decode=False)
        return [from_record(r.key, r.value, r.headers) for r in raw] if decode else raw

    @property
    def group(self) -> str:
        return self.prefix + "motcua-worker"

    def end_offsets(self, base: str) -> dict[TopicPartition, int]:
        """True end offsets (the embedded broker's ListOffsets can lag a batch)."""
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap)
        try:
            reported = consumer.end_offsets(
                [TopicPartition(self.topic(base), p) for p in range(PARTITIONS)])
        finally:
            consumer.close()
        return asyncio.run(true_end_offsets({"bootstrap_servers": self.bootstrap}, reported))

    def applied(self) -> dict[tuple[str, int], int]:
        """{(topic, partition): next offset to apply} per the worker group's Tables."""
        if self._applied is None:
            self._applied = AppliedPositions(self.bootstrap, self.group, set(TABLE_OF.values()))
        return self._applied.read()

    def caught_up(self, bases: Iterable[str]) -> bool:
        """The worker group's Tables hold positions past every record of the ``bases`` topics
        (so every record was applied and its state reached the changelog)."""
        applied = self.applied()
        return all(applied.get((tp.topic, tp.partition), 0) >= end
                   for base in bases for tp, end in self.end_offsets(base).items())

    def quiescent_metrics(self, timeout: float = 180.0) -> dict:
        """Latest snapshot per subject once the worker is quiescent: every lifecycle and
        metric-facts record applied, then no new snapshot for two snapshot
        intervals (a changed scope key is published within one)."""
        deadline = time.monotonic() + timeout
        while not self.caught_up(("dossier-lifecycle", "metric-facts")):
            assert time.monotonic() < deadline, "worker did not catch up"
            time.sleep(0.5)
        count = -1
        while True:
            ends = self.end_offsets("compliance-metrics")
            if sum(ends.values()) == count:
                break
            assert time.monotonic() < deadline, "snapshots did not settle"
            count = sum(ends.values())
            time.sleep(2 * SNAPSHOT_INTERVAL_S + 0.5)
        assert self.caught_up(("dossier-lifecycle", "metric-facts"))
        snaps = self.read_all("compliance-metrics")
        return {s.subject: (s.data.as_of, s.data.values) for s in snaps}

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.producer.close()
        if self._applied is not None:
            self._applied.close()


class WorkerProcess(Process):
    """One ``motcua worker`` subprocess; waits for its ``ready:`` line."""

    def __init__(self, env: dict[str, str], worker_id: str, timeout: float = 60.0,
                 args: tuple[str, ...] = ()) -> None:
        super().__init__([MOTCUA, "worker", "--worker-id", worker_id, *args], env)
        try:
            self.ready_line = self.wait_line("ready: worker", timeout)
        except RuntimeError as exc:  # wait_line stopped it
            raise AssertionError(f"worker not ready: {exc}") from None

    def stop(self, timeout: float = 20.0) -> int | None:
        return super().stop(timeout)
