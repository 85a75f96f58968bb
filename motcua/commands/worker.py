"""``motcua worker``: run one stream-processor worker (any number form one consumer group)."""

from __future__ import annotations

import argparse
import logging
import os
import uuid

from motcua.broker import kafka_bootstrap
from motcua.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "worker", help="run a stream-processor worker (dossier state, flags, metrics)",
        description="Consume the lifecycle and catalog topics, keep per-dossier state, publish "
                    "at-risk/overdue flags, classifications, metric snapshots and dead letters. "
                    "Workers with the same MOTCUA_WORKER_APP_ID share the partitions. Prints "
                    "'ready: worker ...' once it has joined; stops cleanly on SIGTERM/SIGINT.")
    p.add_argument("--metrics-port", type=int, default=0,
                   help="Prometheus port on 127.0.0.1 (0 = disabled, the default)")
    p.add_argument("--worker-id", default=None,
                   help="stable id of this worker (its state lives in STATE_DIR/worker-ID)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    import faust
    from prometheus_client import CollectorRegistry, start_http_server

    from stream_processors.app import create_app

    worker_id = args.worker_id or uuid.uuid4().hex[:8]
    registry = CollectorRegistry()
    if args.metrics_port:
        start_http_server(args.metrics_port, addr="127.0.0.1", registry=registry)
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    with kafka_bootstrap(settings) as bootstrap:
        app = create_app(settings, bootstrap, worker_id=worker_id, registry=registry,
                         on_ready=lambda line: print(line, flush=True))
        # faust's banner/spinner would mangle the ready line; left open for its atexit hook
        quiet = open(os.devnull, "w")  # noqa: SIM115
        worker = faust.Worker(app, loglevel=logging.WARNING, quiet=True, stdout=quiet,
                              redirect_stdouts=False)
        try:
            worker.execute_from_commandline()
        except SystemExit as exc:
            return int(exc.code or 0)
    return 0
