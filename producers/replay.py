"""History import: NDJSON lines → lifecycle events → the outbox (then the relay, as always).

Two formats, one JSON object per line:

* ``ndjson`` — our structured CloudEvents (``schemas.cloudevents.to_json``), taken as they are;
* ``dvcqg`` — national-portal ``HoSoDongBoDVC`` snapshots, mapped by :mod:`producers.dvcqg`; the
  per-dossier mapping state lives in the outbox file and commits with the events it produced.

An invalid line is reported with its number and reason and the import goes on. A heartbeat
(``clock.heartbeat`` at the highest event time seen) is added whenever event time has advanced
by ``heartbeat_every``, and once at the end, so deadlines fire in event time downstream. The
input is expected roughly in time order; events older than a heartbeat already sent are
still imported but arrive late for the stream processors.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterable, Iterator

from producers.dvcqg import Lookup, dossier_key, map_snapshot
from producers.outbox import Outbox
from producers.publisher import Publisher
from schemas.cloudevents import Event, from_json
from schemas.errors import ContractError
from schemas.lifecycle import ClockHeartbeat

__all__ = ["FORMATS", "ImportSummary", "LineError", "Importer", "heartbeat"]

FORMATS = ("ndjson", "dvcqg")
HEARTBEAT_NAMESPACE = uuid.UUID("0b7e0c4e-8d0f-4c4c-9b1e-5a0f6f1b2c3d")


@dataclasses.dataclass(frozen=True)
class LineError:
    line: int
    reason: str
    field: str = ""  # the field at fault ("" = the line as a whole)


@dataclasses.dataclass
class ImportSummary:
    lines: int = 0
    events: int = 0
    duplicates: int = 0  # events already in the outbox (same id)
    heartbeats: int = 0
    errors: list[LineError] = dataclasses.field(default_factory=list)
    first_time: dt.datetime | None = None
    last_time: dt.datetime | None = None

    @property
    def accepted_lines(self) -> int:
        return self.lines - len(self.errors)

    def errors_by_field(self) -> list[tuple[str, int]]:
        """(field, lines refused for it), most frequent first; list indices are folded
        (``TaiLieuNop.3.Gia`` counts as ``TaiLieuNop.*.Gia``)."""
        counts: dict[str, int] = {}
        for e in self.errors:
            name = ".".join("*" if p.isdigit() else p for p in e.field.split(".")) or "(line)"
            counts[name] = counts.get(name, 0) + 1
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def heartbeat(producer: str, at: dt.datetime, source: str) -> Event:
    """A heartbeat at event time ``at``; its id depends only on (producer, at)."""
    hb_id = str(uuid.uuid5(HEARTBEAT_NAMESPACE, f"{producer}:{at.isoformat()}"))
    return Event(id=hb_id, source=source, time=at, subject=producer, data=ClockHeartbeat(producer))


def _numbered(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield number, line


class Importer:
    """Import lines into the outbox in transactions of ``batch`` lines."""

    def __init__(self, publisher: Publisher, fmt: str, source: str,
                 lookup: Lookup | None = None, producer: str = "replay",
                 heartbeat_every: dt.timedelta = dt.timedelta(hours=1), batch: int = 500,
                 on_error: Callable[[LineError], None] = lambda e: None) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
        if fmt == "dvcqg" and lookup is None:
            raise ValueError("the dvcqg format needs a procedure lookup")
        self.publisher, self.fmt, self.source, self.lookup = publisher, fmt, source, lookup
        self.producer, self.heartbeat_every, self.batch = producer, heartbeat_every, batch
        self.on_error = on_error
        self.summary = ImportSummary()
        self._last_heartbeat: dt.datetime | None = None

    @property
    def outbox(self) -> Outbox:
        return self.publisher.outbox

    def run(self, lines: Iterable[str], progress: Callable[[int], None] = lambda n: None
            ) -> ImportSummary:
        """Import every line; ``progress`` gets the count of lines done after each batch."""
        chunk: list[tuple[int, str]] = []
        for item in _numbered(lines):
            chunk.append(item)
            if len(chunk) >= self.batch:
                self._commit(chunk)
                progress(self.summary.lines)
                chunk = []
        self._commit(chunk, final=True)
        progress(self.summary.lines)
        return self.summary

    def _commit(self, chunk: list[tuple[int, str]], final: bool = False) -> None:
        with self.outbox.transaction() as db:
            for number, line in chunk:
                self.summary.lines += 1
                try:
                    events = self._events(line, db)
                except ContractError as exc:
                    self._error(LineError(number, str(exc), exc.field))
                    continue
                self._publish(events, db)
            if final and self.summary.last_time is not None:
                self._heartbeat(db, force=True)

    def _events(self, line: str, db) -> list[Event]:  # noqa: ANN001 - sqlite connection
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError) as exc:  # deep nesting → RecursionError
            raise ContractError("", f"is not valid JSON ({exc})") from None
        if self.fmt == "ndjson":
            return [from_json(obj)]
        key = f"dvcqg:{dossier_key(obj)}"
        state, events = map_snapshot(obj, self.outbox.load_state(key, db), self.lookup, self.source)
        self.outbox.save_state(key, state, db)
        return events

    def _publish(self, events: list[Event], db) -> None:  # noqa: ANN001
        added = self.publisher.publish(events, db) if events else 0
        s = self.summary
        s.events += added
        s.duplicates += len(events) - added
        for event in events:
            s.first_time = min(s.first_time or event.time, event.time)
            s.last_time = max(s.last_time or event.time, event.time)
        self._heartbeat(db)

    def _heartbeat(self, db, force: bool = False) -> None:  # noqa: ANN001
        at = self.summary.last_time
        if at is None or (self._last_heartbeat is not None and at <= self._last_heartbeat):
            return
        if not force and self._last_heartbeat is not None \
                and at - self._last_heartbeat < self.heartbeat_every:
            return
        self._last_heartbeat = at
        self.publisher.publish([heartbeat(self.producer, at, self.source)], db)
        self.summary.heartbeats += 1

    def _error(self, error: LineError) -> None:
        self.summary.errors.append(error)
        self.on_error(error)
