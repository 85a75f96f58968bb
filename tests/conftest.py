"""Shared fixtures. One embedded broker per test session; uuid topic and group names per test.

Integration tests *run*: the embedded broker ships with the project, and the session starts its own
PostgreSQL cluster (initdb on a spare loopback port, trust auth, stopped at the end), so a bare
machine needs nothing running. ``MOTCUA_TEST_KAFKA`` points the suite at another broker;
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
from motcua.orchestrator import free_port as _free_port
from schemas.topics import Topic
from tests.pg_cluster import OwnPostgres


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Bootstrap address of the session's broker (embedded unless MOTCUA_TEST_KAFKA is set)."""
    if os.environ.get("MOTCUA_TEST_KAFKA"):
        yield os.environ["MOTCUA_TEST_KAFKA"]
        return
    log = tmp_path_factory.mktemp("broker") / "broker.log"
    with EmbeddedBroker(_free_port(), log) as broker:
        yield broker.bootstrap


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
