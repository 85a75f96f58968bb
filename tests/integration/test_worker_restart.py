"""SIGKILL a worker mid-scenario and restart it — with its own RocksDB store, or a fresh one
restored from the changelog: no flag lost or doubled (after dedupe by id) and the final metric
snapshots, taken once the worker is quiescent, equal those of an uninterrupted run."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tests.dossier_events import SO_TNMT, SO_XD, at, code, heartbeat, received, resolved, transferred
from tests.worker_harness import Deployment

pytestmark = pytest.mark.integration
N = 40
SENTINEL = code(999, day="250901")
END, HOUR = at("2025-08-25", "09:00"), dt.timedelta(hours=1)
SENTINEL_KEYS = [f"{key}:{w}" for key in ("province:all", f"agency:{SO_XD}",
                                          "procedure:1.004227", "field:xay-dung", "channel:online")
                 for w in ("day", "rolling_30d", "month_to_date", "quarter_to_date")]


def workload():
    events = []
    for n in range(1, N + 1):
        c, t0 = code(n), at("2025-08-04", "09:30") + dt.timedelta(hours=n % 7, days=n % 5)
        events += [received(c, t0, days=3), transferred(c, t0 + dt.timedelta(hours=1), SO_TNMT, 1, 1)]
        if n % 3:
            events.append(resolved(c, t0 + dt.timedelta(days=2 + n % 4), agency=SO_TNMT))
    day = at("2025-08-04", "18:00")
    events += [heartbeat(day + dt.timedelta(days=i)) for i in range(20)]
    events.sort(key=lambda e: e.time)
    return events + [received(SENTINEL, END), resolved(SENTINEL, END + HOUR)]


def describe(diff: dict) -> list:
    """(snapshot key, {value: (got, expected)}) for each differing snapshot."""
    out = []
    for key, (got, want) in sorted(diff.items()):
        if got is None:
            out.append((key, "missing"))
            continue
        names = set(got[1]) | set(want[1])
        out.append((key, got[0] != want[0] and (got[0], want[0]),
                    {n: (got[1].get(n), want[1].get(n)) for n in sorted(names)
                     if got[1].get(n) != want[1].get(n)}))
    return out


@pytest.fixture(scope="module")
def reference(kafka_bootstrap, tmp_path_factory):
    """The uninterrupted run: (final metrics, flag ids)."""
    events = workload()
    dep = Deployment(kafka_bootstrap, uuid.uuid4().hex[:10] + "r", tmp_path_factory.mktemp("ref"))
    try:
        dep.start_worker("r")
        dep.send(events)
        metrics = dep.quiescent_metrics()
        flags = dep.read_all("dossier-flags")  # every partition: on 3 brokers they arrive apart
    finally:
        dep.close()
    ids = {f.id for f in flags}
    assert len(ids) == len(flags) >= N // 2
    assert all(k in metrics and metrics[k][0] == END + HOUR for k in SENTINEL_KEYS)
    return events, metrics, ids


def killed_run(dep: Deployment, events: list, restart_id: str) -> tuple[dict, list[str]]:
    """Half the events, SIGKILL mid-stream, the rest, restart as ``restart_id``."""
    worker = dep.start_worker("k")
    half = len(events) // 2
    dep.send(events[:half])
    dep.read("dossier-flags", lambda r: len(r) >= 3)
    worker.kill()
    dep.send(events[half:])
    dep.start_worker(restart_id)
    metrics = dep.quiescent_metrics()
    return metrics, [f.id for f in dep.read_all("dossier-flags")]


def assert_same_as_reference(reference, metrics: dict, ids: list[str]) -> None:
    _, expected_metrics, expected_ids = reference
    assert set(ids) == expected_ids
    print(f"raw duplicate flags after SIGKILL: {len(ids) - len(set(ids))}")
    diff = {k: (metrics.get(k), v) for k, v in expected_metrics.items() if metrics.get(k) != v}
    assert not diff, describe(diff)
    assert set(metrics) == set(expected_metrics)


def test_sigkill_then_restart_with_the_same_worker_id_reuses_rocksdb(
        reference, kafka_bootstrap, unique, state_dir):
    # the restarted worker opens the killed one's RocksDB (STATE_DIR/worker-k): faust checks its
    # persisted changelog offsets against the changelog's end and catches up from there
    dep = Deployment(kafka_bootstrap, unique, state_dir)
    try:
        metrics, ids = killed_run(dep, reference[0], restart_id="k")
        assert (state_dir / "worker-k").is_dir()
        assert_same_as_reference(reference, metrics, ids)
    finally:
        dep.close()


# The restart joins while the killed member still holds its partitions, so a second rebalance
# follows mid-stream: the case that found the records faust drops around a rebalance
# (stream_processors/contiguous.py, batch_safety.BatchGate).
def test_sigkill_then_a_fresh_worker_restores_from_the_changelog(
        reference, kafka_bootstrap, unique, state_dir):
    dep = Deployment(kafka_bootstrap, unique, state_dir)
    try:
        metrics, ids = killed_run(dep, reference[0], restart_id="k2")
        assert_same_as_reference(reference, metrics, ids)
    finally:
        dep.close()
