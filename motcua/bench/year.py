"""``motcua bench --year``: a simulated province-year replayed through one worker.

The simulator files ``dossiers`` dossiers over the working days of one year of event time
(2025, heartbeats every 4 h to every partition); the records are written to a fresh lifecycle
topic on the embedded broker (streamed: the year is never held in memory), then one
``motcua worker`` (event-time mode, RocksDB) replays them. While it runs, its Prometheus counter
says how far it got; each time it passes the last record of a month of event time the bench
notes the time, the worker's RSS, the bytes of its state directory (RocksDB files on disk:
deleted keys free space only when RocksDB compacts), the dossiers its state holds
(``motcua_worker_dossiers_held``) and the snapshot cost of the
costliest scope key (``motcua_worker_snapshot_key_seconds``), and the worker's CPU seconds
(``cpu_eps_by_month``: records per CPU second, what the worker costs on a shared machine). Records of dossiers still running
after December (their tail in 2026) count in month 12.

At the end the worker is killed (SIGKILL) and a fresh worker with an empty state directory takes
over: it restores the Tables from their changelogs and catches up. ``takeover_s`` runs from its
start until it applied a marker heartbeat written after the kill. The faust baselines and the
ratios are measured in the same run on the ``--quick`` workload, as ``motcua bench`` does.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from kafka import KafkaProducer

from schemas.cloudevents import Event, to_record
from schemas.lifecycle import ClockHeartbeat
from motcua.bench import pipeline
from motcua.bench.processes import Process, free_port, scrape

__all__ = ["year_bench", "YEAR_START", "write_year"]

YEAR_START = dt.datetime(2025, 1, 1, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
WORKING_DAYS = 250  # weekdays of 2025 that are worked, roughly: filings per weekday = N / this
SAMPLED = (3, 6, 9, 12)


def _month(event: Event) -> int:
    moment = event.time.astimezone(YEAR_START.tzinfo)
    return min(12, max(1, moment.month if moment.year == 2025 else 12))


def write_year(bootstrap: str, topic: str, dossiers: int, partitions: int,
               report: Callable[[str], None]) -> tuple[list[int], dt.datetime]:
    """Simulate and produce the year; returns the cumulative record count at the end of each
    month (index 0 = January) and the time of the last event."""
    from producers.simulator import SimConfig, Simulator
    from stream_processors.core.calendar import default_calendar
    from stream_processors.core.catalog_loader import load_catalog

    config = SimConfig(seed=1, start=YEAR_START + dt.timedelta(hours=7),
                       per_day=dossiers / WORKING_DAYS, heartbeat_every=dt.timedelta(hours=4))
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, batch_size=512 * 1024,
                             acks="all")
    ends, count, month, last = [0] * 12, 0, 1, YEAR_START
    try:
        for event in Simulator(config, load_catalog(), default_calendar()).events(dossiers=dossiers):
            m = _month(event)
            if m != month:
                ends[month - 1:m - 1] = [count] * (m - month)
                report(f"bench year: month {month} written ({count} records)")
                month = m
            key, value, headers = to_record(event)
            targets = range(partitions) if isinstance(event.data, ClockHeartbeat) else [None]
            for p in targets:
                producer.send(topic, key=key, value=value, headers=list(headers), partition=p)
                count += 1
            last = event.time
        producer.flush()
    finally:
        producer.close()
    ends[month - 1:] = [count] * (13 - month)
    return ends, last


def write_marker(bootstrap: str, topic: str, at: dt.datetime, partitions: int) -> None:
    """One heartbeat per partition at ``at``: applied only after everything before it."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        key, value, headers = to_record(Event(id=f"year-marker-{at.timestamp()}",
                                              source="urn:motcua:bench", time=at,
                                              subject="bench", data=ClockHeartbeat("bench")))
        for p in range(partitions):
            producer.send(topic, key=key, value=value, headers=list(headers), partition=p)
        producer.flush()
    finally:
        producer.close()


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _worker(bootstrap: str, prefix: str, partitions: int, state: Path, port: int) -> Process:
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "MOTCUA_TOPIC_PREFIX": prefix,
           "MOTCUA_TIME_SOURCE": "event", "MOTCUA_TOPIC_PARTITIONS": str(partitions),
           "MOTCUA_STATE_DIR": str(state), "MOTCUA_WORKER_STORE": "rocksdb"}
    motcua = str(Path(sys.executable).with_name("motcua"))
    return Process([motcua, "worker", "--metrics-port", str(port), "--worker-id", "bench-year"],
                   env)


def year_bench(bootstrap: str, fresh: Callable[[str], str], dossiers: int, partitions: int,
               workdir: Path, report: Callable[[str], None]) -> dict:
    prefix = fresh("year")
    topic = prefix + "dossier-lifecycle"
    started = time.perf_counter()
    ends, last_time = write_year(bootstrap, topic, dossiers, partitions, report)
    out: dict = {"year_dossiers": dossiers, "year_records": ends[-1],
                 "year_write_s": time.perf_counter() - started}
    report(f"bench year: {ends[-1]} records written; replaying")
    port, state = free_port(), workdir / "year-state"
    proc = _worker(bootstrap, prefix, partitions, state, port)
    marks: dict[int, float] = {}
    try:
        proc.wait_line("ready: worker", timeout=300)
        first_at, first = _count(port, 1)
        marks[0], cpu = first_at, [_cpu_s(proc.proc.pid)]
        eps, cpu_eps, rss, size, snap, held = {}, {}, {}, {}, {}, {}
        for month in range(1, 13):
            marks[month], _ = _count(port, ends[month - 1])
            cpu.append(_cpu_s(proc.proc.pid))
            done = ends[month - 1] - (ends[month - 2] if month > 1 else first)
            eps[str(month)] = done / max(1e-9, marks[month] - marks[month - 1])
            # the machine is shared: records per CPU second of the worker shows its own cost
            cpu_eps[str(month)] = done / max(1e-9, cpu[-1] - cpu[-2])
            if month in SAMPLED:
                rss[str(month)] = _rss_mb(proc.proc.pid)
                size[str(month)] = _dir_bytes(state)
                held[str(month)] = scrape(port, "motcua_worker_dossiers_held")
            if month in (3, 12):
                snap[str(month)] = scrape(port, "motcua_worker_snapshot_key_seconds")
            report(f"bench year: month {month} applied, {eps[str(month)]:.0f} records/s")
        out.update(year_eps=(ends[-1] - first) / (marks[12] - first_at), eps_by_month=eps,
                   year_cpu_eps=(ends[-1] - first) / max(1e-9, cpu[-1] - cpu[0]),
                   cpu_eps_by_month=cpu_eps,
                   rss_mb_by_month=rss, state_bytes_by_month=size, snapshot_s_by_month=snap,
                   dossiers_held_by_month=held,
                   evicted_dossiers=scrape(port, "motcua_worker_evicted_dossiers_total"))
        proc.kill()
    finally:
        proc.stop()
    out["takeover_s"] = _takeover(bootstrap, prefix, topic, partitions, workdir, last_time, report)
    return out


def _takeover(bootstrap: str, prefix: str, topic: str, partitions: int, workdir: Path,
              last_time: dt.datetime, report: Callable[[str], None]) -> float:
    marker = last_time + dt.timedelta(minutes=1)
    write_marker(bootstrap, topic, marker, partitions)
    port = free_port()
    started = time.perf_counter()
    proc = _worker(bootstrap, prefix, partitions, workdir / "year-takeover", port)
    try:
        proc.wait_line("ready: worker", timeout=600)
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            if scrape(port, "motcua_worker_watermark_timestamp_seconds") >= marker.timestamp():
                took = time.perf_counter() - started
                report(f"bench year: a fresh worker took over in {took:.1f}s")
                return took
            time.sleep(0.5)
        raise RuntimeError("the fresh worker did not take over within 30 minutes")
    finally:
        proc.stop()


def _count(port: int, at_least: float) -> tuple[float, float]:
    return pipeline._wait_count(port, "lifecycle", at_least, timeout=3600)
