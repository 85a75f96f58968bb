"""``motcua up``: the whole pipeline on one machine (what ``make run`` runs)."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import re
import shutil
import signal
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

from motcua import orchestrator as orch
from motcua.commands._signals import stop_event
from motcua.broker import embedded_nodes, kafka_bootstrap, running_embedded
from motcua.kafka_cluster import local_kafka
from motcua.settings import Settings

_STOP_ORDER = ("simulator", "worker", "letters", "db", "board")
_OUT = threading.Lock()


def _say(text: str) -> None:
    """One whole line (or block) at a time: children's lines are echoed from other threads."""
    with _OUT:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "up", help="run broker, worker, sinks, board and simulator together",
        description="Start the embedded broker (or, with --broker kafka, a local Apache Kafka "
                    "cluster; neither when KAFKA_BOOTSTRAP_SERVERS is set), the "
                    "worker, the letter and DB sinks, the board and the simulator as child "
                    "processes; print where everything is and write STATE_DIR/run.json. "
                    "Ctrl-C (or --duration) stops everything and prints a summary.")
    p.add_argument("--broker", choices=["tansu", "kafka"], default="tansu",
                   help="tansu: the embedded memory-only broker (default); kafka: Apache Kafka "
                        "from the Maven cache, fresh in STATE_DIR/kafka (ignored when "
                        "KAFKA_BOOTSTRAP_SERVERS is set)")
    p.add_argument("--kafka-nodes", type=int, choices=[1, 3], default=1,
                   help="Apache Kafka nodes with --broker kafka (3: the compose cluster's "
                        "replication factor 3, min ISR 2)")
    p.add_argument("--duration", type=float, default=None, help="stop after S seconds")
    p.add_argument("--no-simulator", action="store_true", help="run the pipeline alone")
    p.add_argument("--speed", type=float, default=orch.DEFAULT_SPEED,
                   help=f"simulated seconds per wall second (default {orch.DEFAULT_SPEED:g}: "
                        "one simulated day every 5 s)")
    p.add_argument("--seed", type=int, default=None, help="simulator seed")
    p.add_argument("--board-port", type=int, default=None,
                   help="board port (default MOTCUA_BOARD_PORT or 8080; 0 = any free port)")
    p.add_argument("--metrics-base-port", type=int, default=9400,
                   help="components get /metrics on base+1, base+2, ... (0 = free ports)")
    p.add_argument("--ready-timeout", type=float, default=120.0,
                   help="seconds each component may take to print its ready line")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    stop = stop_event()
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    if not settings.kafka_bootstrap_servers and not orch.port_free(settings.broker_port):
        settings = dataclasses.replace(settings, broker_port=orch.free_port())
    _say(f"motcua up: state in {settings.state_dir.resolve()}")
    fresh = not settings.kafka_bootstrap_servers and (
        args.broker == "kafka" or running_embedded(settings.state_dir) is None)
    env = {**os.environ}
    if fresh:
        _archive_previous_run(settings)
        env["MOTCUA_WORKER_STORE"] = "memory"   # a new memory-only broker: no state to resume
    with _broker(args, settings) as (bootstrap, nodes, replication):
        _say(f"kafka: {bootstrap}")
        env.update(KAFKA_BOOTSTRAP_SERVERS=bootstrap)
        if replication:
            env["MOTCUA_TOPIC_REPLICATION_FACTOR"] = str(replication)  # faust's own topics
        sup = orch.Supervisor(settings.state_dir, env, echo=_say)
        try:
            return _run(args, settings, bootstrap, nodes, sup, stop)
        except orch.ComponentFailed as exc:
            _say(f"error: {exc}")
            sup.stop_all(_STOP_ORDER)
            return 1
        except BaseException:
            sup.stop_all(_STOP_ORDER)  # whatever went wrong, leave no component behind
            raise


@contextlib.contextmanager
def _broker(args: argparse.Namespace,
            settings: Settings) -> Iterator[tuple[str, Callable[[], list], int | None]]:
    """(bootstrap, a function listing the broker nodes for run.json, replication factor for
    faust's topics or None to keep the settings')."""
    if args.broker == "kafka" and not settings.kafka_bootstrap_servers:
        with local_kafka(settings, args.kafka_nodes) as cluster:
            yield cluster.bootstrap, cluster.info, min(3, args.kafka_nodes)
        return
    with kafka_bootstrap(settings) as bootstrap:
        yield bootstrap, lambda: embedded_nodes(settings.state_dir), None


def _archive_previous_run(settings: Settings) -> None:
    """Move the last run's local state aside: a new embedded broker starts an empty world, and
    a database or letters left from another world would swallow this run's letters as
    duplicates. Only the default SQLite database is touched; one previous run is kept."""
    if settings.database_url:
        return
    root = settings.state_dir
    names = ["motcua.db", "letters", "run.json", "summary.json", "outbox.sqlite",
             "outbox.sqlite-wal", "outbox.sqlite-shm",
             *[p.name for p in root.glob("worker-*")]]
    present = [n for n in names if (root / n).exists()]
    if not present:
        return
    archive = root / "previous-run"
    shutil.rmtree(archive, ignore_errors=True)
    archive.mkdir()
    for name in present:
        (root / name).rename(archive / name)
    _say(f"previous run's state moved to {archive}")


def _specs(args: argparse.Namespace, settings: Settings) -> list[orch.ComponentSpec]:
    from motcua.cli import build_parser

    board_port = settings.board_port if args.board_port is None else args.board_port
    if board_port == 0 or not orch.port_free(board_port):
        board_port = orch.free_port()
    extra = ("--seed", str(args.seed)) if args.seed is not None else ()
    parser, specs = build_parser(), []
    for spec in orch.plan(not args.no_simulator, args.speed, board_port, extra):
        if orch.available(parser, spec.command):
            specs.append(spec)
        else:
            _say(f"skipped: {spec.name} (`motcua {' '.join(spec.command)}` is not installed)")
    return specs


def _metrics_port(base: int, spec: orch.ComponentSpec) -> int:
    port = base + spec.metrics_offset if base else 0
    return port if port and orch.port_free(port) else orch.free_port()


def _run(args: argparse.Namespace, settings: Settings, bootstrap: str,
         nodes: Callable[[], list], sup: orch.Supervisor, stop: threading.Event) -> int:
    specs = _specs(args, settings)
    started = time.monotonic()
    from motcua.cli import build_parser

    parser = build_parser()
    for command in orch.SETUP_COMMANDS:
        if orch.available(parser, command):
            sup.setup(command)
    pipeline = [sup.start(s, _metrics_port(args.metrics_base_port, s))
                for s in specs if s.name != "simulator"]
    sup.wait_ready(pipeline, args.ready_timeout)
    sims = [sup.start(s, _metrics_port(args.metrics_base_port, s))
            for s in specs if s.name == "simulator"]
    sup.wait_ready(sims, args.ready_timeout)
    info = {**_run_info(settings, bootstrap, sup), "kafka_nodes": nodes()}
    (settings.state_dir / "run.json").write_text(json.dumps(info, indent=2, ensure_ascii=False))
    _announce(info, time.monotonic() - started)
    _watch(args, sup, stop, info.get("board_url"))
    return _finish(settings, sup, info.get("board_url"), time.monotonic() - started)


def _run_info(settings: Settings, bootstrap: str, sup: orch.Supervisor) -> dict[str, Any]:
    board = next((c for c in sup.children if c.spec.name == "board"), None)
    match = re.search(r"https?://\S+", board.ready_line) if board else None
    return {
        "kafka_bootstrap": bootstrap,
        "board_url": match.group(0) if match else None,
        "metrics_urls": {c.spec.name: f"http://127.0.0.1:{c.metrics_port}/metrics"
                         for c in sup.children},
        "database_url": settings.effective_database_url,
        "letters_dir": str((settings.state_dir / "letters").resolve()),
        "logs_dir": str((settings.state_dir / "logs").resolve()),
        "components": {c.spec.name: {"pid": c.process.pid, "log": str(c.log_path)}
                       for c in sup.children},
    }


def _announce(info: dict[str, Any], took: float) -> None:
    _say(f"ready: motcua up in {took:.1f}s")
    _say(f"  board:    {info['board_url'] or '(not running)'}")
    for name, url in info["metrics_urls"].items():
        _say(f"  metrics:  {name:<10} {url}")
    _say(f"  database: {info['database_url']}\n  letters:  {info['letters_dir']}\n"
          f"  logs:     {info['logs_dir']}\n  kafka:    {info['kafka_bootstrap']}")


def _watch(args: argparse.Namespace, sup: orch.Supervisor, stop: threading.Event,
           board_url: str | None) -> None:
    deadline = time.monotonic() + args.duration if args.duration else None
    next_progress = time.monotonic() + 10
    while not stop.wait(0.5):
        sup.check_all()
        now = time.monotonic()
        if deadline and now >= deadline:
            return
        if now >= next_progress:
            next_progress = now + 10
            s = _board_summary(board_url)
            if s:
                _say(f"progress: {_line(s)}")


def _finish(settings: Settings, sup: orch.Supervisor, board_url: str | None, took: float) -> int:
    _say("stopping...")
    for name in _STOP_ORDER[:-1]:
        for child in [c for c in sup.children if c.spec.name == name]:
            sup.stop(child)
    summary = _board_summary(board_url, settle=True)
    sup.stop_all(_STOP_ORDER)
    failed = [f"{c.spec.name} (exit {c.process.returncode})" for c in sup.children
              if c.process.returncode not in (0, -signal.SIGTERM)]
    out = {"seconds": round(took, 1), **(summary or {}), "failed_to_stop_cleanly": failed}
    (settings.state_dir / "summary.json").write_text(json.dumps(out, indent=2, ensure_ascii=False))
    _say(f"summary: {took:.0f}s, " + (_line(summary) if summary else "board unavailable"))
    if failed:
        _say(f"warning: not stopped cleanly: {', '.join(failed)}")
    return 0


def _line(s: dict[str, Any]) -> str:
    flags = ", ".join(f"{k} {v}" for k, v in sorted(s.get("flags", {}).items())) or "none"
    return (f"dossier events {s['events']}, dossiers {s['dossiers']}, flags: {flags}, "
            f"letters {s['letters']}, dead letters {s['dead_letters']}")


def _board_summary(board_url: str | None, settle: bool = False) -> dict[str, Any] | None:
    """The board's /api/summary; with ``settle``, read until two reads 1 s apart agree."""
    if not board_url:
        return None
    last = None
    for _ in range(6 if settle else 1):
        try:
            with urllib.request.urlopen(board_url.rstrip("/") + "/api/summary", timeout=5) as r:
                cur = json.load(r)
        except OSError:
            return last
        if not settle or cur == last:
            return cur
        last = cur
        time.sleep(1)
    return last
