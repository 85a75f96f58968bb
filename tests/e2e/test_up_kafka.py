"""`motcua up --broker kafka --kafka-nodes 3`: the whole pipeline on a local Apache Kafka
cluster, its nodes named in run.json, and none of them left behind."""

import json
from pathlib import Path

import pytest

from tests.e2e.uprun import UpRun
from tests.waiting import process_gone, wait_until

pytestmark = pytest.mark.e2e


def test_up_on_three_apache_kafka_nodes_names_them_and_stops_them(tmp_path):
    up = UpRun(tmp_path / "var", "--broker", "kafka", "--kafka-nodes", "3", "--duration", "40")
    try:
        up.wait_line("ready: motcua up", timeout=240)
        nodes = up.run_info()["kafka_nodes"]
        assert len(nodes) == 3, nodes
        assert up.run_info()["kafka_bootstrap"] == ",".join(n["address"] for n in nodes)
        for node in nodes:
            assert not process_gone(node["pid"]), node
            assert "Kafka Server started" in Path(node["log"]).read_text(), node
        assert up.wait(timeout=180) == 0, up.output
    finally:
        up.kill()
    summary = json.loads((tmp_path / "var" / "summary.json").read_text())
    assert summary["events"] > 0 and summary["flags"].get("at_risk", 0) > 0, summary
    assert summary["letters"] > 0 and summary["failed_to_stop_cleanly"] == [], summary
    wait_until(lambda: all(process_gone(n["pid"]) for n in nodes), 30, "the Kafka nodes to end")
