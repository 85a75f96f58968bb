"""Each input partition resumes from the position its Table holds, whatever the group committed."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from faust.types import TP

from stream_processors.positions import InputPositions, position_key, record_positions
from stream_processors.transport import TrueEndConsumer

LIFE, TICKS, FACTS, CATALOG = "w-dossier-lifecycle", "w-deadline-ticks", "w-metric-facts", "w-cat"


def positions(dossiers: dict, facts: dict) -> InputPositions:
    out = InputPositions()
    out.track(dossiers, LIFE, TICKS)
    out.track(facts, FACTS)
    return out


def test_the_table_position_wins_over_the_committed_offset_either_way():
    dossiers = {position_key(LIFE, 0): {"next": 40}, position_key(LIFE, 1): {"next": 7}}
    got = positions(dossiers, {}).resume([TP(LIFE, 0), TP(LIFE, 1)],
                                         {TP(LIFE, 0): 55, TP(LIFE, 1): 3}, {})
    assert got == {TP(LIFE, 0): 40, TP(LIFE, 1): 7}


def test_without_a_table_position_the_committed_then_the_earliest_offset_serves():
    got = positions({}, {}).resume([TP(FACTS, 0), TP(TICKS, 2), TP(CATALOG, 0)],
                                   {TP(FACTS, 0): 12, TP(TICKS, 2): None}, {TP(TICKS, 2): 0})
    assert got == {TP(FACTS, 0): 12, TP(TICKS, 2): 0}  # the catalog keeps faust's commits


def test_positions_are_written_past_the_last_record_of_each_partition_in_its_scope():
    entered, table = [], {}

    def scope(partition: int):  # noqa: ANN202
        import contextlib
        entered.append(partition)
        return contextlib.nullcontext()
    events = [SimpleNamespace(message=SimpleNamespace(topic=t, partition=p, offset=o))
              for t, p, o in [(LIFE, 0, 4), (LIFE, 1, 9), (LIFE, 0, 5), (TICKS, 1, 0)]]
    record_positions(table, events, scope)
    assert table == {position_key(LIFE, 0): {"next": 6}, position_key(LIFE, 1): {"next": 10},
                     position_key(TICKS, 1): {"next": 1}}
    assert sorted(entered) == [0, 1, 1]


class FakeConsumer(TrueEndConsumer):
    """TrueEndConsumer's seek step without faust's service machinery (only that step runs)."""

    def __init__(self, committed: dict, assigned: set, dossiers: dict) -> None:  # noqa: D107
        self._committed, self._assigned, self.sought_now = committed, assigned, {}
        self.app = SimpleNamespace(input_positions=positions(dossiers, {}))

    def assignment(self) -> set:
        return self._assigned

    async def earliest_offsets(self, *tps):  # noqa: ANN002, ANN201
        return {tp: 0 for tp in tps}

    async def seek_wait(self, offsets) -> None:  # noqa: ANN001
        self.sought_now.update(offsets)


def test_the_consumer_seeks_to_the_table_positions_after_fausts_seek_to_committed(monkeypatch):
    async def committed(self):  # noqa: ANN001, ANN202
        return dict(self._committed)
    monkeypatch.setattr("faust.transport.drivers.aiokafka.Consumer.seek_to_committed", committed)
    fake = FakeConsumer({TP(LIFE, 0): 50, TP(LIFE, 1): 8, TP(LIFE, 2): None, TP(CATALOG, 0): 3},
                        {TP(LIFE, 0), TP(LIFE, 1), TP(LIFE, 2), TP(CATALOG, 0)},
                        {position_key(LIFE, 0): {"next": 41}, position_key(LIFE, 1): {"next": 8}})
    returned = asyncio.run(fake.seek_to_committed())
    # aiokafka already sought LIFE[1] to its committed 8; LIFE[2] has nothing: its earliest
    assert fake.sought_now == {TP(LIFE, 0): 41, TP(LIFE, 2): 0}
    assert returned == fake.sought == {TP(LIFE, 0): 41, TP(LIFE, 1): 8, TP(LIFE, 2): 0,
                                       TP(CATALOG, 0): 3}
