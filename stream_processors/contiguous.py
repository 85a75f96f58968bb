"""Each input partition applied in offset order with no record skipped, whatever faust drops.

The rebalance fault test traced it: around a rebalance faust's stream drops records it already
fetched (a message of an older generation, or one arriving while flow control is suspended, is
skipped without an ack). The consumer then sees the next record's offset jump ahead and treats
the hole as a compacted or transactional gap (``Consumer._add_gap``): it commits over it. A worker
skipped 60 records of a partition that way, and a stopping worker committed over the 31 it had
not applied, so their dossiers' flags and classifications were lost or wrong.

Our inputs (lifecycle, deadline ticks, metric facts) are never compacted and never written in
transactions, so a hole in their offsets is always such a drop. :class:`ContiguousOffsets`
admits a record only if it is the next offset of its partition; after a jump it asks the agent to
seek the partition back to the first missing offset. When the skipped records were a
partition's tail, no later record comes to show the hole: a partition whose consumer has fetched
past the next offset while nothing of it arrives for :data:`STALLED_AFTER_S` is sought back too
(:meth:`ContiguousOffsets.stalled`). A seek can be undone: records fetched
before it still arrive, raise faust's read offset again, and faust's consumer then drops the
records fetched from the sought offset as old. So a seek that brought nothing is repeated
(:meth:`ContiguousOffsets.overdue`, from a timer) every :data:`REWIND_EVERY_S` until the missing
record arrives. Copies of applied records are dropped.
The worker's consumer does not fill gaps on these topics (:mod:`stream_processors.transport`),
so nothing is committed past a record that was not applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["ContiguousOffsets", "REWIND_EVERY_S", "STALLED_AFTER_S"]

REWIND_EVERY_S = 2.0
#: seconds without a record of a partition whose consumer fetched past it before it seeks back
STALLED_AFTER_S = 5.0
Key = tuple[str, int]


class ContiguousOffsets:
    """Per (topic, partition) the next offset to apply, for one agent. :meth:`start` at each
    consumer generation with the offsets faust sought to; :meth:`admit` each batch; call
    :meth:`overdue` now and then for the seeks to repeat."""

    def __init__(self) -> None:
        self.generation: int | None = None
        self.next: dict[Key, int] = {}
        self.pending: dict[Key, tuple[int, float]] = {}  # key -> (offset sought, when)
        self.progress: dict[Key, float] = {}  # key -> when a record was last admitted

    def start(self, generation: int, sought: Mapping[Any, int | None], now: float = 0.0) -> None:
        """A new generation: faust sought every assigned partition to its committed offset (a
        partition with none starts wherever its first record is)."""
        self.generation = generation
        self.next = {(tp[0], tp[1]): offset for tp, offset in sought.items()
                     if offset is not None and offset >= 0}
        self.pending.clear()
        self.progress = dict.fromkeys(self.next, now)

    def admit(self, events: Iterable[Any], now: float) -> tuple[list[Any], dict[Key, int]]:
        """(events to apply in order, {partition: offset to seek back to})."""
        admitted: list[Any] = []
        rewind: dict[Key, int] = {}
        for event in events:
            m = event.message
            key = (m.topic, m.partition)
            expected = self.next.get(key)
            if expected is None or m.offset == expected:
                admitted.append(event)
                self.next[key] = m.offset + 1
                self.pending.pop(key, None)
                self.progress[key] = now
            elif m.offset > expected and key not in rewind and key not in self.pending:
                rewind[key] = expected
                self.pending[key] = (expected, now)
        return admitted, rewind

    def retreat(self, events: Iterable[Any]) -> None:
        """``events`` were admitted but not applied (their batch failed): expect them again.
        Without this a failed batch would leave a hole that the next records jump over."""
        for event in events:
            m = event.message
            key = (m.topic, m.partition)
            if m.offset < self.next.get(key, m.offset + 1):
                self.next[key] = m.offset

    def quiet(self, now: float) -> list[Key]:
        """Partitions with no record admitted for :data:`STALLED_AFTER_S` and no seek back
        pending: the only ones :meth:`stalled` can name, so the only positions worth asking."""
        return [key for key in self.next if key not in self.pending
                and now - self.progress.get(key, now) >= STALLED_AFTER_S]

    def stalled(self, positions: Mapping[Key, int | None], now: float) -> dict[Key, int]:
        """Partitions whose consumer has fetched past the next offset (``positions``) while no
        record of theirs was admitted for :data:`STALLED_AFTER_S`: the records in between were
        skipped before they reached the agent, and no later record will come to show the hole
        (it was the partition's tail). Returns the seeks back to make."""
        again = {}
        for key, position in positions.items():
            expected = self.next.get(key)
            if expected is None or position is None or position <= expected:
                continue
            if now - self.progress.get(key, now) < STALLED_AFTER_S or key in self.pending:
                continue
            again[key] = expected
            self.pending[key] = (expected, now)
        return again

    def overdue(self, now: float) -> dict[Key, int]:
        """The seeks that brought nothing for :data:`REWIND_EVERY_S`: to be made again."""
        again = {key: offset for key, (offset, when) in self.pending.items()
                 if now - when >= REWIND_EVERY_S}
        for key, offset in again.items():
            self.pending[key] = (offset, now)
        return again


def left_out(events: Sequence[Any], admitted: Sequence[Any]) -> list[Any]:
    """The events of ``events`` not in ``admitted`` (by identity)."""
    kept = {id(e) for e in admitted}
    return [e for e in events if id(e) not in kept]
