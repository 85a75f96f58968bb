"""The worker consumer's rules on its gapless input topics: only applied messages are recorded
for commit (faust also acks the copies its stream skips), and no offset hole is filled."""

from __future__ import annotations

import asyncio
import weakref
from types import SimpleNamespace

from faust.types import TP

from stream_processors.transport import TrueEndConsumer

LIFECYCLE, CATALOG = "w-dossier-lifecycle", "w-procedure-catalog"


class Message:
    __slots__ = ("topic", "partition", "offset", "acked", "__weakref__")

    def __init__(self, topic: str, offset: int) -> None:
        self.topic, self.partition, self.offset, self.acked = topic, 0, offset, False


def consumer() -> SimpleNamespace:
    app = SimpleNamespace(gapless_topics=frozenset({LIFECYCLE}), applied=weakref.WeakSet())
    return SimpleNamespace(app=app)


def test_a_skipped_copy_of_a_lifecycle_record_is_not_recorded():
    fake, skipped = consumer(), Message(LIFECYCLE, 7)
    assert TrueEndConsumer.ack(fake, skipped) is False
    assert skipped.acked  # faust will not ack it again; the record is consumed again later


def test_no_gap_is_filled_on_a_gapless_topic():
    fake = consumer()
    fake._gap = {}
    asyncio.run(TrueEndConsumer._add_gap(fake, TP(LIFECYCLE, 0), 5, 9))
    assert fake._gap == {}


def test_an_applied_message_and_other_topics_go_to_fausts_ack(monkeypatch):
    recorded = []
    monkeypatch.setattr("faust.transport.consumer.Consumer.ack",
                        lambda self, message: recorded.append(message.offset) or True)
    real = object.__new__(TrueEndConsumer)  # no service machinery: only the ack rule runs
    real.app = consumer().app
    applied, catalog = Message(LIFECYCLE, 3), Message(CATALOG, 4)
    real.app.applied.add(applied)
    assert real.ack(applied) and real.ack(catalog)
    assert recorded == [3, 4] and applied not in real.app.applied
