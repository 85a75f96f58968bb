"""A batch that does not finish leaves nothing for faust to commit; timers survive a stop;
batches and rebalances never overlap."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from faust.exceptions import NotReady

from stream_processors.batch_safety import BatchGate, committed_only_if_done, stopping_tolerated


class Message:
    """faust's Message as far as the consumer's ack is concerned (faust/transport/consumer.py:
    ``ack`` records the offset only ``if not message.acked``)."""

    def __init__(self, offset: int) -> None:
        self.offset, self.acked = offset, False


def consumer_ack(committable: list[int], message: Message) -> None:
    if not message.acked:
        message.acked = True
        committable.append(message.offset)


def events(n: int) -> list:
    return [SimpleNamespace(message=Message(i)) for i in range(n)]


def test_a_finished_batch_is_acked_as_usual():
    batch, committable = events(3), []
    with committed_only_if_done(batch):
        pass
    for e in batch:  # what take_events does after the batch
        consumer_ack(committable, e.message)
    assert committable == [0, 1, 2]


@pytest.mark.parametrize("interruption", [asyncio.CancelledError, RuntimeError])
def test_a_cancelled_or_failed_batch_records_no_offset(interruption):
    batch, committable = events(3), []
    with pytest.raises(interruption), committed_only_if_done(batch):
        raise interruption()
    for e in batch:  # take_events' finally clause acks the buffer even so
        consumer_ack(committable, e.message)
    assert committable == []


def test_a_timer_send_refused_during_a_stop_ends_quietly():
    app = SimpleNamespace(should_stop=True)
    with stopping_tolerated(app):
        raise NotReady("Producer service not yet started")


def test_the_same_refusal_while_running_is_an_error():
    app = SimpleNamespace(should_stop=False)
    with pytest.raises(NotReady), stopping_tolerated(app):
        raise NotReady("Producer service not yet started")


# --- BatchGate: batches and rebalances never overlap -------------------------------------------

class GenerationMessage(Message):
    def __init__(self, offset: int, generation_id: int) -> None:
        super().__init__(offset)
        self.generation_id = generation_id


def fetched(generation: int, *offsets: int) -> list:
    return [SimpleNamespace(message=GenerationMessage(o, generation)) for o in offsets]


def test_records_fetched_before_a_rebalance_are_neither_applied_nor_committed():
    async def scenario():
        gate, committable = BatchGate(), []
        batch = fetched(1, 0, 1) + fetched(2, 2, 3)  # a buffer filled across a rebalance
        async with gate.batch(batch, lambda: 2) as current:
            assert [e.message.offset for e in current] == [2, 3]
        for e in batch:  # take_events acks the whole buffer afterwards
            consumer_ack(committable, e.message)
        return committable
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


def test_a_failed_batch_is_expected_again_in_offset_order():
    from stream_processors.contiguous import ContiguousOffsets
    guard = ContiguousOffsets()
    guard.start(1, {("t", 0): 5})
    batch = [SimpleNamespace(message=SimpleNamespace(topic="t", partition=0, offset=o,
                                                     acked=False)) for o in (5, 6)]
    admitted, _ = guard.admit(batch, now=0.0)
    with pytest.raises(RuntimeError), committed_only_if_done(admitted, guard):
        raise RuntimeError("a bug")
    assert guard.next == {("t", 0): 5} and all(e.message.acked for e in batch)
