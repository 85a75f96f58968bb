"""The faust application factory of ``motcua worker``. Nothing is created at import time.

:func:`create_app` builds one ``faust.App`` (id = consumer group) with two Tables — ``dossiers``
(per-dossier state) and ``metric_facts`` (latest facts per scope key and dossier) — and wires the
thin agents and timers of :mod:`stream_processors.dossiers.agents` and
:mod:`stream_processors.metrics.agents` to the pure core. Topics use raw bytes so records are
decoded with the contract (``schemas.cloudevents``), never faust Records.

The broker connection comes from the entry point (:class:`Connection`): this package does not
import the CLI package ``motcua``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import faust
from prometheus_client import CollectorRegistry

from stream_processors.calendar import agents as calendar_agents
from stream_processors.core.calendar import default_calendar
from stream_processors.core.transitions import Context
from stream_processors.dossiers import agents as dossier_agents
from stream_processors.metrics import agents as metric_agents
from stream_processors.telemetry import WorkerTelemetry, publish_calendar_status
from stream_processors.topics import WorkerTopics
from stream_processors.transport import EndOffsets, WorkerApp

__all__ = ["Connection", "create_app", "RawTopics"]

TIME_SOURCES = ("wall", "event")
PRODUCER_LINGER_MS = 5


class RawTopics:
    """Raw-bytes faust topics by name, and an async ``send(name, record, partition=None)``."""

    def __init__(self, app: faust.App) -> None:
        self.app, self._topics = app, {}

    def get(self, *names: str) -> Any:
        if names not in self._topics:
            self._topics[names] = self.app.topic(*names, key_type=bytes, value_type=bytes,
                                                 key_serializer="raw", value_serializer="raw")
        return self._topics[names]

    async def send(self, name: str, record: Any, partition: int | None = None) -> Any:
        """Queue ``record``; returns an awaitable that resolves once the broker acknowledged it."""
        return await self.get(name).send(key=record.key, value=record.value,
                                         headers=list(record.headers), partition=partition)


@dataclass(frozen=True)
class Connection:
    """How the worker reaches the broker: ``faust_options`` for ``faust.App`` (broker URL and
    credentials) and ``end_offsets``, the true-end-offset probe of its consumer
    (:mod:`stream_processors.transport`), and ``kafka_python``, kafka-python's options for the
    calendar-changes reader (:mod:`stream_processors.calendar.agents`)."""

    faust_options: dict[str, Any] = field(default_factory=dict)
    end_offsets: EndOffsets | None = None
    kafka_python: dict[str, Any] = field(default_factory=dict)


def _app_config(settings: Any, connection: Connection, worker_id: str) -> dict[str, Any]:
    store = "memory://" if settings.worker_store == "memory" else "rocksdb://"
    return dict(
        id=settings.topic_prefix + settings.worker_app_id, **connection.faust_options,
        store=store, datadir=str(settings.state_dir / f"worker-{worker_id}"),
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication_factor,
        table_standby_replicas=settings.standby_replicas, broker_session_timeout=6,
        broker_heartbeat_interval=1, consumer_auto_offset_reset="earliest", web_enabled=False,
        processing_guarantee="at_least_once", stream_wait_empty=False, autodiscover=False,
        # agents send a batch's outputs together and await the acks once: let them share
        # produce requests instead of one tiny request per record
        producer_linger_ms=PRODUCER_LINGER_MS, producer_max_batch_size=1024 * 1024)


def create_app(settings: Any, connection: Connection, *, worker_id: str,
               registry: CollectorRegistry,
               on_ready: Callable[[str], None] = lambda line: None,
               clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
               ) -> faust.App:
    """A configured worker app (``settings``: the entry point's ``motcua.settings.Settings``);
    ``on_ready`` gets the ``ready: worker ...`` line once joined."""
    if settings.time_source not in TIME_SOURCES:
        raise ValueError(f"MOTCUA_TIME_SOURCE={settings.time_source!r}: expected wall or event")
    app = WorkerApp(**_app_config(settings, connection, worker_id),
                    end_offsets=connection.end_offsets or _as_reported)
    topics, raw = WorkerTopics(settings.topic_prefix), RawTopics(app)
    telemetry = WorkerTelemetry(registry)
    publish_calendar_status(telemetry, default_calendar().status, clock().date())
    ctx = Context(default_calendar(),
                  tolerance=dt.timedelta(seconds=settings.out_of_order_tolerance_s),
                  registry=settings.agency_registry())
    common = dict(event_time=settings.time_source == "event", source=settings.event_source,
                  clock=clock)
    processor = dossier_agents.register(app, raw, topics, telemetry, ctx, settings, **common)
    aggregator = metric_agents.register(app, raw, topics, telemetry, settings, **common)
    calendar_agents.register(app, raw, topics, processor, connection.kafka_python,
                             source=settings.event_source, clock=clock)

    async def keep_assigned(_sender: Any, assigned: Any, **__: Any) -> None:
        processor.keep_partitions({tp.partition for tp in assigned
                                   if tp.topic in (topics.lifecycle, topics.ticks)})
        aggregator.keep_partitions({tp.partition for tp in assigned
                                    if tp.topic == topics.metric_facts})

    app.on_partitions_assigned.connect(keep_assigned)

    @app.task
    async def announce() -> None:
        while not app.tables.recovery.completed.is_set():
            await asyncio.sleep(0.1)
        on_ready(f"ready: worker id={worker_id} group={app.conf.id} "
                 f"time_source={settings.time_source} store={settings.worker_store}")

    return app


async def _as_reported(reported: Any) -> Any:
    return reported
