"""A local Apache Kafka cluster (KRaft) for tests, benchmarks and ``motcua up --broker kafka``.

Apache Kafka itself, fetched once from the Maven repository by ``mvn`` into
``~/.cache/motcua/kafka-<version>/libs`` (``MOTCUA_CACHE_DIR`` moves the root; offline afterwards),
run as 1 or 3 combined broker+controller JVMs on loopback. The cluster-wide settings come from
``motcua/kafka_broker_settings.csv``, the same file the compose cluster's environment is checked
against (tests/unit/test_kafka_cluster.py): what is tested is what is shipped. On one node the
file's ``single_node_value`` applies (replication factor 1, min ISR 1).
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from motcua.broker import ensure_topics
from motcua.lifetime import die_with_parent, terminate
from motcua.orchestrator import answers, free_port
from schemas.topics import prefixed

__all__ = ["KAFKA_VERSION", "KafkaCluster", "KafkaError", "broker_settings", "fetch", "local_kafka"]

#: The Apache Kafka release run locally and named by docker-compose.yml (apache/kafka image).
KAFKA_VERSION = "4.1.1"
#: log4j2 and its slf4j 1.x binding (what the Apache Kafka 4.1 distribution ships)
_LOG4J_VERSION = "2.24.3"
SETTINGS_FILE = Path(__file__).with_name("kafka_broker_settings.csv")
_JVM_OPTS = ("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
             "-Djava.awt.headless=true")


class KafkaError(RuntimeError):
    """Apache Kafka could not be fetched, formatted or started; the message says what to do."""


def broker_settings(nodes: int) -> dict[str, str]:
    """The cluster-wide broker properties for a cluster of ``nodes`` (1 → single-node values)."""
    with open(SETTINGS_FILE, newline="") as f:
        rows = list(csv.DictReader(f))
    column = "single_node_value" if nodes == 1 else "value"
    return {r["property"]: r[column] for r in rows}


def cache_root() -> Path:
    return Path(os.environ.get("MOTCUA_CACHE_DIR") or Path.home() / ".cache" / "motcua")


def _require(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if not path:
        raise KafkaError(f"`{tool}` is not installed: Apache Kafka needs it (Debian: apt-get "
                         f"install {package}, or scripts/install-system-packages)")
    return path


def fetch(version: str = KAFKA_VERSION) -> Path:
    """The directory of Apache Kafka's jars, fetched through Maven on first use (file-locked,
    so concurrent test sessions fetch once)."""
    home = cache_root() / f"kafka-{version}"
    libs, done = home / "libs", home / "libs" / ".complete"
    if done.exists():
        return libs
    mvn = _require("mvn", "maven")
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.exists():
            return libs
        shutil.rmtree(libs, ignore_errors=True)
        (home / "pom.xml").write_text(_POM.format(kafka=version, log4j=_LOG4J_VERSION))
        res = subprocess.run(
            [mvn, "-q", "-B", "-f", str(home / "pom.xml"), "dependency:copy-dependencies",
             f"-DoutputDirectory={libs}", "-DincludeScope=runtime"],
            capture_output=True, text=True, timeout=1200)
        if res.returncode != 0:
            raise KafkaError(f"mvn could not fetch Apache Kafka {version}:\n"
                             + (res.stdout + res.stderr)[-3000:])
        done.touch()
    return libs


_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>motcua.local</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId>
      <version>{kafka}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId>
      <version>{log4j}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId>
      <version>{log4j}</version></dependency>
  </dependencies>
</project>
"""

_LOG4J2 = """status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = out
logger.state.name = state.change.logger
logger.state.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
"""


@dataclass
class _Node:
    index: int
    port: int            # clients (CLIENT listener)
    controller_port: int
    internal_port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.directory / "server.log"


class KafkaCluster:
    """``nodes`` combined broker+controller JVMs under ``directory``; ``start()`` returns once
    every broker answers a metadata request and has registered.

    ``stop_node``/``kill_node``/``start_node`` are for fault tests; a node keeps its log
    directory across them (it is a restart, not a new broker).
    """

    def __init__(self, directory: Path, nodes: int = 1, version: str = KAFKA_VERSION) -> None:
        if nodes not in (1, 3):
            raise KafkaError(f"nodes={nodes}: a local Apache Kafka cluster has 1 or 3 nodes")
        self.directory, self.version = directory, version
        self.cluster_id = _cluster_id()
        self.nodes = [_Node(i, free_port(), free_port(), free_port(), directory / f"node-{i + 1}")
                      for i in range(nodes)]

    @property
    def bootstrap(self) -> str:
        return ",".join(n.address for n in self.nodes)

    def info(self) -> list[dict]:
        """Each node's ``address``, ``pid`` (None when down) and ``log`` (for run.json)."""
        return [{"address": n.address, "pid": n.process.pid if self._alive(n) else None,
                 "log": str(n.log_path)} for n in self.nodes]

    def start(self, timeout: float = 90.0) -> "KafkaCluster":
        java = _require("java", "default-jre-headless")
        self._libs = fetch(self.version)
        self._java = java
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "log4j2.properties").write_text(_LOG4J2)
        self._format()
        try:
            for node in self.nodes:
                self._launch(node)
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _format(self) -> None:
        """Write each node's server.properties and format its KRaft storage (in parallel: one
        JVM start each)."""
        formats = []
        for node in self.nodes:
            if (node.directory / "data" / "meta.properties").exists():
                continue  # a restart of the whole cluster: its storage is kept
            node.directory.mkdir(parents=True, exist_ok=True)
            path = node.directory / "server.properties"
            path.write_text("".join(f"{k}={v}\n" for k, v in self._properties(node).items()))
            formats.append((node, subprocess.Popen(
                [self._java, *_JVM_OPTS, "-cp", f"{self._libs}/*",
                 f"-Dlog4j2.configurationFile={self.directory / 'log4j2.properties'}",
                 "kafka.tools.StorageTool", "format", "--cluster-id", self.cluster_id,
                 "--config", str(path), "--ignore-formatted"],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)))
        for node, proc in formats:
            out, _ = proc.communicate(timeout=120)
            if proc.returncode != 0:
                raise KafkaError(f"formatting node {node.index + 1} failed:\n{out[-2000:]}")

    def _properties(self, node: _Node) -> dict[str, str]:
        voters = ",".join(f"{n.index + 1}@127.0.0.1:{n.controller_port}" for n in self.nodes)
        return {
            "process.roles": "broker,controller",
            "node.id": str(node.index + 1),
            "controller.quorum.voters": voters,
            "controller.listener.names": "CONTROLLER",
            "listeners": (f"CLIENT://127.0.0.1:{node.port},CONTROLLER://127.0.0.1:"
                          f"{node.controller_port},INTERNAL://127.0.0.1:{node.internal_port}"),
            "advertised.listeners": (f"CLIENT://127.0.0.1:{node.port},"
                                     f"INTERNAL://127.0.0.1:{node.internal_port}"),
            "listener.security.protocol.map":
                "CLIENT:PLAINTEXT,CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT",
            "inter.broker.listener.name": "INTERNAL",
            "log.dirs": str(node.directory / "data"),
            **broker_settings(len(self.nodes)),
        }

    def _launch(self, node: _Node) -> None:
        argv = [self._java, *_JVM_OPTS, "-cp", f"{self._libs}/*",
                f"-Dlog4j2.configurationFile={self.directory / 'log4j2.properties'}",
                "kafka.Kafka", str(node.directory / "server.properties")]
        with open(node.log_path, "ab") as log:
            node.process = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, preexec_fn=die_with_parent(signal.SIGKILL))

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Until every running node is a registered broker that answers a metadata request."""
        deadline = time.monotonic() + timeout
        up = [n for n in self.nodes if n.process is not None]
        while True:
            for n in up:
                if n.process.poll() is not None:
                    raise KafkaError(f"Kafka node {n.index + 1} exited with "
                                     f"{n.process.returncode}; see {n.log_path}")
            if all(_registered(n.address, len(up)) for n in up):
                return
            if time.monotonic() > deadline:
                raise KafkaError(f"Apache Kafka on {self.bootstrap} not ready within "
                                 f"{timeout:.0f}s; see {self.directory}/node-*/server.log")
            time.sleep(0.25)

    def stop_node(self, index: int, timeout: float = 30.0) -> None:
        """SIGTERM (a controlled shutdown: leadership moves first), SIGKILL after ``timeout``."""
        node = self.nodes[index]
        proc, node.process = node.process, None
        terminate(proc, timeout)

    def kill_node(self, index: int) -> None:
        """SIGKILL: the broker vanishes mid-request, as in a power cut."""
        node = self.nodes[index]
        proc, node.process = node.process, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()

    def start_node(self, index: int, timeout: float = 90.0) -> None:
        """Start a stopped node again on its ports and log directory; returns once it answers."""
        node = self.nodes[index]
        if self._alive(node):
            return
        self._launch(node)
        deadline = time.monotonic() + timeout
        while not _registered(node.address, 1):
            if node.process.poll() is not None:
                raise KafkaError(f"Kafka node {index + 1} exited with {node.process.returncode}"
                                 f"; see {node.log_path}")
            if time.monotonic() > deadline:
                raise KafkaError(f"Kafka node {index + 1} not back within {timeout:.0f}s")
            time.sleep(0.25)

    def stop(self, timeout: float = 20.0) -> None:
        """Stop every node at once (idempotent): one at a time, the last ones would wait for a
        controller quorum that is already gone."""
        procs = [n.process for n in self.nodes if self._alive(n)]
        for node in self.nodes:
            node.process = None
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def __enter__(self) -> "KafkaCluster":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @staticmethod
    def _alive(node: _Node) -> bool:
        return node.process is not None and node.process.poll() is None


def _registered(address: str, brokers: int) -> bool:
    """Whether ``address`` answers a metadata request naming at least ``brokers`` brokers."""
    from kafka import KafkaAdminClient

    if not answers(int(address.rsplit(":", 1)[1])):
        return False  # kafka-python would spend its whole bootstrap timeout finding that out
    # the local cluster listens in plaintext on loopback only: no security settings apply
    probe = {"client_id": "motcua-ready", "request_timeout_ms": 3000}
    try:
        admin = KafkaAdminClient(bootstrap_servers=address, **probe)
    except Exception:  # noqa: BLE001 - NoBrokersAvailable and friends: not up yet
        return False
    try:
        return len(admin.describe_cluster().get("brokers", [])) >= brokers
    except Exception:  # noqa: BLE001
        return False
    finally:
        admin.close()


def _cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (22 characters)."""
    import base64

    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


@contextlib.contextmanager
def local_kafka(settings, nodes: int = 1,  # noqa: ANN001 - motcua.settings.Settings
                partitions: int | None = None) -> Iterator[KafkaCluster]:
    """A new cluster in ``STATE_DIR/kafka`` (the last one's data removed) with the contract's
    topics, replicated on every node up to three; stopped when the ``with`` block ends."""
    directory = settings.state_dir / "kafka"
    shutil.rmtree(directory, ignore_errors=True)
    with KafkaCluster(directory, nodes) as cluster:
        ensure_topics(cluster.bootstrap, partitions or settings.topic_partitions,
                      prefixed(settings.topic_prefix), replication=min(3, nodes))
        yield cluster
