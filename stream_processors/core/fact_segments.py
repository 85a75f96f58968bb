"""The aggregator's store of the latest facts per (scope key, dossier), as **segments**.

One Table entry per (scope key, dossier) cost a Table write and a changelog record per dossier
and key each time a dossier's facts changed: about three per lifecycle record. Instead each
facts batch writes **one segment per touched metric-facts partition** (:meth:`FactSegments.commit`,
split every :data:`MAX_SEGMENT_ENTRIES` entries): ``seg|{partition}|{id}`` →
``{"p": partition, "entries": [entry, ...]}``, entry = ``{"key", "code", "seq", "o", "time",
"facts"}``, where ``o`` is the offset of the ``metric-facts`` record the entry came from and
``facts`` None means the dossier left the scope key. Segments are written once and never
changed; ids are unique per process (a random nonce and a counter), so neither a replay nor a
second writer ever overwrites one.

**Which copy counts.** Per (scope key, dossier), the stored entry with the highest
``(seq, o)``: the streaming rule (a lower seq is stale, an equal seq from a later record
replaces) applied to what is stored, so a recovery finds what the running aggregator had. The
older one-entry values ``{key}|{code}`` → ``{"seq", "facts", "time", "p"}`` read as entries
with ``o = -1``.

**Space.** A segment nothing counts in any more is deleted. A segment of which at most half
still counts is compacted: what counts is copied into the batch's new segment (same seq and o)
and it is deleted. A removal is stored only if an older copy of the dossier exists; once no
older copy is left it stops holding its segment, and while its segment exists it still guards
against stale entries (as it would after a recovery). So the Table holds at most about twice
the entries that count, as one value per (scope key, dossier) did.

Pure: :meth:`FactSegments.load` is fed the stored values, :meth:`FactSegments.commit` returns
the Table writes (value None = delete) for the adapter to apply. Facts are under ~2 KB (bounded
codes and moments), so a segment stays well below Kafka's default 1 MB message size.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

from stream_processors.core.fact_expiry import expires

__all__ = ["FactSegments", "Write", "MAX_SEGMENT_ENTRIES", "SEGMENT_PREFIX"]

MAX_SEGMENT_ENTRIES = 300
SEGMENT_PREFIX = "seg|"
LEGACY_OFFSET = -1

Slot = tuple[str, str]  # (scope key, dossier code)


@dataclass(frozen=True)
class Write:
    """Set Table key ``key`` (on ``partition``) to ``value``; None deletes it."""
    key: str
    partition: int
    value: dict[str, Any] | None


@dataclass(slots=True)
class _Entry:
    key: str
    code: str
    seq: int
    o: float  # an offset; a removal by expiry sits at +0.5 (FactSegments.expire)
    time: str
    facts: dict[str, Any] | None
    seg: str = ""
    needless: bool = False  # a removal no older copy is left to shadow: only a guard now

    @property
    def slot(self) -> Slot:
        return self.key, self.code

    def rank(self) -> tuple[int, int]:
        return self.seq, self.o

    def copy(self) -> "_Entry":
        return _Entry(self.key, self.code, self.seq, self.o, self.time, self.facts)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "code": self.code, "seq": self.seq, "o": self.o,
                "time": self.time, "facts": self.facts}


@dataclass(slots=True)
class _Partition:
    """One metric-facts partition: the counting entry per slot and where every copy is."""
    win: dict[str, dict[str, _Entry]] = field(default_factory=dict)  # key -> code -> entry
    segs: dict[str, set[Slot]] = field(default_factory=dict)  # segment -> slots stored in it
    live: dict[str, int] = field(default_factory=dict)  # segment -> entries counting there
    copies: dict[Slot, set[str]] = field(default_factory=dict)  # slot -> segments holding it
    pending: dict[Slot, _Entry] = field(default_factory=dict)  # accepted since the last commit

    def counting(self, slot: Slot) -> _Entry | None:
        return self.win.get(slot[0], {}).get(slot[1])


class FactSegments:
    """Latest facts per (scope key, dossier): :meth:`offer` entries, :meth:`commit` per batch."""

    def __init__(self, nonce: str | None = None) -> None:
        self.partitions: dict[int, _Partition] = {}
        self.partition_of: dict[str, int] = {}  # scope key -> its partition
        self._ids = (f"{nonce or uuid.uuid4().hex[:12]}.{n}" for n in itertools.count())

    def facts(self, key: str) -> dict[str, dict[str, Any]]:
        """dossier code → counting facts of scope key ``key`` (removed dossiers left out)."""
        p = self.partitions.get(self.partition_of.get(key, -1))
        entries = p.win.get(key, {}) if p else {}
        return {c: e.facts for c, e in entries.items() if e.facts is not None}

    def fact(self, key: str, code: str) -> dict[str, Any] | None:
        """The counting facts of dossier ``code`` in scope key ``key`` (None if none)."""
        p = self.partitions.get(self.partition_of.get(key, -1))
        entry = p.counting((key, code)) if p else None
        return None if entry is None else entry.facts

    def counting(self, key: str) -> list[tuple[str, str, dict[str, Any]]]:
        """(dossier code, time, facts) of what counts in scope key ``key`` (removals left out)."""
        p = self.partitions.get(self.partition_of.get(key, -1))
        entries = p.win.get(key, {}) if p else {}
        return [(c, e.time, e.facts) for c, e in entries.items() if e.facts is not None]

    def expire(self, key: str, code: str, time: str) -> bool:
        """Remove the facts of (``key``, ``code``) if the version counting now is the one of
        ``time`` (see core.fact_expiry): a removal ranking just above it, stored at the next
        commit like any accepted entry. True if it was removed."""
        p = self.partitions.get(self.partition_of.get(key, -1))
        if p is None:
            return False
        slot = (key, code)
        current = p.pending.get(slot) or p.counting(slot)
        if current is None or not expires(current.facts) or current.time != time:
            return False
        # o + 0.5: above the copy it removes and below any later record's entry, so the rule
        # "highest (seq, o) counts" still decides a recovery whatever order segments load in
        p.pending[slot] = _Entry(key, code, current.seq, current.o + 0.5, current.time, None)
        return True

    def forget_partition(self, partition: int) -> None:
        self.partitions.pop(partition, None)
        for key in [k for k, p in self.partition_of.items() if p == partition]:
            del self.partition_of[key]

    # ------------------------------------------------------------------ recovery
    def load(self, table_key: str, value: dict[str, Any]) -> list[tuple[str, str]]:
        """Read one stored value (a segment or an older one-entry value); returns the
        (scope key, time) of each of its entries."""
        if table_key.startswith(SEGMENT_PREFIX):
            entries = [_Entry(e["key"], e["code"], e["seq"], e["o"], e["time"], e["facts"])
                       for e in value["entries"]]
        else:
            key, _, code = table_key.partition("|")
            entries = [_Entry(key, code, value["seq"], LEGACY_OFFSET, value["time"],
                              value["facts"])]
        self._store(self._partition(value["p"], entries), table_key, entries)
        return [(e.key, e.time) for e in entries]

    def finish_load(self, partition: int) -> list[Write]:
        """After every stored value of ``partition`` was loaded: drop what no longer counts."""
        writes: list[Write] = []
        p = self.partitions.get(partition)
        if p is None:
            return writes
        for entry in [e for codes in p.win.values() for e in codes.values() if e.facts is None]:
            self._drop_needless_removal(p, entry)
        for seg in [s for s, n in p.live.items() if n == 0]:
            self._delete(partition, p, seg, writes)
        return writes

    # ------------------------------------------------------------------ streaming
    def offer(self, key: str, partition: int, entry: dict[str, Any], offset: int) -> bool:
        """Accept an entry ``{"code", "seq", "time", "facts"}`` of scope key ``key`` from the
        record at ``offset`` unless a copy with a higher (seq, offset) counts; True if accepted."""
        new = _Entry(key, entry["code"], entry["seq"], offset, entry["time"], entry["facts"])
        p = self._partition(partition, [new])
        current = p.pending.get(new.slot) or p.counting(new.slot)
        if current is not None and current.rank() > new.rank():
            return False
        p.pending[new.slot] = new
        return True

    def commit(self) -> list[Write]:
        """The Table writes for every entry accepted since the last commit."""
        writes: list[Write] = []
        for partition, p in self.partitions.items():
            if p.pending:
                self._commit_partition(partition, p, writes)
        return writes

    def _commit_partition(self, partition: int, p: _Partition, writes: list[Write]) -> None:
        pending, p.pending = p.pending, {}
        touched = {e.seg for e in map(p.counting, pending) if e is not None}
        entries = [e for e in pending.values() if e.facts is not None or p.copies.get(e.slot)]
        for seg in touched:  # at most half still counting after this batch: move it forward
            kept = [e for e in map(p.counting, p.segs[seg] - pending.keys())
                    if e is not None and e.seg == seg and not e.needless]
            if 2 * len(kept) <= len(p.segs[seg]):
                entries += kept
        for i in range(0, len(entries), MAX_SEGMENT_ENTRIES):
            chunk = [e.copy() for e in entries[i:i + MAX_SEGMENT_ENTRIES]]
            seg = f"{SEGMENT_PREFIX}{partition}|{next(self._ids)}"
            writes.append(Write(seg, partition,
                                {"p": partition, "entries": [e.to_dict() for e in chunk]}))
            self._store(p, seg, chunk)
        for seg in [s for s in touched if p.live.get(s) == 0]:
            self._delete(partition, p, seg, writes)

    # ------------------------------------------------------------------ bookkeeping
    def _partition(self, partition: int, entries: list[_Entry]) -> _Partition:
        for e in entries:
            self.partition_of[e.key] = partition
        return self.partitions.setdefault(partition, _Partition())

    @staticmethod
    def _store(p: _Partition, seg: str, entries: list[_Entry]) -> None:
        """Record segment ``seg`` as stored with ``entries``; those ranking highest count."""
        p.segs[seg] = {e.slot for e in entries}
        p.live.setdefault(seg, 0)
        for e in entries:
            e.seg = seg
            p.copies.setdefault(e.slot, set()).add(seg)
            current = p.counting(e.slot)
            if current is None or e.rank() >= current.rank():
                if current is not None and not current.needless:
                    p.live[current.seg] -= 1
                p.win.setdefault(e.key, {})[e.code] = e
                p.live[seg] += 1

    @staticmethod
    def _drop_needless_removal(p: _Partition, entry: _Entry) -> str | None:
        """A counting removal with no older copy left stops holding its segment; returns the
        segment if nothing counts there any more."""
        if entry.needless or p.copies.get(entry.slot, set()) - {entry.seg}:
            return None
        entry.needless = True
        p.live[entry.seg] -= 1
        return entry.seg if p.live[entry.seg] == 0 else None

    def _delete(self, partition: int, p: _Partition, seg: str, writes: list[Write]) -> None:
        """Delete a segment nothing counts in; cascades to removals that shadowed only it."""
        work = [seg]
        while work:
            s = work.pop()
            if s not in p.segs:
                continue
            writes.append(Write(s, partition, None))
            p.live.pop(s, None)
            for slot in p.segs.pop(s):
                held = p.copies[slot]
                held.discard(s)
                if not held:
                    del p.copies[slot]
                entry = p.counting(slot)
                if entry is None:
                    continue
                if entry.seg == s:  # a needless removal: its guard goes with its segment
                    del p.win[slot[0]][slot[1]]
                elif entry.facts is None:
                    emptied = self._drop_needless_removal(p, entry)
                    if emptied:
                        work.append(emptied)
