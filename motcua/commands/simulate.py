"""``motcua simulate``: a living, deterministic province feeding the pipeline through the outbox."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import threading
import time
from collections.abc import Iterable, Iterator

from motcua.commands._signals import stop_event
from motcua.observability import new_registry, serve_metrics
from motcua.settings import Settings
from producers.outbox import Outbox
from producers.publisher import Publisher, PublisherMetrics
from producers.runtime import background_relay, outbox_path
from schemas.cloudevents import Event, to_json


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "simulate", help="generate a realistic province workload (deterministic with --seed)",
        description="Dossiers of the ten departments of the catalog, filed by weekday and hour, "
                    "online/in person/post, with transfers, supplements, late resolutions, "
                    "apologies and feedback. Events go to the outbox and on to Kafka, or with "
                    "--output to an NDJSON file. Same --seed and arguments = identical events.")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--start", default=None,
                   help="simulated start, YYYY-MM-DD or ISO datetime (Vietnam time if no offset; "
                        "default now, which is not reproducible)")
    p.add_argument("--speed", type=float, default=0.0,
                   help="event time runs X times the wall clock (3600 = 1 simulated hour per "
                        "second); 0 = as fast as possible (default)")
    p.add_argument("--dossiers", type=int, default=None, help="stop after N dossiers have ended")
    p.add_argument("--duration", type=float, default=None,
                   help="stop after S wall seconds at --speed (event time span S×speed); "
                        "with --speed 0, S simulated seconds")
    p.add_argument("--rate", type=float, default=120.0, help="dossiers filed per weekday (120)")
    p.add_argument("--heartbeat-minutes", type=float, default=15.0,
                   help="heartbeat every N minutes of event time (default 15)")
    p.add_argument("--output", "--dry-run", dest="output", default=None, metavar="FILE",
                   help="write structured CloudEvents NDJSON to FILE ('-' = stdout), no Kafka")
    p.add_argument("--topic", default=None,
                   help="lifecycle topic (default MOTCUA_TOPIC_PREFIX + dossier-lifecycle)")
    p.add_argument("--flush-timeout", type=float, default=10.0,
                   help="seconds to keep relaying after a bounded run (default 10)")
    p.add_argument("--metrics-port", type=int, default=0, help="Prometheus port (0 = off)")
    p.set_defaults(func=run)


def _start(text: str | None) -> dt.datetime:
    from stream_processors.core.vntime import VN_TZ

    if text is None:
        return dt.datetime.now(VN_TZ).replace(second=0, microsecond=0)
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=VN_TZ)


def _events(args: argparse.Namespace, settings: Settings
            ) -> tuple[Iterator[Event], dt.datetime, list[Event]]:
    from producers.simulator import SimConfig, Simulator
    from stream_processors.core.calendar import default_calendar
    from stream_processors.core.catalog_loader import load_catalog

    start = _start(args.start)
    config = SimConfig(seed=args.seed, start=start, source=f"{settings.event_source}:simulator",
                       per_day=args.rate,
                       heartbeat_every=dt.timedelta(minutes=args.heartbeat_minutes))
    until = None
    if args.duration is not None:
        until = start + dt.timedelta(seconds=args.duration * (args.speed or 1))
    sim = Simulator(config, load_catalog(), default_calendar(), settings.agency_registry())
    return sim.events(dossiers=args.dossiers, until=until), start, sim.catalog_events(start)


def _paced(events: Iterable[Event], start: dt.datetime, speed: float, stop: threading.Event,
           before_wait=lambda: None) -> Iterator[Event]:  # noqa: ANN001
    """Yield each event no earlier than its event time maps to on the wall clock."""
    wall0 = time.monotonic()
    for event in events:
        if speed > 0:
            delay = wall0 + (event.time - start).total_seconds() / speed - time.monotonic()
            if delay > 0.02:
                before_wait()
                if stop.wait(delay):
                    return
        if stop.is_set():
            return
        yield event


def run(args: argparse.Namespace, settings: Settings) -> int:
    stop = stop_event()
    events, start, catalog = _events(args, settings)
    if args.output:
        return _to_file(args, events, start, stop)
    registry = new_registry()
    metrics = PublisherMetrics(registry)
    serve_metrics(args.metrics_port, registry, settings.metrics_host)
    outbox = Outbox(outbox_path(settings))
    publisher = Publisher(outbox, args.topic, settings.topic_prefix, metrics)
    report = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    with background_relay(settings, outbox, publisher.wake, report, metrics,
                          final_flush=args.flush_timeout) as relay:
        print(f"ready: simulate seed={args.seed} start={start.isoformat()} speed={args.speed:g}",
              flush=True)
        publisher.publish(catalog)  # the procedure-catalog topic: the 766 catalog indicators
        dossiers, total = _publish(publisher, _paced(events, start, args.speed, stop))
    pending = outbox.status().pending
    sent = "handed to the running relay" if relay is None else f"{relay.delivered} delivered"
    print(f"simulate: {dossiers} dossiers, {total} events generated; {sent}, "
          f"{pending} still in the outbox", flush=True)
    return 0


def _publish(publisher: Publisher, events: Iterable[Event]) -> tuple[int, int]:
    batch: list[Event] = []
    dossiers = total = 0
    flushed = time.monotonic()
    for event in events:
        batch.append(event)
        total += 1
        dossiers += event.type == "dossier.submitted"
        if len(batch) >= 500 or time.monotonic() - flushed > 0.5:
            publisher.publish(batch)
            batch, flushed = [], time.monotonic()
    if batch:
        publisher.publish(batch)
    return dossiers, total


def _to_file(args: argparse.Namespace, events: Iterator[Event], start: dt.datetime,
             stop: threading.Event) -> int:
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")
    total = 0
    try:
        if out is not sys.stdout:
            print(f"ready: simulate seed={args.seed} start={start.isoformat()} output={args.output}",
                  flush=True)
        for event in _paced(events, start, args.speed, stop, out.flush):
            out.write(json.dumps(to_json(event), ensure_ascii=False, separators=(",", ":")) + "\n")
            total += 1
    finally:
        if out is not sys.stdout:
            out.close()
    print(f"simulate: {total} events written to {args.output}", file=sys.stderr)
    return 0
