"""PostgreSQL stopped under both sinks (``motcua sink db`` and ``motcua sink letters`` as
subprocesses): they stall visibly — ``motcua_sink_stalled{sink}`` is 1 on their /metrics —
keep running, and once the database is back they resume with nothing lost or doubled."""

from __future__ import annotations

import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import urllib.request
import uuid
from pathlib import Path

import pytest
from kafka import KafkaProducer
from sqlalchemy import create_engine, text

from motcua.broker import ensure_topics
from schemas.cloudevents import to_record
from schemas.topics import prefixed
from tests.faults.proxy import free_port
from tests.pg_cluster import OwnPostgres
from tests.unit.test_letter_sink import at_risk, received
from tests.waiting import wait_until
from tests.worker_harness import MOTCUA

CODES = [f"000.00.15.H47-250901-{i:04d}" for i in range(1, 101)]


class Sink:
    def __init__(self, which: str, env: dict) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen([MOTCUA, "sink", which, "--metrics-port", str(self.port)],
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        self.which, self.lines = which, queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()
        wait_until(lambda: any(s.startswith("ready: sink") for s in self._drain()), 60,
              f"{which} ready")

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)

    def _drain(self) -> list[str]:
        while not self.lines.empty():
            self.output.append(self.lines.get())
        assert self.proc.poll() is None, f"sink {self.which} exited:\n" + "".join(self.output)
        return self.output

    def stalled(self) -> float | None:
        self._drain()
        body = urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5).read()
        m = re.search(rf'motcua_sink_stalled{{sink="{self.which}"}} (\S+)', body.decode())
        return float(m.group(1)) if m else None

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        return self.proc.returncode



def _publish(bootstrap: str, prefix: str, codes: list[str]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for code in codes:
            for topic, event in (("dossier-lifecycle", received(code)),
                                 ("dossier-flags", at_risk(code))):
                key, value, headers = to_record(event)
                producer.send(prefix + topic, key=key, value=value, headers=list(headers))
        producer.flush(30)
    finally:
        producer.close()


@pytest.mark.timeout(240)
def test_sinks_stall_visibly_while_postgres_is_down_and_lose_nothing(kafka_bootstrap) -> None:
    root = Path(tempfile.mkdtemp(prefix="motcua-pg-"))  # outside pytest's root-only tmp dir
    pg = OwnPostgres(root)
    pg.start()
    prefix = f"pg{uuid.uuid4().hex[:8]}-"
    ensure_topics(kafka_bootstrap, 3, prefixed(prefix))
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "MOTCUA_TOPIC_PREFIX": prefix,
           "MOTCUA_DATABASE_URL": pg.url, "MOTCUA_STATE_DIR": str(root / "var")}
    engine = create_engine(pg.url)

    def count(table: str) -> int:
        try:
            with engine.connect() as conn:
                return conn.execute(text(f"select count(*) from {table}")).scalar_one()
        except Exception:  # noqa: BLE001 - down on purpose, or not migrated yet
            return -1

    sinks = []
    try:
        sinks = [Sink("db", env), Sink("letters", env)]
        _publish(kafka_bootstrap, prefix, CODES[:40])
        wait_until(lambda: count("dossiers") == 40 and count("letters") == 40, 60, "first 40")
        engine.dispose()
        pg.stop()
        _publish(kafka_bootstrap, prefix, CODES[40:])
        wait_until(lambda: all(s.stalled() == 1 for s in sinks), 60, "both sinks stalled")
        pg.start()
        wait_until(lambda: count("dossiers") == 100 and count("letters") == 100, 90, "all 100")
        wait_until(lambda: all(s.stalled() == 0 for s in sinks), 30, "both sinks resumed")
        with engine.connect() as conn:
            dup = conn.execute(text("select count(*) - count(distinct (dossier_code, due_version)) "
                                    "from letters")).scalar_one()
            states = {r[0]: r[1] for r in conn.execute(
                text("select state, count(*) from letters group by state"))}
        assert dup == 0 and states == {"drafted": 100}, (dup, states)
        for s in sinks:
            assert s.stop() == 0, "".join(s.output)
    finally:
        for s in sinks:
            s.stop()
        engine.dispose()
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)
