"""``bytes_per_open_dossier`` and ``core_eps``: the pure processor in-process, no Kafka.

The first half of the workload (so that many dossiers are still open) runs through
:class:`DossierProcessor` over a dict table in batches, with a send that acks at once.
``bytes_per_open_dossier`` is the mean size of an open dossier's Table value as faust's JSON
codec stores it (store and changelog); ``core_eps`` is that run's records per second.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import Sequence

from prometheus_client import CollectorRegistry

from schemas.cloudevents import Event, to_record
from stream_processors.core.calendar import default_calendar
from stream_processors.core.transitions import Context
from stream_processors.dossiers.processor import DossierProcessor
from stream_processors.records import Origin
from stream_processors.telemetry import WorkerTelemetry
from stream_processors.topics import WorkerTopics

__all__ = ["footprint"]


async def _acked(*_: object, **__: object):  # noqa: ANN202
    future = asyncio.get_running_loop().create_future()
    future.set_result(None)
    return future


def footprint(events: Sequence[Event], batch: int = 500) -> dict[str, float]:
    records = [to_record(e) for e in events[: len(events) // 2]]
    origins = [Origin("dossier-lifecycle", 0, i, r.key, r.value, list(r.headers))
               for i, r in enumerate(records)]
    table: dict = {}
    processor = DossierProcessor(table, _acked, Context(default_calendar()), WorkerTopics(),
                                 WorkerTelemetry(CollectorRegistry()), event_time=True,
                                 source="bench", clock=lambda: dt.datetime.now(dt.timezone.utc))

    async def run() -> None:
        for i in range(0, len(origins), batch):
            await processor.handle_batch(origins[i:i + batch])
    started = time.perf_counter()
    asyncio.run(run())
    elapsed = time.perf_counter() - started
    sizes = [len(json.dumps(v)) for k, v in table.items()
             if not k.startswith("__") and v.get("ended_at") is None]
    return {"bytes_per_open_dossier": sum(sizes) / max(1, len(sizes)),
            "open_dossiers_measured": len(sizes), "core_eps": len(origins) / elapsed}
