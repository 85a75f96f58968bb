"""When a dossier's facts stop mattering to every window the aggregator serves.

An **ended** dossier counts in a window only through the days of what happened to it (receipt,
end, apology), all at or before the time of its latest facts change (the entry's ``time``).
The longest window, ``quarter_to_date``, reaches back at most 91 days from ``as_of``; so once
``time < as_of - HORIZON`` (93 days) the facts count in no window of this ``as_of`` or any later
one (``as_of`` only grows), and the aggregator may drop them. Open dossiers and catalog
procedures count in the current values and never expire. The reporting database keeps the full
record; the worker only needs what its windows can show.

:class:`ExpiryIndex` is a heap per scope key of (time, dossier) of ended facts, so finding what
expired costs O(expired × log n) instead of a scan of the key. Entries are checked against
what counts when they surface (lazy deletion).
"""

from __future__ import annotations

import heapq
from datetime import datetime, timedelta
from typing import Any

from stream_processors.core.clock_records import from_iso

__all__ = ["HORIZON", "ExpiryIndex", "expires"]

HORIZON = timedelta(days=93)


def expires(facts: dict[str, Any] | None) -> bool:
    """True for facts that can expire: an ended dossier's (not open ones, not procedures)."""
    return (facts is not None and facts.get("kind", "dossier") == "dossier"
            and facts.get("ended_at") is not None)


class ExpiryIndex:
    """(time, code) of expirable facts per scope key; :meth:`due` pops what is older than
    ``as_of - HORIZON``."""

    def __init__(self) -> None:
        self._heaps: dict[str, list[tuple[float, str, str]]] = {}

    def add(self, key: str, code: str, time: str, facts: dict[str, Any] | None) -> None:
        if expires(facts):
            heapq.heappush(self._heaps.setdefault(key, []), (from_iso(time).timestamp(), time, code))

    def due(self, key: str, as_of: datetime) -> list[tuple[str, str]]:
        """(code, time) of the candidates of ``key`` older than the horizon (maybe stale: the
        caller checks that the entry counting now is still that one)."""
        heap, limit, out = self._heaps.get(key), (as_of - HORIZON).timestamp(), []
        while heap and heap[0][0] < limit:
            _, time, code = heapq.heappop(heap)
            out.append((code, time))
        return out

    def forget(self, keys: set[str]) -> None:
        for key in keys:
            self._heaps.pop(key, None)

    def cutoff(self, as_of: datetime | None) -> float | None:
        return None if as_of is None else (as_of - HORIZON).timestamp()
