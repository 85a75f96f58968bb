"""Bounded state: an ended dossier leaves the hot state once nothing can still reorder into it or
follow its end, and a record for it afterwards is dead-lettered with reason dossier_evicted."""

from __future__ import annotations

import asyncio
import datetime as dt

import orjson
from prometheus_client import CollectorRegistry

from schemas import lifecycle as lc
from schemas.cloudevents import to_record
from stream_processors.core.calendar import default_calendar
from stream_processors.core.transitions import Context
from stream_processors.dossiers.processor import DossierProcessor
from stream_processors.records import Origin
from stream_processors.telemetry import WorkerTelemetry
from stream_processors.topics import WorkerTopics
from tests.dossier_events import at, code, ev, heartbeat, received, resolved, returned

C, OPEN, T0 = code(1), code(2), at("2025-08-04", "09:30")
DAY = dt.timedelta(days=1)
CTX = Context(default_calendar(), retention=2 * DAY)


class LoggingTable(dict):
    def __init__(self, log: list) -> None:
        super().__init__()
        self.log = log

    def __delitem__(self, key) -> None:
        self.log.append(("delete", key))
        super().__delitem__(key)


class Worker:
    def __init__(self, ctx: Context = CTX) -> None:
        self.log: list = []
        self.offset = 0
        self.table = LoggingTable(self.log)
        self.processor = DossierProcessor(self.table, self._send, ctx, WorkerTopics(),
                                          WorkerTelemetry(CollectorRegistry()), event_time=True,
                                          source="test", clock=lambda: T0)

    async def _send(self, topic, record, partition=None):
        self.log.append(("send", topic, record))
        future = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future

    def feed(self, *events) -> None:
        origins = []
        for e in events:
            key, value, headers = to_record(e)
            origins.append(Origin("dossier-lifecycle", 0, self.offset, key, value, list(headers)))
            self.offset += 1
        asyncio.run(self.processor.handle_batch(origins))

    def dead_letters(self) -> list[dict]:
        return [orjson.loads(r.value) for kind, topic, *rest in self.log
                if kind == "send" and topic == "dead-letters" for r in rest[:1]]


def feedback(c, time):
    return ev(lc.FeedbackGiven(c, "hai_long"), time)


def test_an_ended_dossier_leaves_the_state_after_the_retention_and_a_late_record_is_dead_lettered():
    w = Worker()
    end = T0 + DAY
    w.feed(received(C, T0), received(OPEN, T0), resolved(C, end))
    w.feed(returned(C, end + DAY), heartbeat(end + 2 * DAY))  # inside the retention: applied
    assert w.table[C]["status"] == 10 and ("delete", C) not in w.log
    w.feed(heartbeat(end + 3 * DAY - dt.timedelta(minutes=1)))
    assert C in w.table  # its latest event (the return) is not 2 days old yet
    w.feed(heartbeat(end + 3 * DAY))
    assert C not in w.table and ("delete", C) in w.log  # a tombstone on the changelog
    assert OPEN in w.table  # an open dossier stays, however old
    assert w.processor.held == {0: 1}  # the motcua_worker_dossiers_held gauge's source
    assert C not in w.processor.index._live
    w.feed(feedback(C, end + 4 * DAY))
    [letter] = w.dead_letters()
    assert letter["reason"] == "dossier_evicted" and C in letter["detail"]
    assert C not in w.table  # not re-created


def test_a_record_following_the_end_within_the_retention_is_applied():
    w = Worker()
    w.feed(received(C, T0), resolved(C, T0 + DAY), heartbeat(T0 + 2 * DAY))
    w.feed(feedback(C, T0 + 2 * DAY + dt.timedelta(hours=5)))
    assert w.table[C]["satisfaction"] == "hai_long" and not w.dead_letters()


def test_the_eviction_survives_a_restart_from_the_table():
    """A fresh processor over the same Table (a restart) finds the ended dossier's eviction
    moment again when it indexes the partition."""
    w = Worker()
    w.feed(received(C, T0), resolved(C, T0 + DAY), heartbeat(T0 + DAY + dt.timedelta(hours=1)))
    restarted = Worker()
    restarted.table.update(w.table)
    restarted.offset = w.offset
    restarted.feed(heartbeat(T0 + 4 * DAY))
    assert C not in restarted.table


def test_an_unknown_dossier_that_is_not_old_keeps_the_usual_reason():
    w = Worker()
    w.feed(heartbeat(T0 + 10 * DAY), feedback(code(3, day="250813"), T0 + 10 * DAY))
    [letter] = w.dead_letters()
    assert letter["reason"] == "illegal_transition"


class RocksLikeTable(LoggingTable):
    """Deletes a missing key without a KeyError, as faust's RocksDB store does."""

    def __delitem__(self, key) -> None:
        self.log.append(("delete", key))
        self.pop(key, None)


def test_a_dossier_created_and_evicted_in_one_batch_is_neither_written_nor_counted():
    w = Worker()
    w.table = w.processor.table = RocksLikeTable(w.log)
    w.feed(received(OPEN, T0))
    w.feed(received(C, T0), resolved(C, T0 + DAY), heartbeat(T0 + 4 * DAY))
    assert C not in w.table and ("delete", C) not in w.log  # nothing to tombstone
    assert w.processor.held == {0: 1}  # the open one; the gauge never goes below what is held


def test_a_dossier_evicted_and_then_received_again_in_one_batch_is_counted_once():
    w = Worker()
    w.table = w.processor.table = RocksLikeTable(w.log)
    w.feed(received(C, T0), resolved(C, T0 + DAY))
    assert w.processor.held == {0: 1}
    w.feed(heartbeat(T0 + 4 * DAY), received(C, T0 + 4 * DAY))
    assert w.processor.held == {0: len([k for k in w.table if not k.startswith("__")])}
