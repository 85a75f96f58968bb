"""The worker's faust transport: faust's aiokafka transport with *true* changelog end offsets.

faust's table recovery reads each changelog partition until ``offset >= highwater - 1``, where
``highwater`` comes from ``Consumer.highwaters()`` (ListOffsets latest), and refuses to start when
a RocksDB store's persisted offset is beyond it (``ConsistencyError``). The embedded broker
answers ListOffsets with the base offset of the last record batch + 1 (see
:func:`motcua.broker.true_end_offsets`), so recovery stopped early — the tail of the last
changelog batch was never restored (stale Table state after a restart) — and a kept RocksDB store
failed the check. This is the one place that corrects it: :class:`WorkerApp` builds its consumer
from :class:`TrueEndConsumer`, whose ``highwaters()`` asks the broker for the reported offsets and
then :func:`~motcua.broker.true_end_offsets` for the real ones. On Apache Kafka the probe returns
the reported offsets unchanged. Nothing is monkey-patched: these are subclasses, used only by the
worker's app.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Any

import faust
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP

from motcua.broker import true_end_offsets
from stream_processors.batch_safety import BatchGate

__all__ = ["WorkerApp", "TrueEndConsumer"]


class TrueEndConsumer(faust_aiokafka.Consumer):
    """faust's aiokafka consumer whose ``highwaters()`` are real end offsets. It also keeps the
    offsets of its last seek to committed (``sought``), and on the app's ``gapless_topics`` it
    fills no gaps and records only the offsets of applied messages (see
    :mod:`stream_processors.contiguous`)."""

    sought: Mapping[Any, int] = {}

    async def seek_to_committed(self) -> Mapping[TP, int]:
        offsets = await super().seek_to_committed()
        self.sought = dict(offsets)
        return offsets

    def ack(self, message: Any) -> bool:
        """faust acks the messages its stream *skips* (fetched in an older generation, or while
        flow control is suspended: "otherwise the lag would increase"), and a skipped copy of a
        record counts as done. On ``gapless_topics`` an offset is recorded only for a message
        the agent applied (``app.applied``); the others stay unrecorded and are consumed again."""
        if message.topic in self.app.gapless_topics and message not in self.app.applied:
            message.acked = True
            return False
        self.app.applied.discard(message)
        return super().ack(message)

    async def _add_gap(self, tp: TP, offset_from: int, offset_to: int) -> None:
        # faust's step for compacted/transactional topics: it would commit over records that
        # were fetched and then dropped, which on our inputs are real records never applied
        if tp.topic not in self.app.gapless_topics:
            await super()._add_gap(tp, offset_from, offset_to)

    async def highwaters(self, *partitions: TP) -> Mapping[TP, int]:
        reported = await super().highwaters(*partitions)
        if self.in_transaction:  # last stable offsets: not what the probe measures
            return reported
        return await true_end_offsets(self.app.end_offset_client_config, reported)


class _Transport(faust_aiokafka.Transport):
    Consumer = TrueEndConsumer


class WorkerApp(faust.App):
    """``faust.App`` using :class:`TrueEndConsumer`; ``end_offset_client_config`` are the aiokafka
    kwargs (bootstrap + security) of the end-offset probe.

    It also runs the :class:`~stream_processors.batch_safety.BatchGate` (``batch_gate``) of the
    Table-writing agents: closed from the start of a rebalance until its recovery is done, and the
    revoke waits for the batch in hand where faust's ``stream_wait_empty`` would wait for every
    message it ever handed out (including those it just cleared from the queues: a stall)."""

    #: input topics never compacted nor transactional: an offset hole there is a dropped record
    gapless_topics: frozenset[str] = frozenset()

    def __init__(self, *args: Any, end_offset_client_config: dict[str, Any], **kwargs: Any):
        self.end_offset_client_config = end_offset_client_config
        self.batch_gate = BatchGate()
        #: messages of gapless topics an agent applied: only their offsets may be committed
        self.applied: weakref.WeakSet[Any] = weakref.WeakSet()
        super().__init__(*args, **kwargs)

    def on_rebalance_start(self) -> None:
        self.batch_gate.close()  # first: faust calls this as the revoke begins
        super().on_rebalance_start()

    def on_rebalance_end(self) -> None:
        super().on_rebalance_end()
        self.batch_gate.open()

    async def _consumer_wait_empty(self, consumer: Any, logger: Any) -> None:
        # faust's step of the revoke between clearing the queues and flushing the producer
        logger.info("Wait for the batch in hand...")
        await self.batch_gate.idle()
        await super()._consumer_wait_empty(consumer, logger)

    def _new_transport(self) -> Any:
        return _Transport(self.conf.broker_consumer, self)
