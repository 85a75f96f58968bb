"""SIGKILL a worker mid-scenario and restart it: no flag lost or doubled (after dedupe by id)
and the final metric snapshots equal those of an uninterrupted run."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.dossier_events import SO_TNMT, at, code, heartbeat, received, resolved, transferred
from tests.worker_harness import Deployment

pytestmark = pytest.mark.integration
N = 40
SENTINEL = code(999, day="250901")
END, HOUR = at("2025-08-25", "09:00"), dt.timedelta(hours=1)
SENTINEL_KEYS = [f"{key}:{w}" for key in ("province:all", "agency:000.00.15.H47",
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


def finished(dep: Deployment) -> tuple[list, dict]:
    def done(records):
        latest = {r.subject: r.data for r in records}
        return all(k in latest and latest[k].as_of == END + HOUR for k in SENTINEL_KEYS)
    snaps = dep.read("compliance-metrics", done, timeout=90)
    while True:  # facts from other partitions may still follow with the same as_of: wait for quiet
        try:
            snaps = dep.read("compliance-metrics", lambda r, n=len(snaps): len(r) > n, timeout=4)
        except AssertionError:
            break
    latest = {}
    for s in snaps:
        latest[s.subject] = (s.data.as_of, s.data.values)
    return snaps, latest


def test_sigkill_and_restart_loses_and_doubles_nothing(kafka_bootstrap, unique, state_dir,
                                                        tmp_path):
    events = workload()
    reference = Deployment(kafka_bootstrap, unique + "r", tmp_path / "ref")
    killed = Deployment(kafka_bootstrap, unique + "k", state_dir)
    try:
        reference.start_worker("r")
        reference.send(events)
        _, expected_metrics = finished(reference)
        expected_flags = reference.read("dossier-flags", lambda r: len(r) > 0)
        expected_ids = {f.id for f in expected_flags}
        assert len(expected_ids) == len(expected_flags) >= N // 2

        worker = killed.start_worker("k")
        half = len(events) // 2
        killed.send(events[:half])
        killed.read("dossier-flags", lambda r: len(r) >= 3)
        worker.kill()
        killed.send(events[half:])
        # a fresh local store restores from the changelog; reusing the killed worker's RocksDB
        # trips faust's offset check on the embedded broker, whose high-watermark lags a batch
        killed.start_worker("k2")
        _, metrics = finished(killed)
        flags = killed.read("dossier-flags", lambda r: {f.id for f in r} >= expected_ids,
                            timeout=60)
        ids = [f.id for f in flags]
        assert set(ids) == expected_ids
        print(f"raw duplicate flags after SIGKILL: {len(ids) - len(set(ids))}")
        diff = {k: (metrics.get(k), v) for k, v in expected_metrics.items() if metrics.get(k) != v}
        assert not diff, [(k, a and a[0], b[0]) for k, (a, b) in sorted(diff.items())]
    finally:
        reference.close()
        killed.close()
