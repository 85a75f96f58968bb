"""``motcua ingest-api``: the HTTP endpoint existing one-stop systems push events to."""

from __future__ import annotations

import argparse
import sys
import threading

from motcua.commands._signals import stop_event
from motcua.observability import new_registry, serve_metrics
from motcua.settings import Settings, SettingsError
from producers.ingest_api import IngestService, make_server
from producers.ingest_auth import TokenTable
from producers.ingest_rate import RateLimiter
from producers.outbox import Outbox
from producers.publisher import Publisher, PublisherMetrics
from producers.runtime import background_relay, outbox_path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "ingest-api", help="HTTP API accepting lifecycle events and DVCQG records",
        description="POST /v1/events (CloudEvents) and /v1/dvcqg (HoSoDongBoDVC) with a bearer "
                    "token from MOTCUA_INGEST_TOKENS; 202 once the outbox holds the events. "
                    "GET /healthz, GET /openapi.json.")
    p.add_argument("--host", default=None, help="bind address (default 127.0.0.1, env MOTCUA_INGEST_HOST)")
    p.add_argument("--port", type=int, default=None, help="port (default 8088, env MOTCUA_INGEST_PORT)")
    p.add_argument("--metrics-port", type=int, default=0, help="Prometheus port (0 = off)")
    p.add_argument("--topic", default=None,
                   help="lifecycle topic (default MOTCUA_TOPIC_PREFIX + dossier-lifecycle)")
    p.set_defaults(func=run)


def _lookup():  # noqa: ANN202 - loaded on the first DVCQG request
    from producers.catalog_lookup import CatalogLookup
    from stream_processors.core.calendar import default_calendar
    from stream_processors.core.catalog_loader import load_catalog

    return CatalogLookup(load_catalog(), default_calendar())


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        tokens = TokenTable.parse(settings.ingest_tokens)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not tokens.tokens:
        print("error: no tokens configured; set MOTCUA_INGEST_TOKENS=name:secret,...", file=sys.stderr)
        return 2
    registry = new_registry()
    metrics = PublisherMetrics(registry)
    from prometheus_client import Counter

    requests = Counter("motcua_ingest_requests", "Ingest API responses", ["endpoint", "status"],
                       registry=registry)
    outbox = Outbox(outbox_path(settings))
    publisher = Publisher(outbox, args.topic, settings.topic_prefix, metrics)
    service = IngestService(publisher, _lookup, settings.event_source)
    host, port = args.host or settings.ingest_host, args.port or settings.ingest_port
    server = make_server(service, tokens, settings.ingest_max_bytes, host, port,
                         count=lambda e, s: requests.labels(e, str(s)).inc(),
                         limiter=RateLimiter(settings.ingest_rate_per_s))
    serve_metrics(args.metrics_port, registry, settings.metrics_host)
    stop = stop_event()
    report = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    with background_relay(settings, outbox, publisher.wake, report, metrics, final_flush=2.0):
        threading.Thread(target=server.serve_forever, name="ingest-http", daemon=True).start()
        print(f"ready: ingest-api http://{host}:{server.server_address[1]} "
              f"(outbox {outbox.status().pending} pending)", flush=True)
        stop.wait()
        server.shutdown()
        server.server_close()
    print(f"ingest-api stopped; {outbox.status().pending} events still in the outbox", flush=True)
    return 0
