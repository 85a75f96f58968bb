"""A batch that does not finish leaves nothing for faust to commit; timers survive a stop."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from faust.exceptions import NotReady

from stream_processors.batch_safety import committed_only_if_done, stopping_tolerated


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
