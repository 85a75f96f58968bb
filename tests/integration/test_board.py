"""The board on the embedded broker: consumes the pipeline's topics, serves state live."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from motcua.broker import ensure_topics
from motcua.commands.board import BOARD_TOPICS
from motcua.observability import new_registry
from schemas.cloudevents import to_record
from schemas.topics import prefixed
from sinks.board import scenario as S
from sinks.board.http import BoardHTTPServer
from sinks.board.service import BoardConfig, BoardService

pytestmark = pytest.mark.integration
EXPECTED = {"events": 4, "dossiers": 3, "flags": {"at_risk": 2, "overdue": 1}, "letters": 1,
            "dead_letters": 1, "open_at_risk": 1, "open_overdue": 1}


def _wait(cond, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _produce(bootstrap, prefix, events, garbage=False):
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for e in events:
        rec = to_record(e)
        producer.send(prefix + e.event_type.topic.name, key=rec.key, value=rec.value,
                      headers=rec.headers)
    if garbage:
        producer.send(prefix + "dossier-flags", key=b"x", value=b"not an event")
    producer.flush()
    producer.close()


@pytest.fixture
def prefix(kafka_bootstrap, unique):
    p = f"b{unique}-"
    ensure_topics(kafka_bootstrap, 3, prefixed(p))
    return p


def _summary(url):
    with urllib.request.urlopen(url + "api/summary", timeout=5) as r:
        return json.load(r)


def _subset(got, expected):
    return all(got.get(k) == v for k, v in expected.items())


def test_board_service_reads_every_topic_and_counts_bad_records(kafka_bootstrap, prefix, tmp_path):
    _produce(kafka_bootstrap, prefix, S.scenario(), garbage=True)
    config = BoardConfig("127.0.0.1", 0, tmp_path, tuple(prefix + t.name for t in BOARD_TOPICS))
    registry = new_registry()
    service = BoardService(config, {"bootstrap_servers": kafka_bootstrap}, registry)
    server = BoardHTTPServer(service)
    service.start()
    server.serve_in_thread()
    try:
        _wait(lambda: _subset(_summary(server.url), EXPECTED), what="scenario on the board")
        assert registry.get_sample_value("motcua_board_records_skipped_total",
                                         {"reason": "contract_error"}) == 1
        new = S.dossier_code(S.AGENCY_TNMT, 77)
        _produce(kafka_bootstrap, prefix, [S.at_risk(new, S.AGENCY_TNMT, S.T0 + S.dt.timedelta(days=8))])
        _wait(lambda: _summary(server.url)["open_at_risk"] == 2, what="the new at-risk dossier")
        with urllib.request.urlopen(server.url + "metrics", timeout=5) as r:
            page = r.read().decode()
        assert f'motcua_dossiers_at_risk_open{{agency="{S.AGENCY_TNMT}"}} 1.0' in page
    finally:
        service.stop()
        server.shutdown()
        server.server_close()


def test_board_command_prints_ready_and_stops_cleanly(kafka_bootstrap, prefix, state_dir):
    _produce(kafka_bootstrap, prefix, S.scenario())
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "MOTCUA_TOPIC_PREFIX": prefix}
    from motcua.orchestrator import free_port

    metrics_port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "motcua", "--state-dir", str(state_dir), "board",
                             "--port", "0", "--metrics-port", str(metrics_port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("ready: board http://127.0.0.1:"), line + proc.stderr.read()
        url = line.split()[2]
        _wait(lambda: _subset(_summary(url), EXPECTED), what="scenario via the command")

        def scraped():
            with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as r:
                return f'motcua_dossiers_at_risk_open{{agency="{S.AGENCY_XD}"}} 1.0' in r.read().decode()
        _wait(scraped, what="current gauges on --metrics-port")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
        assert proc.returncode == 0, err
        assert out.strip().splitlines() == ["board stopped"]
        assert "000.00.15.H47-251103-0001" not in err
    finally:
        if proc.poll() is None:
            proc.kill()


def test_consumer_lag_of_a_group_is_measured(kafka_bootstrap, make_topic, unique, tmp_path):
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.structs import OffsetAndMetadata

    from motcua.kafka import FAST_GROUP_TUNING

    topic, group = make_topic("lag", partitions=1), f"g-{unique}"
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
    for i in range(30):  # one batch each: the embedded broker's log end counts batches' starts
        producer.send(topic, value=b"%d" % i)
        producer.flush()
    producer.close()
    consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=group,
                             enable_auto_commit=False, **FAST_GROUP_TUNING)
    consumer.commit({TopicPartition(topic, 0): OffsetAndMetadata(10, "", -1)})
    consumer.close()
    config = BoardConfig("127.0.0.1", 0, tmp_path, (topic,), lag_groups=(group,),
                         lag_interval_s=0.5)
    registry = new_registry()
    service = BoardService(config, {"bootstrap_servers": kafka_bootstrap}, registry)
    service.start()
    try:
        _wait(lambda: registry.get_sample_value("motcua_consumer_lag_records",
                                                {"group": group, "topic": topic}) is not None,
              what="the lag gauge")
        assert 19 <= registry.get_sample_value(
            "motcua_consumer_lag_records", {"group": group, "topic": topic}) <= 20
    finally:
        service.stop()
