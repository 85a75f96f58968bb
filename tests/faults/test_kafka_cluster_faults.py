"""Faults only a real Apache Kafka cluster has: three KRaft nodes on loopback (its own, whatever
broker the session runs), the compose cluster's settings (RF 3, min ISR 2, no unclean election).

* the broker leading the lifecycle topic's partitions SIGKILLed while the simulator, a worker and
  both sinks run, restarted later;
* the whole cluster stopped and started while the simulator's outbox holds events;
* a fresh worker restoring its tables from changelogs the broker has compacted.

Each run is held to one uninterrupted reference run of the same simulated events on the same
cluster: every acknowledged event on the lifecycle topic, the same flags, classifications and
letters (none doubled in the letters table), and the same Biểu 06. The workload is the live
simulator's, about ``MOTCUA_FAULT_EVENTS`` events capped at 4,000: these tests are about the
broker, the 100,000-event volume is test_worker_faults.py's, and here the simulator, a worker, two
sinks and three JVMs share the machine with a reference run (the module takes ~9 minutes at
4,000 events on a loaded 2-core machine).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient
from kafka.errors import KafkaError
from sqlalchemy import create_engine, text

from motcua.kafka_cluster import KafkaCluster
from schemas.cloudevents import from_json
from schemas.registry import by_model
from schemas.topics import LIFECYCLE
from tests.faults.conftest import FAULT_EVENTS
from tests.faults.pipeline import WORKER_ENV, PipelineRun, Results, differences, load_records
from tests.faults.test_broker_outage import _outbox_pending
from tests.faults.test_postgres_outage import Sink
from tests.waiting import wait_until
from tests.worker_harness import MOTCUA, PARTITIONS, WorkerProcess

EVENTS = min(FAULT_EVENTS, 4_000)
DAYS = 8
#: simulated dossiers per weekday: 100 make ~2,700 events over DAYS (measured)
RATE = max(30, round(EVENTS * 100 / 2700))
SIM = ["--seed", "15", "--start", "2025-08-04", "--rate", str(RATE)]
SIM_WALL_S = 30  # the live simulator produces DAYS of events in this many wall seconds
BUDGET_S = 240 + EVENTS / 50
SINKS = {"db": ("dossier-lifecycle", "dossier-flags", "dossier-classifications"),
         "letters": ("dossier-lifecycle", "dossier-flags")}  # letters read both (LETTER_TOPICS)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> KafkaCluster:  # noqa: ANN001
    with KafkaCluster(tmp_path_factory.mktemp("kafka3"), nodes=3) as c:
        yield c


@pytest.fixture(scope="module")
def expected(tmp_path_factory) -> Path:  # noqa: ANN001
    """The simulator's events, written to a file (what the live runs must deliver)."""
    path = tmp_path_factory.mktemp("sim") / "events.ndjson"
    subprocess.run([MOTCUA, "simulate", *SIM, "--speed", "0", "--duration", str(DAYS * 86400),
                    "--output", str(path)], check=True, capture_output=True, timeout=300)
    return path


class Pipeline:
    """A worker and both sinks on a fresh topic prefix of the cluster (PipelineRun underneath)."""

    def __init__(self, cluster: KafkaCluster, name: str, state_dir: Path, records: list) -> None:
        self.run = PipelineRun(cluster.bootstrap, name, state_dir, records)
        self.dep, self.sinks, self.workers = self.run.dep, [], []
        self.env = self.dep.env(MOTCUA_TOPIC_REPLICATION_FACTOR="3")
        self.admin = KafkaAdminClient(bootstrap_servers=self.dep.bootstrap)  # the sinks' groups

    def start_worker(self, worker_id: str, **extra: str) -> WorkerProcess:
        worker = WorkerProcess({**self.env, **WORKER_ENV, **extra}, worker_id, timeout=180)
        self.dep.workers.append(worker)
        self.workers.append(worker)
        return worker

    def start_sinks(self) -> None:
        for which in SINKS:
            self.sinks.append(Sink(which, self.env))  # one by one: close() stops those started

    def settle(self) -> Results:
        """Until the worker has applied every lifecycle record and the sinks committed every record
        of their topics (end offsets are the broker's: right on Apache Kafka)."""
        # a fresh admin client: the old one may sit in reconnect back-off from the outage
        self.admin.close()
        self.admin = KafkaAdminClient(bootstrap_servers=self.dep.bootstrap)
        ends = self.dep.end_offsets("dossier-lifecycle")
        self.run.ends = Counter({tp.partition: n for tp, n in ends.items()})
        results = self.run.results(BUDGET_S, self.workers)
        for sink, (which, bases) in zip(self.sinks, SINKS.items()):
            group = f"{self.dep.prefix}motcua-sink-{which}"
            # _drain() fails with the sink's output if it exited
            wait_until(lambda s=sink, g=group, b=bases: s._drain() and self._committed(g, b),
                       BUDGET_S, f"sink {which}")
        return results

    def applied(self) -> int:
        """Lifecycle records the worker has applied, by the input positions its Tables hold (the
        group's committed offsets are advisory); 0 while the changelogs cannot be read."""
        try:
            return sum(self.run.applied().values())
        except KafkaError:
            return 0

    def _committed(self, group: str, bases: tuple[str, ...]) -> bool:
        try:
            offsets = self.admin.list_group_offsets(group).get(group, {})
        except KafkaError:
            return False
        done = {(tp.topic, tp.partition): om.offset for tp, om in offsets.items()}
        return all(done.get((tp.topic, tp.partition), 0) >= end
                   for base in bases for tp, end in self.dep.end_offsets(base).items() if end)

    def letters(self) -> list[tuple[str, int]]:
        """(dossier, due version) of every letter the sink holds, less the superseded ones
        (withdrawn: a calendar change, or an overdue read before the earlier apology)."""
        with self._db() as conn:
            return [tuple(r) for r in conn.execute(text(
                "select dossier_code, due_version from letters where state != 'superseded'"
                " order by 1, 2"))]

    def bieu06(self) -> dict:
        out = subprocess.run([MOTCUA, "report", "bieu06", "--period", "2025-08", "--format",
                              "json"], env=self.env, capture_output=True, check=True, timeout=120)
        report = json.loads(out.stdout)
        assert report["rows"], "empty Biểu 06"
        return report

    def _db(self):  # noqa: ANN202
        engine = create_engine(f"sqlite:///{self.dep.state_dir / 'motcua.db'}")
        return _Closing(engine)

    def close(self) -> None:
        for sink in self.sinks:
            sink.stop()
        self.admin.close()
        self.run.close()


class _Closing:
    def __init__(self, engine) -> None:  # noqa: ANN001
        self.engine = engine

    def __enter__(self):  # noqa: ANN204
        self.conn = self.engine.connect()
        return self.conn

    def __exit__(self, *exc: object) -> None:
        self.conn.close()
        self.engine.dispose()


@pytest.fixture(scope="module")
def reference(cluster, expected, tmp_path_factory):  # noqa: ANN001, ANN201
    """The same events published from the file, uninterrupted."""
    ref = Pipeline(cluster, "kref" + uuid.uuid4().hex[:6], tmp_path_factory.mktemp("ref"),
                   load_records(expected))
    try:
        ref.start_sinks()
        ref.run.publish()
        ref.start_worker("ref")
        ref.results = ref.settle()
        ref.bieu = ref.bieu06()
        assert ref.results.flags and ref.letters(), "the reference produced nothing"
    except BaseException:
        ref.close()
        raise
    ref.close()  # done: nothing of it may run through the faults that follow
    yield ref


def _simulate(pipeline: Pipeline) -> subprocess.Popen:
    return subprocess.Popen(
        [MOTCUA, "simulate", *SIM, "--speed", str(DAYS * 86400 / SIM_WALL_S), "--duration",
         str(SIM_WALL_S), "--flush-timeout", "180"],
        env=pipeline.env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _finish_simulator(sim: subprocess.Popen) -> None:
    out, _ = sim.communicate(timeout=BUDGET_S)
    assert sim.returncode == 0 and re.search(r", 0 still in the outbox", out), out[-3000:]


def _end(sim: subprocess.Popen | None) -> None:
    if sim is not None and sim.poll() is None:
        sim.kill()
        sim.communicate()


def _compare(reference: Pipeline, run: Pipeline, expected: Path, label: str) -> None:
    got = run.settle()
    want_ids = lifecycle_ids(expected)
    on_topic = lifecycle_records(run.dep.bootstrap, run.dep.topic("dossier-lifecycle"))
    delivered = {ce_id for _, ce_id in on_topic}
    assert not want_ids - delivered, f"{len(want_ids - delivered)} events lost"
    reordered = order_violations(expected, on_topic)
    assert not reordered, "events of one dossier out of their accepted order:\n" + "\n".join(
        reordered[:5])
    problems = differences(reference.results, got)
    assert not problems, "\n".join(problems)
    letters, want = run.letters(), reference.letters()
    assert len(letters) == len(set(letters)), "a letter doubled"
    assert letters == want, (f"letters lost {sorted(set(want) - set(letters))}, "
                             f"extra {sorted(set(letters) - set(want))}")
    assert run.bieu06() == reference.bieu
    for worker in run.workers:
        assert worker.proc.poll() is None, "".join(worker.output[-30:])
    print(f"\n{label}: {len(want_ids)} events, {len(got.flags)} flags, {len(letters)} letters; "
          f"raw duplicates {got.raw_duplicates()}")


def lifecycle_ids(path: Path) -> set[str]:
    """Ids of the simulator file's events whose contract topic is the lifecycle topic (it also
    writes citizen feedback, which has its own topic)."""
    events = [from_json(json.loads(line)) for line in path.read_text().splitlines()]
    return {e.id for e in events
            if by_model(type(e.data)).topic.name == LIFECYCLE.name}


def lifecycle_records(bootstrap: str, topic: str) -> list[tuple[str | None, str]]:
    """(key, CloudEvents id) of every record on ``topic``, each partition in offset order, read to
    the end offsets."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    out: list[tuple[str | None, str]] = []
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        ends = consumer.end_offsets(tps)
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        deadline = time.monotonic() + 120
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            assert time.monotonic() < deadline, f"could not read {topic} to its end"
            for batch in consumer.poll(timeout_ms=300).values():
                out += [(r.key.decode() if r.key else None, dict(r.headers)["ce_id"].decode())
                        for r in batch]
    finally:
        consumer.close()
    return out


def order_violations(path: Path, on_topic: list[tuple[str | None, str]]) -> list[str]:
    """Dossiers whose lifecycle events (first copy of each id) are in ``on_topic``
    (:func:`lifecycle_records`) in another order than the simulator accepted them (the file's
    order): the publisher promises that order."""
    accepted: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        event = from_json(json.loads(line))
        code = getattr(event.data, "dossier_code", None)
        if code and by_model(type(event.data)).topic.name == LIFECYCLE.name:
            accepted.setdefault(code, []).append(event.id)
    firsts: dict[str | None, list[str]] = {}
    for code, ce_id in on_topic:
        ids = firsts.setdefault(code, [])
        if ce_id not in ids:
            ids.append(ce_id)
    return [f"{code}: accepted {ids}, on the topic {firsts.get(code)}"
            for code, ids in accepted.items() if firsts.get(code) != ids]


def _lifecycle_leader(cluster: KafkaCluster, topic: str) -> int:
    """Index of the node leading most of ``topic``'s partitions."""
    admin = KafkaAdminClient(bootstrap_servers=cluster.bootstrap)
    try:
        [described] = admin.describe_topics([topic])
    finally:
        admin.close()
    leaders = Counter(p["leader_id"] for p in described["partitions"])
    return leaders.most_common(1)[0][0] - 1


@pytest.mark.timeout(4 * BUDGET_S)
def test_the_lifecycle_leader_sigkilled_mid_stream_loses_and_doubles_nothing(
        cluster, reference, expected, tmp_path) -> None:  # noqa: ANN001
    run = Pipeline(cluster, "klead" + uuid.uuid4().hex[:6], tmp_path, [])
    victim = sim = None
    try:
        run.start_sinks()
        worker = run.start_worker("a")
        sim = _simulate(run)
        wait_until(lambda: run.applied() > 0, 120, "the worker's first applied batch")
        victim = killed = _lifecycle_leader(cluster, run.dep.topic("dossier-lifecycle"))
        before = run.applied()
        cluster.kill_node(victim)
        wait_until(lambda: run.applied() > before + 100 or sim.poll() is not None,
                   BUDGET_S, "the worker going on without the killed leader")
        assert worker.proc.poll() is None, "".join(worker.output[-30:])
        cluster.start_node(victim)
        victim = None
        _finish_simulator(sim)
        _compare(reference, run, expected, f"leader (node {killed + 1}) killed")
    finally:
        _end(sim)
        if victim is not None:
            cluster.start_node(victim)
        run.close()


@pytest.mark.timeout(4 * BUDGET_S)
def test_the_whole_cluster_stopped_and_started_while_the_outbox_holds_events(
        cluster, reference, expected, tmp_path) -> None:  # noqa: ANN001
    run = Pipeline(cluster, "kall" + uuid.uuid4().hex[:6], tmp_path, [])
    down, sim = False, None
    try:
        run.start_sinks()
        run.start_worker("a")
        sim = _simulate(run)
        wait_until(lambda: run.applied() > 0, 120, "the worker's first applied batch")
        cluster.stop()
        down = True
        wait_until(lambda: _outbox_pending(run.env) >= 50, 60, "events held in the outbox")
        held = _outbox_pending(run.env)
        cluster.start()
        down = False
        _finish_simulator(sim)
        _compare(reference, run, expected, f"cluster restarted ({held} events held)")
    finally:
        _end(sim)
        if down:
            cluster.start()
        run.close()


def _changelogs(run: Pipeline) -> list[str]:
    return [f"{run.dep.prefix}motcua-worker-{table}-changelog"
            for table in ("dossiers", "metric_facts")]


def _compact_soon(cluster: KafkaCluster, topics: list[str]) -> None:
    """Roll segments every 100 ms and clean any dirt: the cleaner then compacts within its
    15 s back-off instead of after the default week-long segment."""
    admin = KafkaAdminClient(bootstrap_servers=cluster.bootstrap)
    try:
        admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, t, configs={
            "segment.ms": "100", "min.cleanable.dirty.ratio": "0.01",
            "delete.retention.ms": "100", "cleanup.policy": "compact"}) for t in topics])
    finally:
        admin.close()


def _compacted(run: Pipeline, topic_base: str) -> bool:
    """Some partition holds fewer records than its end offset: the cleaner removed some."""
    ends = run.dep.end_offsets(topic_base)
    consumer = KafkaConsumer(bootstrap_servers=run.dep.bootstrap, enable_auto_commit=False)
    held: Counter = Counter()
    try:
        consumer.assign(list(ends))
        consumer.seek_to_beginning(*ends)
        deadline = time.monotonic() + 60
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            assert time.monotonic() < deadline, f"could not read {topic_base} to its end"
            for tp, batch in consumer.poll(timeout_ms=300).items():
                held[tp] += len(batch)
    finally:
        consumer.close()
    return any(held[tp] < end for tp, end in ends.items())


@pytest.mark.timeout(4 * BUDGET_S)
def test_a_fresh_worker_restores_from_compacted_changelogs(cluster, reference, expected,
                                                           tmp_path) -> None:  # noqa: ANN001
    records = load_records(expected)
    half = len(records) // 2
    run = Pipeline(cluster, "kcmp" + uuid.uuid4().hex[:6], tmp_path, records[:half])
    try:
        run.start_sinks()
        first = run.start_worker("a")
        admin_topics = lambda: set(run.admin.list_topics())  # noqa: E731
        wait_until(lambda: set(_changelogs(run)) <= admin_topics(), 120, "the changelogs")
        _compact_soon(cluster, _changelogs(run))
        run.run.publish()
        first_ends = run.run.ends.copy()
        run.run.wait_progress(1.0, BUDGET_S, [first])
        assert first.stop() == 0, "".join(first.output[-30:])
        changelog = _changelogs(run)[0].removeprefix(run.dep.prefix)
        wait_until(lambda: _compacted(run, changelog), 120, "the dossiers changelog compacted")
        run.run.records = records[half:]
        run.run.publish()
        run.run.ends += first_ends
        run.run._results = None
        run.workers.remove(first)
        run.start_worker("b", MOTCUA_STATE_DIR=str(tmp_path / "fresh"))  # no local tables
        _compare(reference, run, expected, "restored from compacted changelogs")
    finally:
        run.close()
