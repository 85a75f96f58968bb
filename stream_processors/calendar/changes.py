"""The worker's view of the calendar-changes topic: the shipped calendar plus every change read.

No faust here (stream_processors/calendar/agents.py wires it). :class:`CalendarLog` keeps the
latest change per ``{date}:{scope}`` key (the compacted topic's own rule); :meth:`apply` answers
whether a change is new, so a replayed or duplicated record re-derives nothing.
:func:`read_all` reads the whole topic at start (it is small and compacted), since a consumer
group would resume after its committed offset and forget the earlier changes.
"""

from __future__ import annotations

from typing import Any

from schemas.calendar import CalendarChanged
from schemas.cloudevents import Event, from_record
from schemas.errors import ContractError
from stream_processors.core.calendar import Override, WorkingCalendar

__all__ = ["CalendarLog", "read_all", "override_of", "reason_of"]


def override_of(change: CalendarChanged) -> Override:
    return Override(change.day, change.kind, change.name, change.source)


def reason_of(change: CalendarChanged) -> str:
    return f"calendar change {change.day.isoformat()} {change.kind}: {change.source}"


class CalendarLog:
    def __init__(self, base: WorkingCalendar) -> None:
        self.base, self.rows = base, {}  # key -> Override
        self.calendar = base

    def apply(self, change: CalendarChanged) -> bool:
        """Take ``change`` in; True when it changes the calendar (then ``calendar`` is new)."""
        row = override_of(change)
        if self.rows.get(change.calendar_key) == row:
            return False
        self.rows[change.calendar_key] = row
        self.calendar = self.base.with_changes(self.rows.values())
        return True


def read_all(config: dict[str, Any], topic: str, timeout_s: float = 10.0) -> list[Event]:
    """Every decodable ``calendar.changed`` record of ``topic`` (kafka-python ``config``), in
    offset order; undecodable records are skipped here (the agent dead-letters them)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(enable_auto_commit=False, **config)
    try:
        parts = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        if not tps:
            return []
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        out: list[Event] = []
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            batches = consumer.poll(timeout_ms=int(timeout_s * 1000))
            if not batches:
                break
            for records in batches.values():
                for r in records:
                    try:
                        out.append(from_record(r.key, r.value, r.headers))
                    except ContractError:
                        continue
        return [e for e in out if isinstance(e.data, CalendarChanged)]
    finally:
        consumer.close()
