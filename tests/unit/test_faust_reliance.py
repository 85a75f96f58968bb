"""The faust-streaming behaviours listed in stream_processors/faust_reliance.py, reproduced on the
pinned versions: an upgrade that changes one fails here (then re-read that module)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from importlib.metadata import version
from types import SimpleNamespace

import faust
import pytest
from faust.transport.drivers.aiokafka import Consumer as AiokafkaConsumer
from faust.types import TP
from intervaltree import IntervalTree

from stream_processors.faust_reliance import partition_scope

T = "w-dossier-lifecycle"


@pytest.fixture
def consumer():  # noqa: ANN201
    """faust's aiokafka consumer with the state its ``__init__`` gives it, and no service
    machinery (a real one starts threads and event loops it never closes without a broker)."""
    c = object.__new__(AiokafkaConsumer)
    c._gap, c._acked, c._acked_index = defaultdict(IntervalTree), defaultdict(list), defaultdict(set)
    c._read_offset = defaultdict(lambda: None)
    c._committed_offset = defaultdict(lambda: None)
    c.can_resume_flow, c.suspend_flow = asyncio.Event(), asyncio.Event()
    c.not_waiting_next_records = asyncio.Event()
    c.not_waiting_next_records.set()
    AiokafkaConsumer._reset_state(c)
    return c


def test_the_pins_are_the_versions_this_module_was_checked_against():
    assert (version("faust-streaming"), version("aiokafka")) == ("0.15.3", "0.14.0")


def test_1_the_current_event_is_what_partition_scope_sets():
    class Event:
        def __init__(self, partition: int) -> None:
            self.message = SimpleNamespace(partition=partition)
    events = [Event(0), Event(1)]
    scope = partition_scope(events)
    with scope(0):
        assert faust.current_event() is events[0]
        with scope(1):
            assert faust.current_event() is events[1]
        assert faust.current_event() is events[0]


def test_2_perform_seek_takes_its_offsets_from_seek_to_committed(consumer):
    async def seek_to_committed():  # noqa: ANN202
        return {TP(T, 0): 41, TP(T, 1): 0}
    consumer.seek_to_committed = seek_to_committed
    asyncio.run(consumer.perform_seek())
    assert consumer._read_offset[TP(T, 0)] == 41
    assert consumer._committed_offset[TP(T, 0)] == 41


def test_3_stop_flow_suspends_the_fetcher_and_wait_for_stopped_flow_does_not_wait(consumer):
    consumer.stop_flow()
    assert not consumer.flow_active and consumer.suspend_flow.is_set()
    assert not consumer.can_resume_flow.is_set()
    # the event wait_for_stopped_flow waits on is never cleared: it returns at once
    assert consumer.not_waiting_next_records.is_set()
    asyncio.run(asyncio.wait_for(consumer.wait_for_stopped_flow(), 0.1))
    consumer.resume_flow()
    assert consumer.flow_active and not consumer.suspend_flow.is_set()


def test_5_faust_commits_over_offsets_nobody_acked(consumer):
    # faust-streaming#606: the fetcher saw offset 5 right after 2 (3 and 4 were dropped before
    # any agent got them) and took the hole for a compacted gap; 5..7 acked: it commits 8
    tp = TP(T, 0)
    consumer._committed_offset[tp] = 2
    asyncio.run(consumer._add_gap(tp, 3, 4))
    consumer._acked[tp] = [2, 5, 6, 7]
    consumer._acked_index[tp] = {2, 5, 6, 7}
    assert consumer._new_offset(tp) == 8
