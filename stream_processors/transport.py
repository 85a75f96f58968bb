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

from collections.abc import Mapping
from typing import Any

import faust
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP

from motcua.broker import true_end_offsets

__all__ = ["WorkerApp", "TrueEndConsumer"]


class TrueEndConsumer(faust_aiokafka.Consumer):
    """faust's aiokafka consumer whose ``highwaters()`` are real end offsets."""

    async def highwaters(self, *partitions: TP) -> Mapping[TP, int]:
        reported = await super().highwaters(*partitions)
        if self.in_transaction:  # last stable offsets: not what the probe measures
            return reported
        return await true_end_offsets(self.app.end_offset_client_config, reported)


class _Transport(faust_aiokafka.Transport):
    Consumer = TrueEndConsumer


class WorkerApp(faust.App):
    """``faust.App`` using :class:`TrueEndConsumer`; ``end_offset_client_config`` are the aiokafka
    kwargs (bootstrap + security) of the end-offset probe."""

    def __init__(self, *args: Any, end_offset_client_config: dict[str, Any], **kwargs: Any):
        self.end_offset_client_config = end_offset_client_config
        super().__init__(*args, **kwargs)

    def _new_transport(self) -> Any:
        return _Transport(self.conf.broker_consumer, self)
