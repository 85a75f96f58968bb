"""``motcua calendar set DATE off|work --source DOC`` and ``motcua calendar history``.

``set`` publishes a ``calendar.changed`` CloudEvent on the compacted ``calendar-changes`` topic
(key ``{date}:{scope}``): every worker applies it and re-derives the open dossiers' due moments.
The event id is derived from the change itself, so running the same command twice publishes the
same event (and the workers re-issue nothing the second time). ``history`` lists every change the
topic holds, in order, with its source document.
"""

from __future__ import annotations

import datetime as dt
import sys

from motcua.kafka import kafka_python_config
from motcua.settings import Settings
from schemas import topics
from producers.calendar_change import change_event
from schemas.calendar import CALENDAR_KINDS as KINDS, CalendarChanged
from schemas.cloudevents import to_record

__all__ = ["run_set", "run_history", "KINDS"]



def _topic(settings: Settings) -> str:
    return settings.topic_prefix + topics.CALENDAR_CHANGES.name


def run_set(day: str, kind: str, source: str | None, scope: str, name: str | None,
            settings: Settings) -> int:
    try:
        change = CalendarChanged(dt.date.fromisoformat(day), KINDS[kind], (source or "").strip(),
                                 name or f"Thay đổi lịch: {day} {kind}", scope)
    except (KeyError, ValueError):
        return _fail("set", f"usage: calendar set YYYY-MM-DD off|work --source DOC (got {day!r} "
                            f"{kind!r})")
    if not change.source:
        return _fail("set", "--source is required: the document number and date that decided it")
    if not settings.kafka_bootstrap_servers:
        return _fail("set", "KAFKA_BOOTSTRAP_SERVERS is not set")
    from kafka import KafkaProducer

    record = to_record(change_event(change, "urn:motcua:cli"))
    producer = KafkaProducer(acks="all", **kafka_python_config(
        settings, settings.kafka_bootstrap_servers))
    try:
        producer.send(_topic(settings), key=record.key, value=record.value,
                      headers=list(record.headers)).get(timeout=30)
    finally:
        producer.close()
    print(f"published {change.calendar_key} {change.kind}: {change.source}")
    return 0


def run_history(settings: Settings) -> int:
    if not settings.kafka_bootstrap_servers:
        return _fail("history", "KAFKA_BOOTSTRAP_SERVERS is not set")
    from stream_processors.calendar.changes import read_all

    events = read_all(kafka_python_config(settings, settings.kafka_bootstrap_servers),
                      _topic(settings))
    for e in events:
        c = e.data
        print(f"{e.time.isoformat()}\t{c.day.isoformat()}\t{c.kind}\t{c.scope}\t{c.source}"
              f"\t{c.name}")
    print(f"{len(events)} change(s)", file=sys.stderr)
    return 0


def _fail(what: str, message: str) -> int:
    print(f"motcua calendar {what}: error: {message}", file=sys.stderr)
    return 2
