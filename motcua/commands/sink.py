"""``motcua sink letters|db``: the apology-letter sink and the reporting-DB sink."""

from __future__ import annotations

import argparse
import threading
import uuid

from prometheus_client import CollectorRegistry

from motcua.commands._signals import stop_event
from motcua.broker import kafka_bootstrap
from motcua.kafka import FAST_GROUP_TUNING, kafka_python_config
from motcua.settings import Settings
from schemas import topics
from sinks.base import BaseSink, run_sink
from sinks.metrics import DeliveryMetrics, SinkMetrics


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("sink", help="run a sink (letters or db) until Ctrl-C/SIGTERM")
    p.add_argument("which", choices=("letters", "db"))
    p.add_argument("--metrics-port", type=int, default=0, help="Prometheus port (0 = off)")
    p.add_argument("--metrics-host", default="127.0.0.1")
    p.add_argument("--group", default=None,
                   help="consumer group (default MOTCUA_TOPIC_PREFIX + motcua-sink-WHICH)")
    p.add_argument("--topics", default=None,
                   help="comma-separated input topics (tests; default the contract's)")
    p.add_argument("--letters-topic", default=None,
                   help="default MOTCUA_TOPIC_PREFIX + " + topics.LETTERS.name)
    p.add_argument("--dead-letter-topic", default=None,
                   help="default MOTCUA_TOPIC_PREFIX + " + topics.DEAD_LETTERS.name)
    p.add_argument("--no-delivery", action="store_true", help="letters: do not deliver")
    p.set_defaults(func=run)


def build_sink(which: str, settings: Settings, letters_topic: str) -> BaseSink:
    if which == "db":
        from sinks.db.sink import ReportingSink
        return ReportingSink(settings.effective_database_url)
    from sinks.letters.files import LetterFiles
    from sinks.letters.sink import LetterSink
    files = LetterFiles(settings.state_dir / "letters", settings.agency_registry())
    return LetterSink(settings.effective_database_url, files,
                      extension_days=settings.apology_extension_days,
                      source=settings.event_source, letters_topic=letters_topic)


def default_topics(which: str) -> tuple[str, ...]:
    from sinks.db.sink import REPORTING_TOPICS
    from sinks.letters.sink import LETTER_TOPICS
    return LETTER_TOPICS if which == "letters" else REPORTING_TOPICS


def _delivery_thread(sink: BaseSink, settings: Settings, registry: CollectorRegistry,
                     stop: threading.Event) -> threading.Thread | None:
    from sinks.letters.delivery import DeliveryWorker, SmtpSender, WebhookSender
    senders = []
    if settings.smtp_host:
        senders.append(SmtpSender(settings.smtp_host, settings.smtp_port, settings.smtp_from))
    if settings.webhook_url and settings.webhook_secret:
        senders.append(WebhookSender(settings.webhook_url, settings.webhook_secret))
    worker = DeliveryWorker(sink.engine, senders, DeliveryMetrics(registry))  # type: ignore[attr-defined]
    thread = threading.Thread(target=worker.run, args=(stop,), name="deliveries", daemon=True)
    thread.start()
    return thread


def run(args: argparse.Namespace, settings: Settings) -> int:
    from kafka import KafkaConsumer, KafkaProducer

    stop = stop_event()
    registry = CollectorRegistry()
    if args.metrics_port:
        from prometheus_client import start_http_server
        start_http_server(args.metrics_port, addr=args.metrics_host, registry=registry)
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    prefix = settings.topic_prefix  # like the worker and the producers
    sink = build_sink(args.which, settings, args.letters_topic or prefix + topics.LETTERS.name)
    sink.setup()
    in_topics = (tuple(args.topics.split(",")) if args.topics
                 else tuple(prefix + t for t in default_topics(args.which)))
    with kafka_bootstrap(settings) as bootstrap:
        cfg = kafka_python_config(settings, bootstrap)
        consumer = KafkaConsumer(*in_topics, group_id=args.group or f"{prefix}motcua-sink-{args.which}",
                                 enable_auto_commit=False, auto_offset_reset="earliest",
                                 client_id=f"motcua-sink-{args.which}-{uuid.uuid4().hex[:6]}",
                                 **FAST_GROUP_TUNING, **cfg)
        producer = KafkaProducer(acks="all", linger_ms=5, **cfg)
        delivery = None
        if args.which == "letters" and not args.no_delivery:
            delivery = _delivery_thread(sink, settings, registry, stop)
        ready = lambda: print(f"ready: sink {args.which} topics={','.join(in_topics)} "  # noqa: E731
                              f"metrics={args.metrics_port or 'off'}", flush=True)
        try:
            run_sink(sink, consumer, producer, stop, SinkMetrics(registry, args.which),
                     dead_letter_topic=args.dead_letter_topic or prefix + topics.DEAD_LETTERS.name,
                     source=settings.event_source,
                     on_ready=ready)
        finally:
            stop.set()
            consumer.close()  # leaves the group
            producer.close(timeout=5)
            if delivery:
                delivery.join(timeout=5)
            sink.close()
    print(f"sink {args.which} stopped", flush=True)
    return 0
