"""What keeps a batch's offsets from being committed before the batch is done.

faust's ``Stream.take_events`` acks every event of a batch in a ``finally`` clause, so the
events of a batch that was *interrupted* are acked too: when a worker stops (SIGTERM, a clean
leave), faust cancels the agent mid-batch, the generator closes, its ``finally`` acks the whole
batch, and the consumer's last commit marks records as processed that never were. The
rebalance fault test found it: a worker that left the group skipped exactly one batch (500
records) of the partition it handed back, and the flags and classifications of those dossiers
came out wrong.

:func:`committed_only_if_done` closes that: if the batch does not finish, each message is
marked acked *without* recording its offset, so faust's later ack is a no-op and the records
are consumed again by whoever holds the partition next. faust's own ``Message.acked`` flag is
the switch; nothing in faust is patched.

A finished batch's messages join ``app.applied``: the worker's consumer records the offsets of
applied messages only (:mod:`stream_processors.transport`), since faust also acks the copies its
stream skips around a rebalance. :func:`in_offset_order` and :func:`repeat_rewinds` apply each
input partition in offset order (:mod:`stream_processors.contiguous`).

:func:`flush_changelog` ends a batch: faust commits acked offsets on its own clock, while the
batch's Table writes reach the changelog through a buffer, so without it a crash could commit
offsets whose state never reached the changelog.

:func:`stopping_tolerated` is for timers: faust stops the producer before the timers, so a
timer that fires during a stop used to crash it (exit code 1).

:class:`BatchGate` keeps batches and rebalances apart. ``take_events`` hands the agent a buffer
that was filled *before* a rebalance, and faust's own check (a message of an older consumer
generation is skipped) only runs when a message enters the stream, not when the buffer is
handed over. Without the gate a worker went on applying records of partitions it had just
handed to another worker — its late Table writes landed in the changelog after the new owner's,
and raised its own stored changelog offset past them, so when the partition came back it
restored stale dossiers — and wrote Tables while faust was recovering them. With the gate:

* a rebalance waits for the batch in hand to finish (writes flushed) before the worker rejoins;
* no batch starts while a rebalance is in progress;
* records fetched in an older generation are not applied and not committed: faust seeks every
  partition back to its committed offset after each rebalance, so whoever owns them now
  consumes them again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

from faust.exceptions import NotReady
from faust.types import TP

from stream_processors.contiguous import ContiguousOffsets, left_out

__all__ = ["BatchGate", "REWIND_CHECK_S", "applied_batch", "committed_only_if_done",
           "flush_changelog", "in_offset_order", "offset_guard", "repeat_rewinds",
           "stopping_tolerated", "unrecorded"]

log = logging.getLogger(__name__)

#: seconds between checks for seeks back to repeat or to make (stream_processors/contiguous.py)
REWIND_CHECK_S = 1.0


@contextlib.contextmanager
def committed_only_if_done(events: Sequence[Any], in_order: ContiguousOffsets | None = None,
                           applied: Any = None) -> Iterator[None]:
    """Run a batch; if it raises (cancelled included), none of ``events`` will be committed,
    and ``in_order`` expects them again; if it finishes, their messages join ``applied`` (the
    worker consumer commits only those, see :mod:`stream_processors.transport`)."""
    try:
        yield
    except BaseException:
        unrecorded(events)
        if in_order is not None:
            in_order.retreat(events)
        raise
    if applied is not None:
        applied.update(e.message for e in events)


def unrecorded(events: Sequence[Any]) -> None:
    """Make faust's coming ack of ``events`` a no-op: their offsets are never recorded."""
    for event in events:
        event.message.acked = True  # faust's ack skips an acked message


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
    starts (:meth:`close`), waits in the revoke for :meth:`idle`, and opens it once recovery is
    done (:meth:`open`); agents run each batch inside :meth:`batch`."""

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
        ``generation()``; the others are left unrecorded (consumed again after faust's seek)."""
        while not self._open.is_set():  # closed again before this task resumed: wait again
            await self._open.wait()
        current_generation = generation()
        current = [e for e in events if e.message.generation_id == current_generation]
        if len(current) < len(events):
            unrecorded(left_out(events, current))
        self._busy += 1
        self._idle.clear()
        try:
            yield current
        finally:
            self._busy -= 1
            if not self._busy:
                self._idle.set()


async def in_offset_order(app: Any, guard: ContiguousOffsets, events: Sequence[Any],
                          rewinds: Any) -> list[Any]:
    """The events the agent may apply now (:class:`~stream_processors.contiguous.ContiguousOffsets`):
    the others are left unrecorded, and a partition with a hole is sought back to it."""
    if guard.generation != app.consumer_generation_id:
        guard.start(app.consumer_generation_id, app.consumer.sought, time.monotonic())
    admitted, rewind = guard.admit(events, time.monotonic())
    if len(admitted) < len(events):
        unrecorded(left_out(events, admitted))
    await _seek_back(app, rewind, rewinds)
    return admitted


async def repeat_rewinds(app: Any, guard: ContiguousOffsets, rewinds: Any) -> None:
    """For a timer: seek again where a seek back brought nothing, and seek back where the
    consumer fetched past records that never reached the agent (never during a rebalance; a new
    generation starts over from faust's own seek)."""
    generation = guard.generation
    if app.rebalancing or generation != app.consumer_generation_id:
        return
    try:
        rewind = guard.overdue(time.monotonic())
        positions = {key: await app.consumer.position(TP(*key))
                     for key in guard.quiet(time.monotonic())}
        rewind.update(guard.stalled(positions, time.monotonic()))
        if app.rebalancing or generation != app.consumer_generation_id:
            return  # a rebalance began meanwhile: faust's own seek starts over
        await _seek_back(app, rewind, rewinds)
    except Exception as exc:  # e.g. the partition was just revoked: the next generation seeks
        if not app.should_stop:
            log.warning("seek back failed (%r); a rebalance starts over from the commits", exc)


def offset_guard(app: Any, telemetry: Any, name: str) -> ContiguousOffsets:
    """An agent's offset-order guard, with the timer (``rewind_{name}``) that repeats its seeks
    back and makes those :meth:`~ContiguousOffsets.stalled` asks for."""
    in_order = ContiguousOffsets()

    async def repeat() -> None:
        with stopping_tolerated(app):
            await repeat_rewinds(app, in_order, telemetry.rewinds)

    app.timer(interval=REWIND_CHECK_S, name=f"rewind_{name}")(repeat)
    return in_order


async def _seek_back(app: Any, rewind: dict[tuple[str, int], int], rewinds: Any) -> None:
    if not rewind:
        return
    for (topic, partition), offset in rewind.items():
        log.warning("records of %s[%d] were dropped before they were applied: seeking back to "
                    "offset %d", topic, partition, offset)
        rewinds.inc()
    # seek_wait runs in the consumer's own thread (a seek from this one raced its fetcher and
    # crashed it) and moves faust's read offset back too
    await app.consumer.seek_wait({TP(topic, partition): offset
                                  for (topic, partition), offset in rewind.items()})


@contextlib.asynccontextmanager
async def applied_batch(app: Any, batch: Sequence[Any], in_order: ContiguousOffsets,
                        telemetry: Any) -> AsyncIterator[list[Any]]:
    """One batch of a Table-writing agent, with every rule above: it runs between rebalances,
    holds only records of the current generation in offset order (possibly none), ends with its
    changelog flushed, and only then may its offsets be committed."""
    async with app.batch_gate.batch(batch, lambda: app.consumer_generation_id) as current:
        telemetry.stale.inc(len(batch) - len(current))
        events = await in_offset_order(app, in_order, current, telemetry.rewinds)
        with committed_only_if_done(events, in_order, app.applied):
            yield events
            await flush_changelog(app)  # the batch's state in the changelog before its offsets
