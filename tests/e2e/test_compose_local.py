"""The compose services' own commands, run locally with the compose env files.

Each motcua service of docker-compose.yml is started as ``motcua <its command>`` with the values
of ``deploy/compose/motcua.env.example`` + ``secrets.env.example``, except what only makes sense
inside the compose network: the bootstrap (a dedicated embedded broker), the database (a fresh
PostgreSQL database), the state directory, and loopback instead of 0.0.0.0 for the listeners.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from motcua.broker import EmbeddedBroker
from motcua.orchestrator import free_port as _free_port
from schemas.topics import ALL_TOPICS
from tests.unit.test_compose import COMPOSE, LONG_RUNNING, ROOT, command, load, service_env

pytestmark = pytest.mark.e2e
MOTCUA = str(Path(os.sys.executable).with_name("motcua"))
SERVICES = load(COMPOSE)["services"]
STARTED = ("worker", "sink-letters", "sink-db", "ingest-api", "board")


@pytest.fixture(scope="module")
def broker(tmp_path_factory) -> str:
    with EmbeddedBroker(_free_port(), tmp_path_factory.mktemp("broker") / "broker.log") as b:
        yield b.bootstrap


@pytest.fixture(scope="module")
def database(postgres_url: str) -> str:
    import psycopg

    name = f"motcua_compose_{uuid.uuid4().hex[:10]}"
    admin = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def env(broker: str, database: str, tmp_path_factory) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("MOTCUA_", "KAFKA_"))}
    values = service_env(SERVICES["worker"])
    values.update(KAFKA_BOOTSTRAP_SERVERS=broker, MOTCUA_DATABASE_URL=database,
                  MOTCUA_STATE_DIR=str(tmp_path_factory.mktemp("state")),
                  MOTCUA_METRICS_HOST="127.0.0.1", MOTCUA_BOARD_HOST="127.0.0.1",
                  MOTCUA_INGEST_HOST="127.0.0.1", MOTCUA_BOARD_PORT=str(_free_port()),
                  MOTCUA_INGEST_PORT=str(_free_port()), MOTCUA_BOARD_TOKEN="e2e-board-token",
                  MOTCUA_INGEST_TOKENS="e2e:e2e-ingest-secret")
    return {**base, **values}


def run(argv: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([MOTCUA, *argv], env=env, capture_output=True, text=True, timeout=timeout)


def test_topic_init_creates_every_contract_topic_with_three_replicas(broker: str, env: dict):
    from kafka.admin import KafkaAdminClient

    first = run(command(SERVICES["topic-init"]), env)
    assert first.returncode == 0, first.stderr
    assert f"{len(ALL_TOPICS)} created" in first.stdout
    again = run(command(SERVICES["topic-init"]), env)
    assert again.returncode == 0 and "0 created" in again.stdout, again.stdout + again.stderr
    admin = KafkaAdminClient(bootstrap_servers=broker)
    try:
        described = {t["name"]: t for t in admin.describe_topics([t.name for t in ALL_TOPICS])}
    finally:
        admin.close()
    for topic in ALL_TOPICS:
        partitions = described[topic.name]["partitions"]
        assert len(partitions) == (topic.partitions or int(env["MOTCUA_TOPIC_PARTITIONS"]))
        assert {len(p["replica_nodes"]) for p in partitions} == {3}, topic.name


def test_db_migrate_upgrades_postgresql_to_the_head_revision(database: str, env: dict):
    import psycopg

    result = run(command(SERVICES["db-migrate"]), env)
    assert result.returncode == 0, result.stdout + result.stderr
    with psycopg.connect(database.replace("postgresql+psycopg://", "postgresql://")) as conn:
        (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    current = run(["db", "current"], env)
    assert revision and revision in current.stdout


class Service:
    """One compose service's command as a local process; ``lines`` collects its stdout."""

    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.name, self.metrics_port = name, _free_port()
        argv = command(SERVICES[name])
        argv[argv.index("--metrics-port") + 1] = str(self.metrics_port)
        if "--metrics-host" in argv:
            argv[argv.index("--metrics-host") + 1] = "127.0.0.1"
        self.lines: list[str] = []
        self.proc = subprocess.Popen([MOTCUA, *argv], env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())

    @property
    def ready(self) -> bool:
        return any(line.startswith("ready: ") for line in self.lines)

    def problem(self) -> str | None:
        if self.proc.poll() is not None:
            return f"exited {self.proc.returncode}"
        if not self.ready:
            return "never printed ready:"
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"  # what the container healthcheck probes
        with urllib.request.urlopen(url, timeout=5) as response:
            return None if response.status == 200 else f"/metrics answered {response.status}"

    def stop(self) -> int | None:
        """SIGTERM as ``docker stop`` does; the exit code, or None if it had to be killed."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            code = None
        self._reader.join(5)
        self.proc.stdout.close()
        return code


def test_long_running_services_start_answer_their_healthcheck_and_stop_on_sigterm(env: dict):
    assert set(STARTED) == set(LONG_RUNNING) - {"simulator"}
    assert run(command(SERVICES["topic-init"]), env).returncode == 0
    assert run(command(SERVICES["db-migrate"]), env).returncode == 0
    services = [Service(name, env) for name in STARTED]
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not all(s.ready or s.proc.poll() is not None
                                                       for s in services):
            time.sleep(0.2)
        problems = {s.name: s.problem() for s in services}
    finally:
        codes = {s.name: s.stop() for s in services}
    report = {s.name: "\n".join(s.lines[-15:]) for s in services}
    failed = {n: p for n, p in problems.items() if p}
    assert not failed, "\n\n".join(f"{n}: {p}\n{report[n]}" for n, p in failed.items())
    assert codes == {n: 0 for n in STARTED}, report
