"""The rules every batch of a Table-writing agent runs under (:func:`applied_batch`).

The guarantee itself is in :mod:`stream_processors.positions`: a batch writes the input positions
past what it applied into the Table, with its state, and each partition resumes from there. What
remains for the batch layer:

* **Offset order** (:mod:`stream_processors.contiguous`): a batch applies each input partition's
  records contiguously from the position, so the position it writes never jumps over a record.
  A partition with a hole is *rewound* (:func:`rewind`).
* **No batch straddles a rebalance** (:class:`BatchGate`): ``take_events`` hands the agent a
  buffer that may have been filled before a rebalance. A worker that applied records of a
  partition it had just handed over would write the new owner's Table partition late, after the
  new owner restored it; those stale writes would be restored the next time. The gate closes when
  a rebalance starts, the revoke waits for the batch in hand (the app's ``on_partitions_revoked``
  signal), no batch starts until recovery is done, and records of an older consumer generation
  are not applied (the new generation resumes from the Table positions and reads them again).
* **A batch ends with its changelog writes acknowledged** (:func:`flush_changelog`), so the
  revoke's wait covers them and a clean stop leaves nothing in the producer's buffer.
* **Timers survive a stop** (:func:`stopping_tolerated`): faust stops the producer before the
  timers, so a timer that fires during a stop used to crash it (exit code 1).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator, MutableMapping, Sequence
from typing import Any

from faust.exceptions import NotReady
from faust.types import TP

from stream_processors.contiguous import ContiguousOffsets
from stream_processors.faust_reliance import partition_scope
from stream_processors.positions import record_positions

__all__ = ["BatchGate", "REWIND_CHECK_S", "applied_batch", "flush_changelog", "offset_guard",
           "publish_unapplied", "rewind", "stopping_tolerated"]

log = logging.getLogger(__name__)

#: seconds between checks for rewinds to make
REWIND_CHECK_S = 0.5
#: seconds the fetcher is given to drop what it holds once its flow is stopped (it does so
#: within a few event-loop iterations; a rewind that still lost the race is made again)
SETTLE_S = 0.1
#: seconds a rewind's seek may take before the flow is resumed anyway (the rewind is made again)
SEEK_TIMEOUT_S = 5.0


async def flush_changelog(app: Any) -> None:
    """Return once every record produced so far (the batch's changelog writes) is acknowledged.
    faust's buffer flush gives up after 0.1 s per record, so it is repeated until empty."""
    producer = app.producer
    while producer.buffer.size:
        await producer.buffer.flush()
    await producer.flush()


@contextlib.contextmanager
def stopping_tolerated(app: Any) -> Iterator[None]:
    """A send refused because the worker is stopping ends a timer's round quietly. Nothing is
    lost: what the timer did not send is sent after the next start."""
    try:
        yield
    except NotReady:
        if not app.should_stop:
            raise


class BatchGate:
    """One per worker, shared by the agents that write Tables. The app closes it when a rebalance
    starts or the worker stops (:meth:`close`), waits for :meth:`idle` before giving partitions
    up, and opens it once recovery is done (:meth:`open`); agents run each batch inside
    :meth:`batch`."""

    def __init__(self) -> None:
        self._open, self._idle, self._busy = asyncio.Event(), asyncio.Event(), 0
        self._open.set()
        self._idle.set()

    def close(self) -> None:
        self._open.clear()

    def open(self) -> None:
        self._open.set()

    async def idle(self) -> None:
        """Return once no batch is in progress (new ones wait for :meth:`open`)."""
        await self._idle.wait()

    @contextlib.asynccontextmanager
    async def batch(self, events: Sequence[Any],
                    generation: Callable[[], int]) -> AsyncIterator[list[Any]]:
        """Wait until no rebalance is in progress, then yield the events of the current consumer
        ``generation()`` (the others are read again from the Table positions)."""
        while not self._open.is_set():  # closed again before this task resumed: wait again
            await self._open.wait()
        current_generation = generation()
        current = [e for e in events if e.message.generation_id == current_generation]
        self._busy += 1
        self._idle.clear()
        try:
            yield current
        finally:
            self._busy -= 1
            if not self._busy:
                self._idle.set()


async def rewind(app: Any, offsets: dict[tuple[str, int], int], counter: Any) -> None:
    """Seek partitions back to the first record their agent is missing. The consumer's flow is
    stopped first, so that the fetcher drops the records it fetched before the seek instead of
    handing them out after it (they would raise faust's read offset past the sought records,
    which it then drops as old: a seek undone). Stopping the flow drops what was fetched for
    *every* partition, so every partition of every offset guard (``app.offset_guards``) is
    sought too, to its agent's next offset: otherwise each rewind left a hole in another
    partition, whose rewind left one in the next (a worker with a backlog then rewound every 2 s
    and crawled). Records already handed to an agent come again after the seek; its guard drops
    those copies. Skipped during a rebalance, whose own seek to the Table positions covers it."""
    consumer, generation = app.consumer, app.consumer_generation_id
    if not offsets or app.rebalancing or app.should_stop:
        return
    for (topic, partition), offset in offsets.items():
        log.warning("%s[%d]: records before offset %d were dropped before they were applied: "
                    "rewinding", topic, partition, offset)
        counter.inc()
    consumer.stop_flow()
    try:
        await asyncio.sleep(SETTLE_S)
        if not app.rebalancing and generation == app.consumer_generation_id:
            # a guard still on an older generation holds partitions that may be revoked and
            # offsets the new generation's seek replaced: it starts over from that seek anyway
            targets = {key: offset for guard in app.offset_guards
                       if guard.generation == generation
                       for key, offset in guard.positions().items()}
            targets.update(offsets)
            # bounded: the flow of every partition is stopped meanwhile
            await asyncio.wait_for(
                consumer.seek_wait({TP(t, p): o for (t, p), o in targets.items()}), SEEK_TIMEOUT_S)
    finally:
        # a rebalance that began meanwhile resumes the flow itself, once recovered
        if not app.rebalancing and generation == app.consumer_generation_id:
            consumer.resume_flow()


def publish_unapplied(app: Any, gauge: Any, in_order: ContiguousOffsets) -> None:
    """Set ``motcua_worker_unapplied_records{topic}`` from what the worker already holds: each
    partition's end offset from its consumer's last fetch response (no broker request) and the
    guard's next offset to apply. The consumer group's committed offsets are advisory
    (:mod:`stream_processors.positions`), so this, not their lag, is how far behind the worker is."""
    def end(key: tuple[str, int]) -> int | None:
        try:
            return app.consumer.highwater(TP(*key))
        except Exception:  # noqa: BLE001 - revoked meanwhile, or the consumer not started yet
            return None

    for topic, records in in_order.unapplied(end).items():
        gauge.labels(topic).set(records)


def offset_guard(app: Any, telemetry: Any, name: str, topics: frozenset[str]) -> ContiguousOffsets:
    """An agent's offset-order guard over its input ``topics``, with the timer (``rewind_{name}``)
    making its rewinds: after a hole, and where a quiet partition's consumer has fetched past the
    next offset (the dropped records were its tail, so no later record shows the hole). The same
    timer publishes the records of ``topics`` not yet applied (:func:`publish_unapplied`)."""
    in_order = ContiguousOffsets(topics)
    app.offset_guards.append(in_order)

    async def check() -> None:
        if app.rebalancing or app.should_stop:
            return
        now = time.monotonic()
        if in_order.generation != app.consumer_generation_id:
            if not app.tables.recovery.completed.is_set():
                return  # the generation's seek to the Table positions has not been made yet
            in_order.start(app.consumer_generation_id, app.consumer.sought, now)
        publish_unapplied(app, telemetry.unapplied, in_order)
        with stopping_tolerated(app):
            try:
                for key in in_order.quiet(now):
                    in_order.stalled(key, await app.consumer.position(TP(*key)))
                await rewind(app, in_order.due(now), telemetry.rewinds)
            except Exception as exc:  # e.g. the partition was just revoked
                if not app.should_stop:
                    log.warning("rewind failed (%r); it is made again", exc)

    app.timer(interval=REWIND_CHECK_S, name=f"rewind_{name}")(check)
    return in_order


@contextlib.asynccontextmanager
async def applied_batch(app: Any, batch: Sequence[Any], in_order: ContiguousOffsets,
                        telemetry: Any, table: MutableMapping[str, Any]
                        ) -> AsyncIterator[tuple[list[Any], Any]]:
    """One batch of a Table-writing agent, with every rule above: it runs between rebalances,
    holds only records of the current generation in offset order (possibly none); once the body
    (which writes the state) returns, the positions past its records are written to ``table``,
    and the batch ends with its changelog flushed. Yields (events, their partition scope)."""
    async with app.batch_gate.batch(batch, lambda: app.consumer_generation_id) as current:
        telemetry.stale.inc(len(batch) - len(current))
        now = time.monotonic()
        if in_order.generation != app.consumer_generation_id:
            in_order.start(app.consumer_generation_id, app.consumer.sought, now)
        events = in_order.admit(current, now)
        scope = partition_scope(events)
        try:
            try:
                yield events, scope
            except BaseException:
                in_order.retreat(events)
                raise
            record_positions(table, events, scope)  # no await since the state writes: one step
            await flush_changelog(app)
        finally:
            in_order.batch_done(time.monotonic())
