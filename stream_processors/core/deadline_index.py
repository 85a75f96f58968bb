"""A time-ordered index of open deadlines, per partition: a heap with lazy deletion.

Each dossier has at most one live entry: its earliest pending ``fire_at`` (the state decides what
actually fires, so the index only has to say *when to look*). :meth:`DeadlineIndex.set` replaces
a dossier's entry in O(log n); :meth:`DeadlineIndex.pop_due` yields the dossiers whose moment has
come, earliest first, without scanning the others. Stale heap items are skipped when they surface.
The index is derived data: after a restart or rebalance it is rebuilt from the Table. Heap items
are keyed by the POSIX timestamp (a float compares several times faster than an aware datetime,
which matters at a million entries); the datetime rides along for :meth:`next_moment`.
"""

from __future__ import annotations

import heapq
from datetime import datetime

__all__ = ["DeadlineIndex"]


class DeadlineIndex:
    def __init__(self) -> None:
        self._heaps: dict[int, list[tuple[float, int, str, datetime]]] = {}
        self._live: dict[str, tuple[int, datetime, int]] = {}  # code -> (partition, at, token)
        self._token = 0

    def __len__(self) -> int:
        return len(self._live)

    def set(self, code: str, partition: int, fire_at: datetime | None) -> None:
        """Make ``fire_at`` the dossier's next moment (None removes it)."""
        if fire_at is None:
            self._live.pop(code, None)
            return
        live = self._live.get(code)
        if live is not None and live[:2] == (partition, fire_at):
            return
        self._token += 1
        self._live[code] = (partition, fire_at, self._token)
        heapq.heappush(self._heaps.setdefault(partition, []),
                       (fire_at.timestamp(), self._token, code, fire_at))

    def next_moment(self, partition: int) -> datetime | None:
        heap = self._heaps.get(partition, [])
        self._drop_stale(heap)
        return heap[0][3] if heap else None

    def pop_due(self, partition: int, now: datetime) -> list[str]:
        """Remove and return the dossiers of ``partition`` whose moment is ≤ ``now``."""
        heap, due, limit = self._heaps.get(partition, []), [], now.timestamp()
        while True:
            self._drop_stale(heap)
            if not heap or heap[0][0] > limit:
                return due
            code = heapq.heappop(heap)[2]
            del self._live[code]
            due.append(code)

    def partitions(self) -> list[int]:
        return sorted(p for p, heap in self._heaps.items() if heap)

    def drop_partition(self, partition: int) -> None:
        for _, _, code, _ in self._heaps.pop(partition, []):
            live = self._live.get(code)
            if live is not None and live[0] == partition:
                del self._live[code]

    def _drop_stale(self, heap: list[tuple[float, int, str, datetime]]) -> None:
        while heap:
            _, token, code, _ = heap[0]
            live = self._live.get(code)
            if live is not None and live[2] == token:
                return
            heapq.heappop(heap)
