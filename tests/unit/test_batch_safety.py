"""A batch writes its input positions after its state, only if it finished; timers survive a
stop; batches and rebalances never overlap; a rewind stops the flow before it seeks."""

from __future__ import annotations

import asyncio
import contextlib
from types import SimpleNamespace

import pytest
from faust.exceptions import NotReady
from faust.types import TP

from stream_processors import batch_safety
from stream_processors.batch_safety import BatchGate, applied_batch, rewind, stopping_tolerated
from stream_processors.contiguous import ContiguousOffsets
from stream_processors.positions import position_key

T = "w-dossier-lifecycle"


class Message:
    def __init__(self, offset: int, generation_id: int = 1, partition: int = 0) -> None:
        self.topic, self.partition, self.offset = T, partition, offset
        self.generation_id = generation_id


def test_a_timer_send_refused_during_a_stop_ends_quietly():
    app = SimpleNamespace(should_stop=True)
    with stopping_tolerated(app):
        raise NotReady("Producer service not yet started")


def test_the_same_refusal_while_running_is_an_error():
    app = SimpleNamespace(should_stop=False)
    with pytest.raises(NotReady), stopping_tolerated(app):
        raise NotReady("Producer service not yet started")


# --- BatchGate: batches and rebalances never overlap -------------------------------------------

class Event:
    """faust's Event as the batch layer sees it (weak-referenceable, like faust's)."""

    def __init__(self, message: Message) -> None:
        self.message = message


def fetched(generation: int, *offsets: int) -> list:
    return [Event(Message(o, generation)) for o in offsets]


def test_records_fetched_before_a_rebalance_are_not_applied():
    async def scenario():
        gate = BatchGate()
        batch = fetched(1, 0, 1) + fetched(2, 2, 3)  # a buffer filled across a rebalance
        async with gate.batch(batch, lambda: 2) as current:
            return [e.message.offset for e in current]
    assert asyncio.run(scenario()) == [2, 3]


def test_a_rebalance_waits_for_the_batch_in_hand_and_no_batch_starts_during_one():
    async def scenario():
        gate, log = BatchGate(), []
        release = asyncio.Event()

        async def batch(name: str, hold: asyncio.Event | None = None) -> None:
            async with gate.batch(fetched(7, 0), lambda: 7):
                log.append(f"{name} starts")
                if hold:
                    await hold.wait()
                log.append(f"{name} ends")

        async def rebalance() -> None:
            gate.close()
            log.append("rebalance starts")
            await gate.idle()
            log.append("rebalance waited")
            await asyncio.sleep(0.01)  # recovery
            log.append("rebalance ends")
            gate.open()

        first = asyncio.create_task(batch("first", release))
        await asyncio.sleep(0)
        revoke = asyncio.create_task(rebalance())
        await asyncio.sleep(0)
        second = asyncio.create_task(batch("second"))
        await asyncio.sleep(0.005)
        assert log == ["first starts", "rebalance starts"]
        release.set()
        await asyncio.gather(first, revoke, second)
        return log
    assert asyncio.run(scenario()) == ["first starts", "rebalance starts", "first ends",
                                       "rebalance waited", "rebalance ends", "second starts",
                                       "second ends"]


def test_a_gate_closed_again_before_the_waiting_batch_resumed_keeps_it_waiting():
    async def scenario():
        gate, log = BatchGate(), []
        gate.close()

        async def batch() -> None:
            async with gate.batch(fetched(1, 0), lambda: 1):
                log.append(("batch", gate._open.is_set()))
        task = asyncio.create_task(batch())
        await asyncio.sleep(0)
        gate.open()
        gate.close()  # a second rebalance began before the batch task ran
        await asyncio.sleep(0.005)
        assert log == []
        gate.open()
        await task
        return log
    assert asyncio.run(scenario()) == [("batch", True)]




# --- applied_batch: the positions follow the state ---------------------------------------------

class Producer:
    def __init__(self) -> None:
        self.buffer = SimpleNamespace(size=0)

    async def flush(self) -> None:
        return None


def fake_app(generation: int = 1, sought=None) -> SimpleNamespace:  # noqa: ANN001
    return SimpleNamespace(batch_gate=BatchGate(), consumer_generation_id=generation,
                           consumer=SimpleNamespace(sought=sought or {(T, 0): 5}),
                           producer=Producer())


class Counter:
    def __init__(self) -> None:
        self.n = 0

    def inc(self, n: int = 1) -> None:
        self.n += n


def telemetry() -> SimpleNamespace:
    return SimpleNamespace(stale=Counter(), rewinds=Counter())


def test_a_finished_batch_writes_the_position_past_its_records_after_the_state():
    async def scenario():
        app, table, guard = fake_app(), {}, ContiguousOffsets()
        async with applied_batch(app, fetched(1, 5, 6, 7), guard, telemetry(), table) as (ev, scope):
            with scope(0):
                table["dossier"] = {"seen": [e.message.offset for e in ev]}
        return list(table.items())
    assert asyncio.run(scenario()) == [("dossier", {"seen": [5, 6, 7]}),
                                       (position_key(T, 0), {"next": 8})]


@pytest.mark.parametrize("interruption", [asyncio.CancelledError, RuntimeError])
def test_an_interrupted_batch_writes_no_position_and_is_expected_again(interruption):
    async def scenario():
        app, table, guard = fake_app(), {}, ContiguousOffsets()
        with contextlib.suppress(interruption):
            async with applied_batch(app, fetched(1, 5, 6), guard, telemetry(), table):
                raise interruption()
        return table, guard.next
    assert asyncio.run(scenario()) == ({}, {(T, 0): 5})


def test_records_past_a_hole_are_not_applied_and_the_position_stops_before_it():
    async def scenario():
        app, table, guard = fake_app(), {}, ContiguousOffsets()
        async with applied_batch(app, fetched(1, 5, 6, 9), guard, telemetry(), table) as (ev, _):
            applied = [e.message.offset for e in ev]
        return applied, table, guard.due(0.0)
    assert asyncio.run(scenario()) == ([5, 6], {position_key(T, 0): {"next": 7}}, {(T, 0): 7})


# --- rewind: stop the flow, seek, resume ---------------------------------------------------------

class FlowConsumer:
    def __init__(self, log: list) -> None:
        self.log = log

    def stop_flow(self) -> None:
        self.log.append("stop_flow")

    def resume_flow(self) -> None:
        self.log.append("resume_flow")

    async def seek_wait(self, offsets) -> None:  # noqa: ANN001
        self.log.append(("seek", dict(offsets)))


def test_a_rewind_stops_the_flow_before_it_seeks_and_resumes_it_after(monkeypatch):
    monkeypatch.setattr(batch_safety, "SETTLE_S", 0)
    log: list = []
    app = SimpleNamespace(consumer=FlowConsumer(log), consumer_generation_id=3,
                          rebalancing=False, should_stop=False, offset_guards=[])
    asyncio.run(rewind(app, {(T, 0): 12}, Counter()))
    assert log == ["stop_flow", ("seek", {(T, 0): 12}), "resume_flow"]


def test_a_rewind_seeks_every_guarded_partition_to_its_next_offset(monkeypatch):
    """Stopping the flow drops what the fetcher holds for every partition, not only the one
    rewound: each is sought to where its agent is, so that no rewind leaves a new hole."""
    monkeypatch.setattr(batch_safety, "SETTLE_S", 0)
    log: list = []
    facts_topic = "w-metric-facts"
    lifecycle, facts = ContiguousOffsets(frozenset({T})), ContiguousOffsets(frozenset({facts_topic}))
    lifecycle.start(3, {(T, 0): 12, (T, 1): 40})
    facts.start(3, {(facts_topic, 0): 7})
    lifecycle.admit([Event(Message(40, 3, partition=1)), Event(Message(41, 3, partition=1))])
    app = SimpleNamespace(consumer=FlowConsumer(log), consumer_generation_id=3,
                          rebalancing=False, should_stop=False, offset_guards=[lifecycle, facts])
    asyncio.run(rewind(app, {(T, 0): 12}, Counter()))
    assert log == ["stop_flow", ("seek", {TP(T, 0): 12, TP(T, 1): 42, TP(facts_topic, 0): 7}),
                   "resume_flow"]


def test_a_rewind_leaves_out_a_guard_still_on_an_older_generation(monkeypatch):
    monkeypatch.setattr(batch_safety, "SETTLE_S", 0)
    log: list = []
    facts_topic = "w-metric-facts"
    lifecycle, facts = ContiguousOffsets(frozenset({T})), ContiguousOffsets(frozenset({facts_topic}))
    lifecycle.start(3, {(T, 0): 12})
    facts.start(2, {(facts_topic, 0): 7, (facts_topic, 1): 9})  # not restarted since the rebalance
    app = SimpleNamespace(consumer=FlowConsumer(log), consumer_generation_id=3,
                          rebalancing=False, should_stop=False, offset_guards=[lifecycle, facts])
    asyncio.run(rewind(app, {(T, 0): 12}, Counter()))
    assert log == ["stop_flow", ("seek", {TP(T, 0): 12}), "resume_flow"]


def test_a_rewind_overtaken_by_a_rebalance_leaves_the_flow_to_it(monkeypatch):
    monkeypatch.setattr(batch_safety, "SETTLE_S", 0)
    log: list = []
    app = SimpleNamespace(consumer=FlowConsumer(log), consumer_generation_id=3,
                          rebalancing=False, should_stop=False, offset_guards=[])

    def rebalance_starts() -> None:
        log.append("stop_flow")
        app.rebalancing = True
    app.consumer.stop_flow = rebalance_starts
    asyncio.run(rewind(app, {(T, 0): 12}, Counter()))
    assert log == ["stop_flow"]  # no seek, no resume: the rebalance seeks to the positions


# --- publish_unapplied: how far behind the worker is, from what it already holds ---------------

def test_records_not_yet_applied_come_from_the_last_fetch_and_the_next_offset():
    from prometheus_client import CollectorRegistry

    from stream_processors.telemetry import WorkerTelemetry

    class Consumer:
        def highwater(self, tp):  # noqa: ANN001, ANN202
            assert tp.partition == 0, "not assigned"  # aiokafka's answer for a revoked one
            return 30
    registry = CollectorRegistry()
    gauge = WorkerTelemetry(registry).unapplied
    guard = ContiguousOffsets(frozenset({T}))
    guard.start(1, {(T, 0): 10, (T, 1): 3})
    batch_safety.publish_unapplied(SimpleNamespace(consumer=Consumer()), gauge, guard)
    assert registry.get_sample_value("motcua_worker_unapplied_records", {"topic": T}) == 20
