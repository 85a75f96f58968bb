"""``tick_seconds``: the cost of one wall-clock deadline check with N open dossiers indexed.

The worker's timer calls :meth:`DossierProcessor.due_ticks` every ``MOTCUA_DEADLINE_INTERVAL_S``.
N dossiers over 6 partitions have deadlines spread over 30 days; every tick ``now`` advances one
second and :data:`DUE_PER_TICK` of them are due, so the measured cost is the index's, not a
growing amount of due work. Reported: the median seconds per tick over :data:`TICKS` ticks
(robust to a GC pause or a noisy neighbour).
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time

from stream_processors.core.deadline_index import DeadlineIndex
from stream_processors.dossiers.processor import DossierProcessor
from stream_processors.topics import WorkerTopics

__all__ = ["tick_seconds"]

PARTITIONS, TICKS, DUE_PER_TICK = 6, 200, 20
T0 = dt.datetime(2025, 8, 6, 3, 0, tzinfo=dt.timezone.utc)


def tick_seconds(open_dossiers: int, seed: int = 1) -> float:
    rng = random.Random(seed)
    processor = DossierProcessor({}, None, None, WorkerTopics(), None, event_time=False,
                                 source="bench", clock=lambda: T0)
    index = processor.index = DeadlineIndex()
    processor.indexed = set(range(PARTITIONS))
    due = TICKS * DUE_PER_TICK
    for n in range(open_dossiers):
        if n < due:  # fire within the ticked seconds, DUE_PER_TICK per second
            at = T0 + dt.timedelta(seconds=n // DUE_PER_TICK, microseconds=rng.randrange(10**6))
        else:
            at = T0 + dt.timedelta(seconds=TICKS + rng.randrange(30 * 86400))
        index.set(f"000.00.15.H47-250806-{n:07d}", n % PARTITIONS, at)
    popped, costs = 0, []
    for second in range(1, TICKS + 1):
        now = T0 + dt.timedelta(seconds=second)
        started = time.perf_counter()
        popped += len(processor.due_ticks(now))
        costs.append(time.perf_counter() - started)
    assert popped == min(due, open_dossiers), popped
    return statistics.median(costs)
