"""Shared fixtures. One embedded broker per test session; uuid topic and group names per test.

Integration tests *run*: the embedded broker ships with the project, and the session starts its own
PostgreSQL cluster (initdb on a spare loopback port, trust auth, stopped at the end), so a bare
machine needs nothing running. ``MOTCUA_TEST_BROKER=kafka`` (or ``kafka3``) runs the suite on
Apache Kafka, one node (three) from the Maven cache (``make kafka-fetch``), instead of the
embedded Tansu broker; ``MOTCUA_TEST_KAFKA`` points it at another broker,
``MOTCUA_TEST_POSTGRES`` at another database.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

from motcua.broker import EmbeddedBroker, ensure_topics
from motcua.kafka_cluster import KafkaCluster
from motcua.orchestrator import free_port as _free_port
from schemas.topics import Topic
from tests.pg_cluster import OwnPostgres


#: MOTCUA_TEST_BROKER: the session's broker
BROKERS = {"tansu": 0, "kafka": 1, "kafka3": 3}  # name -> Apache Kafka nodes (0: embedded Tansu)


def test_broker_nodes() -> int:
    """Apache Kafka nodes of the session's broker (0 for the embedded Tansu broker)."""
    name = os.environ.get("MOTCUA_TEST_BROKER", "tansu")
    if name not in BROKERS:
        raise pytest.UsageError(f"MOTCUA_TEST_BROKER={name!r}: expected one of {sorted(BROKERS)}")
    return BROKERS[name]


test_broker_nodes.__test__ = False  # a helper, not a test


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Bootstrap address of the session's broker: ``MOTCUA_TEST_KAFKA`` if set, else the one
    ``MOTCUA_TEST_BROKER`` names: ``tansu`` (default, embedded), ``kafka`` (Apache Kafka, one
    node) or ``kafka3`` (three nodes; faust's own topics then get three replicas too)."""
    if os.environ.get("MOTCUA_TEST_KAFKA"):
        yield os.environ["MOTCUA_TEST_KAFKA"]
        return
    nodes = test_broker_nodes()
    if not nodes:
        log = tmp_path_factory.mktemp("broker") / "broker.log"
        with EmbeddedBroker(_free_port(), log) as broker:
            yield broker.bootstrap
        return
    os.environ["MOTCUA_TOPIC_REPLICATION_FACTOR"] = str(min(3, nodes))  # for worker processes
    with KafkaCluster(tmp_path_factory.mktemp("kafka"), nodes) as cluster:
        yield cluster.bootstrap


@pytest.fixture
def unique() -> str:
    """A short unique suffix for topic, group and database names."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
def make_topic(kafka_bootstrap: str, unique: str):
    """Factory: create a fresh topic ``{base}-{uuid}`` and return its name."""
    def make(base: str = "t", partitions: int = 3, cleanup_policy: str = "delete") -> str:
        name = f"{base}-{unique}-{uuid.uuid4().hex[:6]}"
        ensure_topics(kafka_bootstrap, partitions, [Topic(name, "test", "k", cleanup_policy)])
        return name
    return make


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """SQLAlchemy URL of the test PostgreSQL (psycopg 3 driver): the session's private cluster
    unless MOTCUA_TEST_POSTGRES names another."""
    if os.environ.get("MOTCUA_TEST_POSTGRES"):
        yield os.environ["MOTCUA_TEST_POSTGRES"]
        return
    root = Path(tempfile.mkdtemp(prefix="motcua-pg-"))  # outside pytest's root-only tmp dir
    pg = OwnPostgres(root)
    pg.start()
    try:
        yield pg.url
    finally:
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    d = tmp_path / "var"
    d.mkdir()
    return d
