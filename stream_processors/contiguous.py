"""Each input partition applied in offset order with no record skipped, whatever faust drops.

An agent's batch writes the position past the records it applied (:mod:`.positions`), so it
must never apply a record past one it did not apply: the position would then jump over it.
faust's stream does drop records it already fetched (see :mod:`.faust_reliance`): those of an
older consumer generation, those fetched while flow was stopped, and a batch fetched before a
seek that is handed out after it. At each generation start the consumer sought every input
partition to its Table position (:meth:`~.positions.InputPositions.resume`), so
:class:`ContiguousOffsets` starts from those offsets, admits a record only if it is the next one
of its partition, drops copies of applied records, and on a jump ahead marks the partition for
a **rewind** to the first missing offset. The agent's timer performs rewinds
(:func:`stream_processors.batch_safety.rewind`); one that did not bring the missing record within
:data:`REWIND_EVERY_S` is made again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

__all__ = ["ContiguousOffsets", "REWIND_EVERY_S", "STALLED_AFTER_S", "left_out"]

REWIND_EVERY_S = 2.0
#: seconds without an admitted record of a partition before its consumer position is checked
STALLED_AFTER_S = 5.0
Key = tuple[str, int]


class ContiguousOffsets:
    """Per (topic, partition) the next offset to apply, for one agent reading ``topics``
    (``None``: whatever it is given)."""

    def __init__(self, topics: frozenset[str] | None = None) -> None:
        self.topics = topics
        self.generation: int | None = None
        self.next: dict[Key, int] = {}
        self.holes: dict[Key, float | None] = {}  # key -> when last rewound (None: not yet)
        self.progress: dict[Key, float] = {}  # key -> when a record of it was last admitted
        self.in_batch = False
        self.batch_ended: float = 0.0  # when the agent last finished a batch

    def start(self, generation: int, sought: Mapping[Any, int | None], now: float = 0.0) -> None:
        """A new consumer generation: faust sought every assigned partition to ``sought``
        (of which only this agent's topics are kept)."""
        self.generation = generation
        self.next = {(tp[0], tp[1]): offset for tp, offset in sought.items()
                     if offset is not None and offset >= 0
                     and (self.topics is None or tp[0] in self.topics)}
        self.holes.clear()
        self.progress = dict.fromkeys(self.next, now)
        self.batch_ended = now

    def admit(self, events: Iterable[Any], now: float = 0.0) -> list[Any]:
        """The events to apply, in order; a partition whose next record is missing is marked.
        The agent is in a batch until :meth:`batch_done`."""
        self.in_batch = True
        admitted: list[Any] = []
        for event in events:
            m = event.message
            key = (m.topic, m.partition)
            expected = self.next.get(key)
            if expected is None or m.offset == expected:
                admitted.append(event)
                self.next[key] = m.offset + 1
                self.holes.pop(key, None)
                self.progress[key] = now
            elif m.offset > expected:
                self.holes.setdefault(key, None)
        return admitted

    def batch_done(self, now: float = 0.0) -> None:
        """The agent finished (or abandoned) the batch it was given by :meth:`admit`."""
        self.in_batch = False
        self.batch_ended = now

    def retreat(self, events: Iterable[Any]) -> None:
        """``events`` were admitted but not applied (their batch failed): expect them again."""
        for event in events:
            m = event.message
            key = (m.topic, m.partition)
            if m.offset < self.next.get(key, m.offset + 1):
                self.next[key] = m.offset

    def quiet(self, now: float) -> list[Key]:
        """Partitions with no hole marked and no record admitted for :data:`STALLED_AFTER_S`,
        while the agent has waited that long for a batch: the ones whose consumer position is
        worth asking (:meth:`stalled`). An agent that is busy, or took a batch within that time,
        may still have the partition's records queued behind others (a backlog): its consumer's
        position is then past the next offset without anything having been dropped, and a
        dropped record in the middle of the partition shows as a hole anyway."""
        if self.in_batch or now - self.batch_ended < STALLED_AFTER_S:
            return []
        return [key for key in self.next if key not in self.holes
                and now - self.progress.get(key, now) >= STALLED_AFTER_S]

    def stalled(self, key: Key, position: int | None) -> bool:
        """The consumer of a quiet partition has fetched to ``position``: past the next offset,
        the records in between were dropped before they reached the agent, and when they were
        the partition's tail no later record comes to show the hole. Marks it for a rewind."""
        expected = self.next.get(key)
        if expected is None or position is None or position <= expected:
            return False
        self.holes.setdefault(key, None)
        return True

    def unapplied(self, end: Callable[[Key], int | None]) -> dict[str, int]:
        """Per input topic, the records between each partition's next offset to apply and its
        ``end`` offset (``None``: unknown, left out), summed over this agent's partitions; a
        topic of ``topics`` with none counts 0. Reads only; the batch in hand counts as applied."""
        out = dict.fromkeys(self.topics or (), 0)
        for key, offset in self.next.items():
            last = end(key)
            if last is not None:
                out[key[0]] = out.get(key[0], 0) + max(0, last - offset)
        return out

    def positions(self) -> dict[Key, int]:
        """The next offset to apply of every partition this agent tracks."""
        return dict(self.next)

    def due(self, now: float) -> dict[Key, int]:
        """Rewinds to make now: new holes, and those rewound :data:`REWIND_EVERY_S` ago that
        brought nothing. Each returned rewind counts as made at ``now``."""
        out = {key: self.next[key] for key, when in self.holes.items()
               if when is None or now - when >= REWIND_EVERY_S}
        for key in out:
            self.holes[key] = now
        return out


def left_out(events: Sequence[Any], admitted: Sequence[Any]) -> list[Any]:
    """The events of ``events`` not in ``admitted`` (by identity)."""
    kept = {id(e) for e in admitted}
    return [e for e in events if id(e) not in kept]
