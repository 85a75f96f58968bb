"""Input records are applied in offset order with none skipped: a hole (records faust dropped)
marks its partition for a rewind; copies of applied records are dropped."""

from __future__ import annotations

from types import SimpleNamespace

from stream_processors.contiguous import REWIND_EVERY_S, ContiguousOffsets, left_out

T = "w-dossier-lifecycle"


def ev(partition: int, offset: int, topic: str = T):
    return SimpleNamespace(message=SimpleNamespace(topic=topic, partition=partition, offset=offset))


def offsets(events) -> list[tuple[int, int]]:
    return [(e.message.partition, e.message.offset) for e in events]


def started(**sought) -> ContiguousOffsets:
    guard = ContiguousOffsets()
    guard.start(3, {(T, int(p[1:])): o for p, o in sought.items()})
    return guard


def test_consecutive_records_from_the_sought_offsets_are_all_admitted():
    guard = started(p0=10, p1=0)
    batch = [ev(0, 10), ev(1, 0), ev(0, 11), ev(1, 1)]
    assert offsets(guard.admit(batch)) == offsets(batch)
    assert guard.due(0.0) == {} and guard.next == {(T, 0): 12, (T, 1): 2}


def test_a_hole_stops_its_partition_only_and_asks_for_one_rewind():
    guard = started(p0=10, p1=0)
    admitted = guard.admit([ev(0, 10), ev(0, 11), ev(0, 14), ev(1, 0), ev(0, 15)])
    assert offsets(admitted) == [(0, 10), (0, 11), (1, 0)]
    assert guard.due(0.0) == {(T, 0): 12}
    assert guard.due(0.1) == {}  # made: not again before REWIND_EVERY_S


def test_after_the_rewind_stale_copies_are_dropped_and_the_sought_records_admitted():
    guard = started(p0=10)
    guard.admit([ev(0, 14)])
    guard.due(0.0)
    admitted = guard.admit([ev(0, 15), ev(0, 10), ev(0, 11), ev(0, 10)])
    assert offsets(admitted) == [(0, 10), (0, 11)]
    assert guard.holes == {} and guard.due(10.0) == {}


def test_a_rewind_that_brought_nothing_is_made_again():
    guard = started(p0=10)
    guard.admit([ev(0, 12)])
    assert guard.due(0.0) == {(T, 0): 10}
    assert guard.due(REWIND_EVERY_S - 0.1) == {}
    assert guard.due(REWIND_EVERY_S) == {(T, 0): 10}


def test_a_partition_without_a_start_offset_starts_at_its_first_record():
    guard = started(p0=None)
    assert len(guard.admit([ev(0, 0), ev(1, 5), ev(1, 6)])) == 3


def test_a_new_generation_starts_over_from_where_faust_sought():
    guard = started(p0=10)
    guard.admit([ev(0, 13)])
    guard.start(4, {(T, 0): 13})
    assert guard.holes == {} and offsets(guard.admit([ev(0, 13)])) == [(0, 13)]


def test_ticks_and_lifecycle_records_of_one_partition_are_guarded_separately():
    guard = started(p0=5)
    admitted = guard.admit([ev(0, 5), ev(0, 0, topic="w-deadline-ticks")])
    assert len(admitted) == 2 and guard.due(0.0) == {}


def test_a_failed_batch_is_expected_again():
    guard = started(p0=5)
    batch = guard.admit([ev(0, 5), ev(0, 6)])
    guard.retreat(batch)
    assert guard.next == {(T, 0): 5}


def test_left_out_keeps_order_and_identity():
    batch = [ev(0, 1), ev(0, 2), ev(0, 3)]
    assert left_out(batch, [batch[1]]) == [batch[0], batch[2]]


def test_a_quiet_partition_whose_consumer_fetched_past_the_next_offset_is_rewound() -> None:
    guard = ContiguousOffsets(frozenset({T}))
    guard.start(1, {(T, 0): 10, (T, 1): 0, ("w-other", 0): 3}, now=0.0)
    assert ("w-other", 0) not in guard.next  # another agent's topic
    guard.admit([ev(0, 10)], now=1.0)
    guard.batch_done(now=1.0)
    assert guard.quiet(now=5.5) == []  # the agent took a batch 4.5 s ago
    assert guard.quiet(now=6.0) == [(T, 0), (T, 1)]
    assert not guard.stalled((T, 1), 0)  # nothing fetched past it: really quiet
    assert guard.stalled((T, 0), 25)  # the tail 11..24 was dropped
    assert guard.due(now=6.0) == {(T, 0): 11}
    assert guard.quiet(now=7.0) == [(T, 1)]  # a marked hole is not asked again


def test_records_not_yet_applied_are_the_end_offset_minus_the_next_offset_per_topic() -> None:
    guard = ContiguousOffsets(frozenset({T, "w-deadline-ticks"}))
    guard.start(1, {(T, 0): 10, (T, 1): 0, ("w-deadline-ticks", 0): 4}, now=0.0)
    guard.admit([ev(0, 10), ev(0, 11)])
    ends = {(T, 0): 20, (T, 1): 5}  # ticks[0] not fetched yet: left out, its topic counts 0
    assert guard.unapplied(ends.get) == {T: 8 + 5, "w-deadline-ticks": 0}
    assert guard.unapplied({(T, 0): 12, (T, 1): 0}.get) == {T: 0, "w-deadline-ticks": 0}


def test_a_partition_is_not_quiet_while_its_agent_is_busy_with_a_backlog() -> None:
    """Under a backlog a partition's records wait in the agent's queue behind others for longer
    than the stall time while its consumer's position is past them: nothing was dropped."""
    guard = ContiguousOffsets(frozenset({T}))
    guard.start(1, {(T, 0): 10, (T, 1): 0}, now=0.0)
    for second in range(1, 60):  # batches of partition 0 only, back to back
        guard.admit([ev(0, 9 + second)], now=float(second))
        assert guard.quiet(now=second + 0.5) == []  # in a batch
        guard.batch_done(now=second + 0.9)
        assert guard.quiet(now=second + 0.95) == []  # between two batches
    assert guard.quiet(now=59.9 + 5.0) == [(T, 0), (T, 1)]  # then idle for 5 s: worth asking


def test_the_positions_are_the_next_offsets_of_every_tracked_partition() -> None:
    guard = started(p0=10, p1=3)
    guard.admit([ev(0, 10), ev(0, 11), ev(1, 5)])
    assert guard.positions() == {(T, 0): 12, (T, 1): 3}
