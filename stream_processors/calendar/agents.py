"""Faust wiring of calendar changes: one agent over the compacted ``calendar-changes`` topic.

At start a task reads the whole topic (:func:`~stream_processors.calendar.changes.read_all`);
then the agent takes each new change. A change that alters the calendar replaces the lifecycle
processor's calendar and asks, through ``deadline-ticks`` (the lifecycle agent owns the dossier
Table), for every open dossier's due moment to be re-derived: a new due version, the old
version's flags withdrawn. A record that is not a ``calendar.changed`` goes to dead-letters.
Every worker reads every change (the topic has one partition and each worker reads it whole at
start); only the owner of a dossier's partition re-issues it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from schemas.calendar import CalendarChanged
from schemas.cloudevents import from_record
from schemas.errors import ContractError
from stream_processors.calendar.changes import CalendarLog, read_all, reason_of
from stream_processors.dossiers.agents import origin_of
from stream_processors.dossiers.processor import DossierProcessor
from stream_processors.records import contract_reason, dead_letter

__all__ = ["register"]


def register(app: Any, raw: Any, topics: Any, processor: DossierProcessor, kafka_config: dict,
             *, source: str, clock: Any) -> CalendarLog:
    log = CalendarLog(processor.ctx.calendar)

    async def take(change: CalendarChanged) -> None:
        if not log.apply(change):
            return  # already known: a replay or a duplicate re-issues nothing
        processor.use_calendar(log.calendar)
        for partition, record in processor.reissue_ticks(reason_of(change)):
            await raw.send(topics.ticks, record, partition=partition)

    @app.task
    async def load_calendar_changes() -> None:
        events = await asyncio.to_thread(read_all, kafka_config, topics.calendar_changes)
        for event in events:
            await take(event.data)

    @app.agent(raw.get(topics.calendar_changes), name="apply_calendar_changes", concurrency=1)
    async def apply_calendar_changes(stream: Any) -> None:
        async for event in stream.events():
            origin = origin_of(event)
            try:
                change = from_record(origin.key, origin.value, origin.headers).data
                if not isinstance(change, CalendarChanged):
                    raise ContractError("header ce_type", "must be calendar.changed on this topic")
            except ContractError as exc:
                record = dead_letter(origin, contract_reason(exc), str(exc), time=clock(),
                                     source=source)
                await raw.send(topics.dead_letters, record)
                continue
            await take(change)

    return log
