"""``motcua board``: the live operations board (read-only web page with live updates)."""

from __future__ import annotations

import argparse

from motcua.commands._signals import stop_event
from motcua.broker import kafka_bootstrap
from motcua.kafka import kafka_python_config
from motcua.observability import new_registry, serve_metrics
from motcua.settings import Settings
from schemas import topics as T

BOARD_TOPICS = (T.LIFECYCLE, T.FLAGS, T.CLASSIFICATIONS, T.METRICS, T.LETTERS, T.DEAD_LETTERS)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "board", help="serve the live operations board",
        description="Consume the pipeline's topics into memory and serve the operations board "
                    "(Vietnamese, with an English toggle): at-risk and overdue dossiers, the "
                    "agency league table, trends, dossier pages and letters, updated live (SSE). "
                    "Also serves /metrics (compliance gauges).")
    p.add_argument("--host", default=None, help="bind address (default 127.0.0.1, env "
                   "MOTCUA_BOARD_HOST); beyond loopback MOTCUA_BOARD_TOKEN is required")
    p.add_argument("--port", type=int, default=None,
                   help="HTTP port (default 8080, env MOTCUA_BOARD_PORT; 0 = any free port)")
    p.add_argument("--metrics-port", type=int, default=0,
                   help="also serve /metrics on this port (0 = only on the board's port)")
    p.add_argument("--lag-groups", default=None,
                   help="comma-separated consumer groups whose committed-offset lag /metrics "
                        "reports (the worker group's is advisory: see the worker's "
                        "motcua_worker_unapplied_records; default: the worker's "
                        "MOTCUA_WORKER_APP_ID, motcua-sink-letters, motcua-sink-db)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from sinks.board.http import BoardHTTPServer
    from sinks.board.service import BoardConfig, BoardService

    stop = stop_event()
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    config = BoardConfig(
        host=args.host or settings.board_host,
        port=settings.board_port if args.port is None else args.port,
        letters_dir=settings.state_dir / "letters", token=settings.board_token,
        topics=tuple(settings.topic_prefix + t.name for t in BOARD_TOPICS),
        lag_groups=_lag_groups(args.lag_groups, settings))
    registry = new_registry()
    with kafka_bootstrap(settings) as bootstrap:
        try:
            service = BoardService(config, kafka_python_config(settings, bootstrap), registry,
                                   agencies=settings.agency_registry())
        except ValueError as exc:
            print(f"error: {exc}", flush=True)
            return 2
        server = BoardHTTPServer(service)
        service.start()
        server.serve_in_thread()
        metrics_port = serve_metrics(args.metrics_port, registry, config.host)
        extra = f" metrics=http://{config.host}:{metrics_port}/metrics" if metrics_port else ""
        print(f"ready: board {server.url}{extra}", flush=True)
        stop.wait()
        service.stop()
        server.shutdown()
        server.server_close()
    print("board stopped", flush=True)
    return 0


def _lag_groups(raw: str | None, settings: Settings) -> tuple[str, ...]:
    if raw is not None:
        return tuple(g for g in raw.split(",") if g)
    return (settings.worker_app_id, "motcua-sink-letters", "motcua-sink-db")
