"""The lifecycle processor's batches (no Kafka): one write per dossier, outputs first, and facts
coalesced per batch without leaving a stale copy in any scope key."""

from __future__ import annotations

import asyncio
import datetime as dt

from prometheus_client import CollectorRegistry

from schemas.cloudevents import to_record
from stream_processors.core.calendar import default_calendar
from stream_processors.core.metric_facts import decode_bundle
from stream_processors.core.transitions import Context
from stream_processors.dossiers.processor import DossierProcessor
from stream_processors.records import Origin
from stream_processors.telemetry import WorkerTelemetry
from stream_processors.topics import WorkerTopics
from tests.dossier_events import SO_TNMT, at, code, received, resolved, transferred

C, T0 = code(1), at("2025-08-04", "09:30")


class RecordingTable(dict):
    def __init__(self, log: list) -> None:
        super().__init__()
        self.log = log

    def __setitem__(self, key, value) -> None:
        self.log.append(("write", key))
        super().__setitem__(key, value)


def processor(log: list) -> DossierProcessor:
    async def send(topic, record, partition=None):
        log.append(("send", topic, record.key.decode(), record.value))
        future = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future
    return DossierProcessor(RecordingTable(log), send, Context(default_calendar()), WorkerTopics(),
                            WorkerTelemetry(CollectorRegistry()), event_time=True,
                            source="test", clock=lambda: T0)


def origins(*events):
    return [Origin("dossier-lifecycle", 0, i, *to_record(e)[:2], list(to_record(e)[2]))
            for i, e in enumerate(events)]


def facts_sent(log: list) -> dict[str, dict | None]:
    """scope key -> the facts last sent to it for C."""
    out = {}
    for item in log:
        if item[0] == "send" and item[1] == "metric-facts":
            for entry in decode_bundle(item[3]):
                if entry["code"] == C:
                    out[item[2]] = entry["facts"]
    return out


def test_one_write_per_dossier_per_batch_after_every_output():
    log: list = []
    p = processor(log)
    events = (received(C, T0), transferred(C, T0 + dt.timedelta(hours=1), SO_TNMT, 1, 1),
              resolved(C, T0 + dt.timedelta(days=1)))
    asyncio.run(p.handle_batch(origins(*events)))
    writes = [item for item in log if item == ("write", C)]
    assert len(writes) == 1
    assert log.index(("write", C)) > max(i for i, item in enumerate(log) if item[0] == "send")


def test_a_key_only_an_intermediate_version_had_gets_the_removal():
    # a replay may batch transfer and resolution together although the first run published the
    # transfer (facts in agency:SO_TNMT) on its own: that key must still see the removal
    events = (received(C, T0), transferred(C, T0 + dt.timedelta(hours=1), SO_TNMT, 1, 1),
              resolved(C, T0 + dt.timedelta(days=1)))
    log: list = []
    asyncio.run(processor(log).handle_batch(origins(*events)))
    sent = facts_sent(log)
    assert f"agency:{SO_TNMT}" in sent and sent[f"agency:{SO_TNMT}"] is None
    assert sent["province:all"]["ended_at"] is not None


def test_a_keyless_record_is_dead_lettered_not_applied():
    log: list = []
    _, value, headers = to_record(received(C, T0))
    asyncio.run(processor(log).handle_batch([Origin("dossier-lifecycle", 0, 7, None, value,
                                                    list(headers))]))
    sent = [item for item in log if item[0] == "send"]
    assert [item[1] for item in sent] == ["dead-letters"]
    assert not [item for item in log if item[0] == "write"]


def test_a_huge_record_still_makes_a_valid_dead_letter():
    from schemas.cloudevents import from_record
    from stream_processors.records import MAX_ORIGINAL_BYTES, dead_letter
    record = dead_letter(Origin("t", 0, 1, b"k", b"x" * (MAX_ORIGINAL_BYTES + 10), []),
                         "invalid_record", "too big", time=T0, source="test")
    data = from_record(*record).data  # the contract caps original_value at 2,000,000 chars
    assert "truncated" in data.detail and len(data.original_value) <= 2_000_000
