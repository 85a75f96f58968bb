"""Sinks on the embedded broker with real PostgreSQL and SQLite: letters, reporting DB, outages."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer
from prometheus_client import CollectorRegistry
from sqlalchemy import create_engine, func, select, text

from motcua.kafka import FAST_GROUP_TUNING, kafka_python_config
from motcua.settings import Settings
from schemas import cloudevents as ce
from sinks.base import run_sink
from sinks.db.sink import ReportingSink
from sinks.db.tables import dossiers, letters
from sinks.letters.files import LetterFiles
from sinks.letters.sink import LetterSink
from sinks.metrics import SinkMetrics
from tests.pg_cluster import OwnPostgres
from tests.unit.test_letter_sink import (CODE, DEADLINE, apology, at_risk, overdue, received)

pytestmark = pytest.mark.integration


def wait_for(cond, timeout: float = 30.0, what: str = "condition"):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def publish(bootstrap: str, pairs) -> None:  # noqa: ANN001 - [(topic, Event | bytes)]
    producer = KafkaProducer(**kafka_python_config(Settings(), bootstrap), acks="all")
    try:
        for topic, event in pairs:
            if isinstance(event, bytes):
                producer.send(topic, key=b"bad", value=event)
            else:
                key, value, headers = ce.to_record(event)
                producer.send(topic, key=key, value=value, headers=headers)
        producer.flush(timeout=20)
    finally:
        producer.close()


def read_all(bootstrap: str, topic: str, count: int, timeout: float = 20.0) -> list:
    consumer = KafkaConsumer(topic, **kafka_python_config(Settings(), bootstrap),
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             group_id=f"read-{uuid.uuid4().hex[:8]}", **FAST_GROUP_TUNING)
    out: list = []
    try:
        deadline = time.monotonic() + timeout
        while len(out) < count and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=300).values():
                out += batch
    finally:
        consumer.close()
    return out


class Running:
    """A sink's consumer loop in a thread, as ``motcua sink`` runs it."""

    def __init__(self, sink, bootstrap: str, in_topics, dlq: str, backoff=(0.2, 1.0)) -> None:  # noqa: ANN001
        cfg = kafka_python_config(Settings(), bootstrap)
        self.registry = CollectorRegistry()
        self.stop = threading.Event()
        self.sink = sink
        self.consumer = KafkaConsumer(*in_topics, group_id=f"g-{uuid.uuid4().hex[:8]}",
                                      enable_auto_commit=False, auto_offset_reset="earliest",
                                      **FAST_GROUP_TUNING, **cfg)
        self.producer = KafkaProducer(acks="all", **cfg)
        sink.setup()
        self.thread = threading.Thread(target=run_sink, kwargs=dict(
            sink=sink, consumer=self.consumer, producer=self.producer, stop=self.stop,
            metrics=SinkMetrics(self.registry, sink.name), dead_letter_topic=dlq,
            backoff=backoff), daemon=True)
        self.thread.start()

    def gauge(self, name: str) -> float | None:
        return self.registry.get_sample_value(name, {"sink": self.sink.name})

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=30)
        self.consumer.close()
        self.producer.close(timeout=5)
        self.sink.close()


@pytest.fixture(scope="module")
def pg_database(postgres_url: str):
    """A uniquely named PostgreSQL database for this module, dropped afterwards."""
    name = f"motcua_sinks_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield postgres_url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["postgresql", "sqlite"])
def database_url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sinks.db'}"
    return request.getfixturevalue("pg_database")


def test_letter_lifecycle_on_broker(database_url: str, kafka_bootstrap: str, make_topic,
                                    tmp_path: Path) -> None:
    life, flags, out, dlq = (make_topic(n) for n in ("life", "flags", "letters", "dlq"))
    sink = LetterSink(database_url, LetterFiles(tmp_path / "letters"), letters_topic=out)
    running = Running(sink, kafka_bootstrap, [life, flags], dlq)
    try:
        with sink.engine.begin() as conn:  # a previous parametrisation may share the database
            conn.execute(letters.delete())
        late = "000.00.15.H47-250901-0011"
        missed = "000.00.15.H47-250901-0012"
        flag = at_risk()
        events = [(flags, flag), (life, received()), (flags, flag),         # flag before dossier
                  (life, apology(DEADLINE - dt.timedelta(hours=2))),
                  (life, received(late)), (flags, at_risk(late)),
                  (life, apology(DEADLINE + dt.timedelta(hours=2), late)),
                  (life, received(missed)), (flags, at_risk(missed)), (flags, overdue(missed)),
                  (life, b"{not json")]
        publish(kafka_bootstrap, events)
        publish(kafka_bootstrap, events[:4])  # a replay of the first events

        def states():
            with sink.engine.connect() as conn:
                got = {r.dossier_code: r.state for r in conn.execute(select(letters))}
            return got if len(got) == 3 and "drafted" not in got.values() else None

        assert wait_for(states, what="three graded letters") == {
            CODE: "issued_on_time", late: "issued_late", missed: "missed"}
        with sink.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(letters)).scalar_one() == 3
        drafted = read_all(kafka_bootstrap, out, 3)
        assert sorted(ce.from_record(r.key, r.value, r.headers).data.dossier_code
                      for r in drafted) == sorted([CODE, late, missed])
        [dead] = read_all(kafka_bootstrap, dlq, 1)
        assert ce.from_record(dead.key, dead.value, dead.headers).data.reason == "contract_violation"
    finally:
        running.close()


def test_reporting_sink_upserts_are_idempotent(database_url: str, kafka_bootstrap: str,
                                               make_topic) -> None:
    life, flags, dlq = make_topic("life"), make_topic("flags"), make_topic("dlq")
    sink = ReportingSink(database_url)
    running = Running(sink, kafka_bootstrap, [life, flags], dlq)
    try:
        code = f"000.00.15.H47-250902-{uuid.uuid4().int % 10000:04d}"
        events = [(life, received(code)), (flags, at_risk(code)), (flags, overdue(code))]
        publish(kafka_bootstrap, events + events)

        def row():
            with sink.engine.connect() as conn:
                r = conn.execute(select(dossiers).where(dossiers.c.dossier_code == code)).first()
                n = conn.execute(text("select count(*) from dossier_flags where dossier_code = :c"),
                                 {"c": code}).scalar_one()
            return (r, n) if r is not None and n == 2 else None

        r, _ = wait_for(row, what="projected dossier and two flags")
        assert r.channel == "online" and r.status == 2 and r.handling_agency == "000.00.15.H47"
    finally:
        running.close()


# --------------------------------------------------------------------------- DB outage

def test_db_stopped_mid_stream_loses_nothing(kafka_bootstrap: str, make_topic) -> None:
    root = Path(tempfile.mkdtemp(prefix="motcua-pg-"))  # outside pytest's root-only tmp dir
    pg = OwnPostgres(root)
    pg.start()
    life, dlq = make_topic("life"), make_topic("dlq")
    sink = ReportingSink(pg.url)
    running = Running(sink, kafka_bootstrap, [life], dlq)
    try:
        codes = [f"000.00.15.H47-250903-{i:04d}" for i in range(1, 61)]
        publish(kafka_bootstrap, [(life, received(c)) for c in codes[:20]])

        def projected() -> int:
            try:
                with sink.engine.connect() as conn:
                    return conn.execute(select(func.count()).select_from(dossiers)).scalar_one()
            except Exception:  # noqa: BLE001 - the database is down on purpose
                return -1

        wait_for(lambda: projected() == 20, what="first 20 dossiers")
        pg.stop()
        publish(kafka_bootstrap, [(life, received(c)) for c in codes[20:]])
        wait_for(lambda: running.gauge("motcua_sink_stalled") == 1, what="stalled gauge")
        pg.start()
        wait_for(lambda: projected() == 60, timeout=60, what="all 60 dossiers after restart")
        wait_for(lambda: running.gauge("motcua_sink_stalled") == 0, what="unstalled")
        assert running.registry.get_sample_value("motcua_sink_db_retries_total",
                                                 {"sink": "db"}) >= 1
    finally:
        running.close()
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)
