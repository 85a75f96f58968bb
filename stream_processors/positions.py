"""Input positions kept *with* the state they produced: the worker's delivery guarantee.

Each Table-writing agent ends a batch by writing, in the same Table partition (so the same
changelog partition) as the batch's state, the next offset to apply of every input
topic-partition the batch applied: ``__position__:{topic}:{partition}`` → ``{"next": offset}``.
The position is written *after* the state writes, synchronously with them (no ``await`` in
between, so a cancellation cannot split them), and the changelog keeps a partition's records in
the order they were produced. On every assignment, once faust has recovered the Tables, the
worker's consumer seeks each input partition to the position its restored Table holds
(:meth:`InputPositions.resume`), whatever the consumer group committed. So:

* a record's effect on the state and the position past it reach the changelog together, or the
  position does not: then the record is applied again, which the state absorbs (a dossier
  ignores an event id it holds; the facts store keeps the highest ``(seq, offset)`` per key and
  dossier, so an equal copy changes nothing);
* faust may commit over records it skipped, or ack records nobody applied: the committed offset
  is advisory (it only serves partitions whose Table holds no position yet, e.g. a new
  deployment's first records, and lag monitoring).

Like Kafka Streams and Flink, the input position is part of the state and restored with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

__all__ = ["KEY_PREFIX", "InputPositions", "position_key", "record_positions"]

KEY_PREFIX = "__position__:"
Scope = Callable[[int], AbstractContextManager]


def position_key(topic: str, partition: int) -> str:
    return f"{KEY_PREFIX}{topic}:{partition}"


def next_offsets(events: Iterable[Any]) -> dict[tuple[str, int], int]:
    """{(topic, partition): last offset + 1} of ``events``."""
    out: dict[tuple[str, int], int] = {}
    for event in events:
        m = event.message
        key = (m.topic, m.partition)
        out[key] = max(out.get(key, 0), m.offset + 1)
    return out


def record_positions(table: MutableMapping[str, Any], events: Sequence[Any], scope: Scope) -> None:
    """Write the positions past ``events`` into ``table``, each in its own partition. Call it
    right after the batch's state writes, with no ``await`` in between."""
    for (topic, partition), offset in next_offsets(events).items():
        with scope(partition):
            table[position_key(topic, partition)] = {"next": offset}


class InputPositions:
    """Which Table holds the positions of which input topics (one instance per worker)."""

    def __init__(self) -> None:
        self._tables: dict[str, Mapping[str, Any]] = {}

    def track(self, table: Mapping[str, Any], *topics: str) -> None:
        for topic in topics:
            self._tables[topic] = table

    def tracks(self, topic: str) -> bool:
        return topic in self._tables

    def stored(self, topic: str, partition: int) -> int | None:
        """The position the (recovered) Table holds, ``None`` if it holds none."""
        value = self._tables[topic].get(position_key(topic, partition))
        return None if value is None else int(value["next"])

    def resume(self, tps: Iterable[Any], committed: Mapping[Any, int | None],
               earliest: Mapping[Any, int]) -> dict[Any, int]:
        """Where each tracked topic-partition of ``tps`` resumes: its Table position, else the
        group's committed offset (a Table that never applied anything of it), else the earliest
        offset (the consumer's ``auto_offset_reset``)."""
        out = {}
        for tp in tps:
            if not self.tracks(tp.topic):
                continue
            stored = self.stored(tp.topic, tp.partition)
            if stored is None:
                stored = committed.get(tp)
                if stored is None or stored < 0:
                    stored = earliest.get(tp)
            if stored is not None:
                out[tp] = stored
        return out
