"""Consumer lag of the pipeline's consumer groups, measured by the board.

Every ``interval`` seconds: each group's committed offsets against the log end offsets, summed
per topic, into ``motcua_consumer_lag_records{group, topic}``. The embedded broker may report
a log end a batch behind, so small values are noise; alerts use a threshold in the thousands.

For the worker's group the committed offsets are advisory: the worker resumes from the input
positions stored in its Tables (``stream_processors/positions.py``), so its committed lag can be
off either way. How far behind the worker is comes from the worker itself:
``motcua_worker_unapplied_records{topic}`` (end offset minus the next offset it applies).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["LagMonitor", "lag_by_topic"]

log = logging.getLogger(__name__)


def lag_by_topic(committed: Mapping[Any, int], ends: Mapping[Any, int]) -> dict[str, int]:
    """Sum over partitions of max(0, end - committed); keys are TopicPartition-like (.topic)."""
    out: dict[str, int] = {}
    for tp, offset in committed.items():
        if offset is None or offset < 0 or tp not in ends:
            continue
        out[tp.topic] = out.get(tp.topic, 0) + max(0, ends[tp] - offset)
    return out


class LagMonitor(threading.Thread):
    def __init__(self, client_config: dict[str, Any], groups: Sequence[str], gauge: Any,
                 interval: float = 15.0) -> None:
        super().__init__(name="board-lag", daemon=True)
        self._config, self._groups, self._gauge = client_config, list(groups), gauge
        self._interval = interval
        self._halt = threading.Event()
        self.rounds = 0

    def stop(self) -> None:
        self._halt.set()

    def run(self) -> None:
        from kafka import KafkaConsumer
        from kafka.admin import KafkaAdminClient

        admin = consumer = None
        try:
            admin = KafkaAdminClient(**self._config, client_id="motcua-board-lag")
            consumer = KafkaConsumer(**self._config, group_id=None, client_id="motcua-board-lag")
            while not self._halt.is_set():
                for group in self._groups:
                    self._measure(admin, consumer, group)
                self.rounds += 1
                self._halt.wait(self._interval)
        except Exception:  # lag is best effort: never take the board down  # noqa: BLE001
            log.warning("consumer lag monitor stopped", exc_info=True)
        finally:
            for client in (consumer, admin):
                if client is not None:
                    client.close()

    def _measure(self, admin: Any, consumer: Any, group: str) -> None:
        try:
            committed = {tp: om.offset for tp, om in _group_offsets(admin, group).items()}
            if not committed:
                return
            ends = consumer.end_offsets(list(committed))
        except Exception as exc:  # noqa: BLE001 - one group failing must not stop the others
            log.info("lag of group %s unavailable: %s", group, type(exc).__name__)
            return
        for topic, lag in lag_by_topic(committed, ends).items():
            self._gauge.labels(group, topic).set(lag)


def _group_offsets(admin: Any, group: str) -> Mapping[Any, Any]:
    if hasattr(admin, "list_group_offsets"):            # kafka-python 3
        return admin.list_group_offsets(group).get(group, {})
    return admin.list_consumer_group_offsets(group)      # kafka-python 2
