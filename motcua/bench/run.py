"""One benchmark run: every measurement side by side, on one embedded broker, a one-node local
Apache Kafka (``broker="kafka"``) or ``KAFKA_BOOTSTRAP_SERVERS``, with a fresh topic prefix.
Returns the result dict."""

from __future__ import annotations

import contextlib
import os
import platform
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from motcua.broker import EmbeddedBroker, ensure_topics
from motcua.kafka_cluster import KafkaCluster
from schemas.topics import prefixed
from motcua.bench import footprint, latency, pipeline, producer, raw_consume, ticks, \
    year
from motcua.bench.processes import free_port
from motcua.bench.workload import simulated_events, write_records

__all__ = ["REQUIRED_KEYS", "YEAR_KEYS", "SIZES", "run_bench", "run_year"]

#: The keys issue 9 asks for; :func:`run_bench` refuses to return without any of them.
REQUIRED_KEYS = frozenset({
    "raw_consume_eps", "faust_trivial_eps", "faust_table_eps", "pipeline_eps",
    "ratio_pipeline_vs_faust_table", "ratio_pipeline_vs_faust_trivial", "producer_eps",
    "producer_raw_eps", "producer_ratio", "tick_seconds", "tick_growth_1m_vs_10k",
    "flag_latency_p50_s", "flag_latency_p99_s", "bytes_per_open_dossier"})

#: The keys issue 19 asks of ``--year``.
YEAR_KEYS = frozenset({
    "year_eps", "eps_by_month", "rss_mb_by_month", "state_bytes_by_month", "snapshot_s_by_month",
    "takeover_s", "ratio_pipeline_vs_faust_table", "ratio_pipeline_vs_faust_trivial"})

PARTITIONS = 3
#: mode -> (simulated dossiers, latency dossiers, tick sizes)
SIZES = {"quick": (1500, 300, (10_000, 100_000, 1_000_000)),
         "full": (6000, 1000, (10_000, 100_000, 1_000_000)),
         "tiny": (40, 20, (1_000, 2_000, 4_000))}


@contextlib.contextmanager
def _broker(workdir: Path, bootstrap: str | None, broker: str) -> Iterator[str]:
    if bootstrap:
        yield bootstrap
    elif broker == "kafka":
        with KafkaCluster(workdir / "kafka", nodes=1) as cluster:
            yield cluster.bootstrap
    else:
        with EmbeddedBroker(free_port(), workdir / "broker.log") as embedded:
            yield embedded.bootstrap


def _fresh(boot: str) -> Callable[[str], str]:
    """``fresh(tag)``: a new topic prefix with its topics created."""
    def fresh(tag: str) -> str:
        prefix = f"bench-{uuid.uuid4().hex[:6]}-{tag}-"
        ensure_topics(boot, PARTITIONS, prefixed(prefix))
        return prefix
    return fresh


def _step(report: Callable[[str], None]) -> Callable[[str, Callable[[], object]], object]:
    """``step(name, measure)``: run one measurement and report its duration."""
    def step(name: str, measure: Callable[[], object]) -> object:
        started = time.perf_counter()
        value = measure()
        report(f"bench: {name} done in {time.perf_counter() - started:.1f}s")
        return value
    return step


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def run_bench(mode: str = "quick", report: Callable[[str], None] = lambda line: None,
              bootstrap: str | None = None, broker: str = "tansu") -> dict:
    """``broker``: ``tansu`` (embedded) or ``kafka`` (one Apache Kafka node); ignored when
    ``bootstrap`` names a running cluster."""
    dossiers, live_dossiers, tick_sizes = SIZES[mode]
    out: dict = {"mode": mode, "machine": machine(),
                 "broker": "external" if bootstrap else broker}
    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as tmp, \
            _broker(Path(tmp), bootstrap, broker) as boot:
        work = Path(tmp)

        fresh, step = _fresh(boot), _step(report)
        events = simulated_events(dossiers)
        prefix = fresh("in")
        topic = prefix + "dossier-lifecycle"
        records = write_records(boot, topic, events, PARTITIONS)
        out.update(events=len(events), records=records, partitions=PARTITIONS)
        out["raw_consume_eps"] = step("raw consumer",
                                      lambda: raw_consume.raw_consume_eps(boot, topic, records))
        out.update(_ratios(boot, prefix, records, work, step))
        raw_prefix, ours_prefix = fresh("praw"), fresh("pours")
        out["producer_raw_eps"] = step("raw producer", lambda: producer.producer_raw_eps(
            boot, raw_prefix + "dossier-lifecycle", events, PARTITIONS))
        out["producer_eps"] = step("outbox producer", lambda: producer.producer_eps(
            boot, ours_prefix, events, PARTITIONS, work))
        out["producer_ratio"] = out["producer_eps"] / out["producer_raw_eps"]
        costs = step("ticks", lambda: {str(n): ticks.tick_seconds(n) for n in tick_sizes})
        out["tick_seconds"] = costs
        out["tick_growth_1m_vs_10k"] = costs[str(tick_sizes[-1])] / costs[str(tick_sizes[0])]
        lat = step("flag latency", lambda: latency.flag_latencies(
            boot, fresh("live"), PARTITIONS, work, live_dossiers))
        out["flag_latency_flags"] = f"{len(lat)}/{live_dossiers}"  # missing ones: no p99
        out["flag_latency_p50_s"] = latency.percentile(lat, 0.5) if lat else None
        out["flag_latency_p99_s"] = (latency.percentile(lat, 0.99)
                                     if len(lat) == live_dossiers else None)
        out.update(step("footprint", lambda: footprint.footprint(events)))
    missing = REQUIRED_KEYS - out.keys()
    if missing:
        raise RuntimeError(f"bench result lacks {sorted(missing)}")
    return out


def _ratios(boot: str, prefix: str, records: int, work: Path,
            step: Callable[[str, Callable[[], object]], object]) -> dict:
    """faust's trivial and Table agents and our worker on the same records, and the ratios."""
    topic, out = prefix + "dossier-lifecycle", {}
    for kind in ("trivial", "table"):
        out[f"faust_{kind}_eps"] = step(f"faust {kind}", lambda k=kind: pipeline.faust_eps(
            k, boot, topic, records, PARTITIONS, work))
    out["pipeline_eps"] = step("pipeline", lambda: pipeline.pipeline_eps(
        boot, prefix, records, PARTITIONS, work))
    out["ratio_pipeline_vs_faust_table"] = out["pipeline_eps"] / out["faust_table_eps"]
    out["ratio_pipeline_vs_faust_trivial"] = out["pipeline_eps"] / out["faust_trivial_eps"]
    return out


def run_year(dossiers: int = 250_000, report: Callable[[str], None] = lambda line: None,
             bootstrap: str | None = None, broker: str = "tansu") -> dict:
    """``motcua bench --year`` (motcua.bench.year), with the ratios of the
    ``--quick`` workload measured in the same run; ``broker`` as in :func:`run_bench`."""
    out: dict = {"mode": "year", "machine": machine(), "partitions": PARTITIONS,
                 "broker": "external" if bootstrap else broker}
    with tempfile.TemporaryDirectory(prefix="motcua-bench-year-") as tmp, \
            _broker(Path(tmp), bootstrap, broker) as boot:
        work = Path(tmp)

        fresh, step = _fresh(boot), _step(report)
        prefix = fresh("in")
        records = write_records(boot, prefix + "dossier-lifecycle",
                                simulated_events(SIZES["quick"][0]), PARTITIONS)
        out.update(_ratios(boot, prefix, records, work, step))
        out.update(step("year", lambda: year.year_bench(boot, fresh, dossiers, PARTITIONS, work,
                                                        report)))
        out["ratio_year_vs_faust_table"] = out["year_eps"] / out["faust_table_eps"]
    missing = YEAR_KEYS - out.keys()
    if missing:
        raise RuntimeError(f"bench result lacks {sorted(missing)}")
    return out
