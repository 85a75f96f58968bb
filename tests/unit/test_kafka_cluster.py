"""The local Apache Kafka cluster runs the compose cluster's broker settings, from one file.

``motcua/kafka_broker_settings.csv`` is the single source: every row must be in the compose
brokers' environment with the same value, and every guarantee-bearing variable of the compose
file must be a row (so a setting changed in one place only fails here).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from motcua.kafka_cluster import (KAFKA_VERSION, SETTINGS_FILE, KafkaCluster, KafkaError,
                                  broker_settings, fetch)
from tests.unit.test_compose import BROKERS, COMPOSE, SECURITY, interpolate, service_env

#: compose variables that are per-deployment wiring (listeners, ids, paths, heap), not settings
WIRING = {"CLUSTER_ID", "KAFKA_PROCESS_ROLES", "KAFKA_CONTROLLER_QUORUM_VOTERS",
          "KAFKA_CONTROLLER_LISTENER_NAMES", "KAFKA_LISTENERS", "KAFKA_ADVERTISED_LISTENERS",
          "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "KAFKA_INTER_BROKER_LISTENER_NAME",
          "KAFKA_LOG_DIRS", "KAFKA_HEAP_OPTS", "KAFKA_NODE_ID"}


def env_name(prop: str) -> str:
    return "KAFKA_" + prop.upper().replace(".", "_")


@pytest.fixture(scope="module")
def brokers() -> list[dict[str, str]]:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    return [{k: interpolate(str(v)) for k, v in service_env(services[b]).items()}
            for b in BROKERS]


def test_every_setting_of_the_file_is_the_compose_brokers_value(brokers):
    for env in brokers:
        for prop, value in broker_settings(3).items():
            assert env.get(env_name(prop)) == value, f"{env_name(prop)} in docker-compose.yml"


def test_every_compose_broker_setting_comes_from_the_file(brokers):
    names = {env_name(p) for p in broker_settings(3)}
    for env in brokers:
        assert set(env) - WIRING <= names, "add the setting to motcua/kafka_broker_settings.csv"


def test_each_row_says_why_and_one_node_relaxes_only_replication():
    with open(SETTINGS_FILE, newline="") as f:
        rows = list(csv.DictReader(f))
    assert all(r["reason"].strip() for r in rows)
    three, one = broker_settings(3), broker_settings(1)
    assert three["default.replication.factor"] == "3" and three["min.insync.replicas"] == "2"
    assert one["default.replication.factor"] == "1" and one["min.insync.replicas"] == "1"
    assert three["unclean.leader.election.enable"] == one["unclean.leader.election.enable"] \
        == "false"
    relaxed = {k for k in three if three[k] != one[k]}
    assert relaxed <= {"default.replication.factor", "min.insync.replicas",
                       "offsets.topic.replication.factor",
                       "transaction.state.log.replication.factor", "transaction.state.log.min.isr"}


def test_compose_runs_the_apache_kafka_version_the_tests_run():
    for path in (COMPOSE, SECURITY):
        assert f"apache/kafka:{KAFKA_VERSION}" in path.read_text(), path.name


def test_a_node_gets_the_file_settings_plus_its_own_loopback_listeners(tmp_path: Path):
    cluster = KafkaCluster(tmp_path, nodes=3)
    props = cluster._properties(cluster.nodes[1])
    assert props["node.id"] == "2"
    assert props["controller.quorum.voters"].count("@127.0.0.1:") == 3
    assert props["advertised.listeners"].startswith(f"CLIENT://{cluster.nodes[1].address},")
    assert {k: props[k] for k in broker_settings(3)} == broker_settings(3)
    assert cluster.bootstrap.count(",") == 2


def test_only_one_or_three_nodes(tmp_path: Path):
    with pytest.raises(KafkaError, match="1 or 3"):
        KafkaCluster(tmp_path, nodes=2)


def test_a_missing_maven_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MOTCUA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no mvn, no java
    with pytest.raises(KafkaError, match=r"`mvn` is not installed.*maven"):
        fetch()


def test_a_missing_java_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(KafkaError, match=r"`java` is not installed.*default-jre-headless"):
        KafkaCluster(tmp_path / "cluster", nodes=1).start()
