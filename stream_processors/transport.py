"""The worker's faust transport: the consumer resumes from the Table positions and reports true
changelog end offsets; the app keeps batches and rebalances apart and stops cleanly.

* :meth:`TrueEndConsumer.seek_to_committed` — faust's seek at the end of every recovery (and
  after a fetch that returned while the flow was stopped) — seeks each input partition the
  worker's Tables track to the position its restored Table holds
  (:mod:`stream_processors.positions`); the group's committed offset only serves partitions
  without one. It remembers where it sought (``sought``) for the agents' offset-order guards.
* :meth:`TrueEndConsumer.highwaters` goes through ``end_offsets``: faust's table recovery reads a
  changelog until ``highwater - 1`` and refuses a RocksDB store whose persisted offset is beyond
  it, while the embedded broker answers ListOffsets with the base offset of the last record batch
  + 1 (docs/stream-processors.md, "Restarts on the embedded broker"). The entry point passes the
  probe that corrects it; on Apache Kafka it returns the reported offsets.
* :class:`WorkerApp` runs the :class:`~stream_processors.batch_safety.BatchGate`: closed from the
  start of a rebalance until its recovery is done, and the revoke (the ``on_partitions_revoked``
  signal) waits for the batch in hand; a stop closes it and waits for the batch in hand (at most
  :data:`STOP_BATCH_S`) before faust commits and leaves the group.

Nothing is monkey-patched: these are subclasses and public hooks (:mod:`.faust_reliance`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import faust
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP

from stream_processors.batch_safety import BatchGate
from stream_processors.contiguous import ContiguousOffsets
from stream_processors.positions import InputPositions

__all__ = ["EndOffsets", "STOP_BATCH_S", "TrueEndConsumer", "WorkerApp"]

#: ``async end_offsets(reported) -> real``: {TP: end offset} corrected for the broker's quirk
EndOffsets = Callable[[Mapping[Any, int]], Awaitable[Mapping[Any, int]]]
#: seconds a stop waits for the batch in hand before it goes on without it (its records are
#: simply applied again from the Table positions)
STOP_BATCH_S = 5.0


class TrueEndConsumer(faust_aiokafka.Consumer):
    """faust's aiokafka consumer resuming from Table positions, with real end offsets."""

    sought: Mapping[Any, int] = {}

    async def seek_to_committed(self) -> Mapping[TP, int]:
        committed = dict(await super().seek_to_committed())
        positions: InputPositions = self.app.input_positions
        tracked = [tp for tp in self.assignment() if positions.tracks(tp.topic)]
        missing = [tp for tp in tracked if committed.get(tp) is None]
        earliest = await self.earliest_offsets(*missing) if missing else {}
        resume = positions.resume(tracked, committed, earliest)
        # aiokafka seeks only to a committed offset > 0: any other partition is sought here
        moved = {tp: offset for tp, offset in resume.items()
                 if offset != committed.get(tp) or not offset}
        if moved:
            await self.seek_wait(moved)
        committed.update(resume)
        self.sought = committed
        return committed

    async def highwaters(self, *partitions: TP) -> Mapping[TP, int]:
        reported = await super().highwaters(*partitions)
        if self.in_transaction:  # last stable offsets: not what the probe measures
            return reported
        return await self.app.end_offsets(reported)


class _Transport(faust_aiokafka.Transport):
    Consumer = TrueEndConsumer


class WorkerApp(faust.App):
    """``faust.App`` using :class:`TrueEndConsumer`, with the worker's batch gate."""

    def __init__(self, *args: Any, end_offsets: EndOffsets, **kwargs: Any):
        self.end_offsets = end_offsets
        self.batch_gate = BatchGate()
        self.input_positions = InputPositions()
        self.offset_guards: list[ContiguousOffsets] = []  # one per Table-writing agent
        super().__init__(*args, **kwargs)
        self.on_partitions_revoked.connect(self._batch_done)

    def on_rebalance_start(self) -> None:
        self.batch_gate.close()  # first: faust calls this as the revoke begins
        super().on_rebalance_start()

    def on_rebalance_end(self) -> None:
        super().on_rebalance_end()
        self.batch_gate.open()

    async def _batch_done(self, _sender: Any, _revoked: Any, **_: Any) -> None:
        # the batch in hand writes partitions being handed over: done before the group rejoins
        await self.batch_gate.idle()

    async def on_stop(self) -> None:
        """A clean stop: no new batch, the one in hand finished (or abandoned after
        :data:`STOP_BATCH_S`; its records are applied again), then faust's stop (commit, leave)."""
        self.batch_gate.close()
        try:
            await asyncio.wait_for(self.batch_gate.idle(), STOP_BATCH_S)
        except asyncio.TimeoutError:
            self.log.warning("stopping without the batch in hand")
        await super().on_stop()

    def _new_transport(self) -> Any:
        return _Transport(self.conf.broker_consumer, self)
