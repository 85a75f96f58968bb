"""One pipeline run for the fault tests: a fresh topic set + consumer group on the session's
broker, fed the records of one simulator file, with ``motcua worker`` subprocesses.

Completion is a condition, never a sleep: the input positions in the worker group's Tables
(read from their changelogs; the group's committed offsets are advisory) reach the number of
records the producer had acknowledged per partition (counted from the acks, not from the broker's
high watermark, which can lag); then the output topics are read until they stop growing.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from kafka import KafkaConsumer, TopicPartition

from schemas.cloudevents import from_json, from_record, to_record
from schemas.lifecycle import ClockHeartbeat
from tests.worker_harness import PARTITIONS, Deployment, WorkerProcess

#: snapshots are not compared here; a long interval keeps the worker on the lifecycle path
WORKER_ENV = {"MOTCUA_SNAPSHOT_INTERVAL_S": "30"}


def load_records(path: Path) -> list:
    """The simulator file as Kafka records (heartbeats marked, they go to every partition)."""
    out = []
    for line in path.read_text().splitlines():
        event = from_json(json.loads(line))
        out.append((isinstance(event.data, ClockHeartbeat), to_record(event)))
    return out


@dataclass
class Results:
    """What a run published: every flag and classification record, by CloudEvents id."""
    flags: dict[str, list] = field(default_factory=dict)
    classifications: dict[str, list] = field(default_factory=dict)

    def raw_duplicates(self) -> dict[str, int]:
        return {name: sum(len(v) - 1 for v in getattr(self, name).values())
                for name in ("flags", "classifications")}

    def letters(self) -> set[tuple[str, int]]:
        """The letters the letter sink makes of these flags: one per (dossier, due version),
        drafted by an at-risk flag or created as missed by a dossier-scope overdue flag."""
        out = set()
        for [event, *_] in self.flags.values():
            data = event.data
            if event.type == "dossier.at_risk" or (
                    event.type == "dossier.overdue" and data.scope == "dossier"):
                out.add((data.dossier_code, data.due_version))
        return out


class PipelineRun:
    """A deployment on the shared broker; ``publish`` once, then start/kill/stop workers."""

    def __init__(self, bootstrap: str, name: str, state_dir: Path, records: list) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.dep = Deployment(bootstrap, name, state_dir)
        self.records, self.ends = records, Counter()
        self.group = self.dep.prefix + "motcua-worker"
        self._results: Results | None = None
        self.timeline: list[tuple[str, float, int]] = []  # (event, when, records applied)

    def publish(self) -> None:
        topic, producer = self.dep.topic("dossier-lifecycle"), self.dep.producer
        acked = Counter()
        for is_heartbeat, (key, value, headers) in self.records:
            for partition in range(PARTITIONS) if is_heartbeat else [None]:
                producer.send(topic, key=key, value=value, headers=list(headers),
                              partition=partition).add_callback(
                    lambda md: acked.update([md.partition]))
        producer.flush(timeout=120)
        assert sum(acked.values()) == sum(PARTITIONS if hb else 1 for hb, _ in self.records)
        self.ends = acked

    def mark(self, event: str) -> None:
        """Note ``event`` (a fault, the start, the end) for :meth:`rates`."""
        self.timeline.append((event, time.monotonic(), sum(self.applied().values())))

    def rates(self) -> list[str]:
        """Records applied per second after each marked event, until the next one."""
        return [f"{name}: {n1 - n0} records in {t1 - t0:.0f}s = {(n1 - n0) / max(t1 - t0, 1e-9):.0f}/s"
                for (name, t0, n0), (_, t1, n1) in zip(self.timeline, self.timeline[1:])]

    def start_worker(self, worker_id: str, timeout: float = 120.0) -> WorkerProcess:
        worker = WorkerProcess(self.dep.env(**WORKER_ENV), worker_id, timeout=timeout)
        self.dep.workers.append(worker)
        return worker

    def applied(self) -> Counter:
        life = self.dep.topic("dossier-lifecycle")
        return Counter({p: offset for (topic, p), offset in self.dep.applied().items()
                        if topic == life})

    def progress(self) -> float:
        done = self.applied()
        return sum(min(done[p], n) for p, n in self.ends.items()) / sum(self.ends.values())

    def wait_progress(self, fraction: float, timeout: float, workers=()) -> None:  # noqa: ANN001
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.progress() >= fraction:
                return
            for w in workers:
                assert w.proc.poll() is None, "worker died:\n" + "".join(w.output[-30:])
            time.sleep(0.5)
        tails = "".join(f"\n--- worker output (last 20 lines):\n{''.join(w.output[-20:])}"
                        for w in workers)
        raise AssertionError(f"{self.group}: progress {self.progress():.3f} < {fraction} "
                             f"after {timeout:.0f}s; applied {dict(self.applied())}, "
                             f"published {dict(self.ends)}{tails}")

    def results(self, timeout: float, workers=()) -> Results:  # noqa: ANN001
        """Wait for all input to be applied, then read the outputs until they are quiet."""
        if self._results is None:
            self.wait_progress(1.0, timeout, workers)
            self.mark("end")
            self._results = Results(self.read_all("dossier-flags"),
                                    self.read_all("dossier-classifications"))
        return self._results

    def read_all(self, base: str, quiet: float = 3.0) -> dict[str, list]:
        consumer = KafkaConsumer(bootstrap_servers=self.dep.bootstrap, enable_auto_commit=False)
        tps = [TopicPartition(self.dep.topic(base), p) for p in range(PARTITIONS)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        by_id: dict[str, list] = defaultdict(list)
        last = time.monotonic()
        try:
            while time.monotonic() - last < quiet:
                for batch in consumer.poll(timeout_ms=300).values():
                    for r in batch:
                        event = from_record(r.key, r.value, r.headers)
                        by_id[event.id].append(event)
                    last = time.monotonic()
        finally:
            consumer.close()
        return dict(by_id)

    def close(self) -> None:
        self.dep.close()


def differences(expected: Results, got: Results) -> list[str]:
    """Human-readable differences; copies of one id must be identical to the reference's."""
    problems = []
    for name in ("flags", "classifications"):
        want, have = getattr(expected, name), getattr(got, name)
        lost, extra = want.keys() - have.keys(), have.keys() - want.keys()
        if lost:
            problems.append(f"{len(lost)} {name} lost, e.g. {_show(want[min(lost)][0])}")
        if extra:
            problems.append(f"{len(extra)} {name} not in the reference, e.g. "
                            f"{_show(have[min(extra)][0])}")
        for ident in sorted(want.keys() & have.keys()):
            ref = _identity(want[ident][0])
            odd = [e for e in have[ident] if _identity(e) != ref]
            if odd:
                problems.append(f"{name} {ident} differs: {_show(odd[0])} vs "
                                f"{_show(want[ident][0])}")
                break
    if expected.letters() != got.letters():
        problems.append(f"letters differ: lost {sorted(expected.letters() - got.letters())[:3]}, "
                        f"extra {sorted(got.letters() - expected.letters())[:3]}")
    return problems


def _identity(event) -> tuple:  # noqa: ANN001
    return event.type, event.subject, event.time, event.data


def _show(event) -> str:  # noqa: ANN001
    return f"{event.type} {event.subject} at {event.time.isoformat()} {event.data!r:.200}"
