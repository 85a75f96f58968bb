"""``motcua worker``: run one stream-processor worker (any number form one consumer group)."""

from __future__ import annotations

import argparse
import functools
import socket

from motcua.broker import kafka_bootstrap, true_end_offsets
from motcua.kafka import aiokafka_config, faust_config, kafka_python_config
from motcua.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "worker", help="run a stream-processor worker (dossier state, flags, metrics)",
        description="Consume the lifecycle and catalog topics, keep per-dossier state, publish "
                    "at-risk/overdue flags, classifications, metric snapshots and dead letters. "
                    "Workers with the same MOTCUA_WORKER_APP_ID share the partitions. Prints "
                    "'ready: worker ...' once it has joined; stops cleanly on SIGTERM/SIGINT.")
    p.add_argument("--metrics-port", type=int, default=0,
                   help="Prometheus port on MOTCUA_METRICS_HOST (127.0.0.1 by default; "
                        "0 = disabled, the default)")
    p.add_argument("--worker-id", default=None,
                   help="stable id of this worker; its RocksDB state lives in STATE_DIR/worker-ID "
                        "(default: the host name, stable across container restarts)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from prometheus_client import CollectorRegistry, start_http_server

    from stream_processors.app import create_app
    from stream_processors.runner import run_app

    worker_id = args.worker_id or default_worker_id()
    registry = CollectorRegistry()
    if args.metrics_port:
        start_http_server(args.metrics_port, addr=settings.metrics_host, registry=registry)
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    with kafka_bootstrap(settings) as bootstrap:
        app = create_app(settings, worker_connection(settings, bootstrap), worker_id=worker_id,
                         registry=registry,
                         on_ready=lambda line: print(line, flush=True))
        return run_app(app)


def worker_connection(settings: Settings, bootstrap: str):  # noqa: ANN201
    """The worker app's :class:`stream_processors.app.Connection` to ``bootstrap``: faust's
    broker options and the true-end-offset probe (Tansu's ListOffsets quirk)."""
    from stream_processors.app import Connection

    return Connection(faust_options=faust_config(settings, bootstrap),
                      end_offsets=functools.partial(true_end_offsets,
                                                    aiokafka_config(settings, bootstrap)),
                      kafka_python=kafka_python_config(settings, bootstrap))


def default_worker_id() -> str:
    """The host name (a container's is stable across restarts, so its RocksDB volume is reused),
    reduced to characters safe in a directory name."""
    name = socket.gethostname() or "local"
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
