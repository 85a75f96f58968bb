"""Input records are applied in offset order with none skipped: a hole (records faust dropped)
asks for a seek back; copies of applied records are dropped."""

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
    admitted, rewind = guard.admit(batch, now=0.0)
    assert offsets(admitted) == offsets(batch) and rewind == {}
    assert guard.next == {(T, 0): 12, (T, 1): 2}


def test_a_hole_stops_the_partition_and_asks_for_a_seek_back_to_its_first_missing_offset():
    guard = started(p0=10, p1=0)
    batch = [ev(0, 10), ev(0, 11), ev(1, 0), ev(0, 40), ev(0, 41), ev(1, 1)]
    admitted, rewind = guard.admit(batch, now=0.0)
    assert offsets(admitted) == [(0, 10), (0, 11), (1, 0), (1, 1)]
    assert rewind == {(T, 0): 12}
    assert offsets(left_out(batch, admitted)) == [(0, 40), (0, 41)]


def test_after_the_seek_the_missing_records_come_first_and_old_copies_are_dropped():
    guard = started(p0=10)
    guard.admit([ev(0, 10), ev(0, 13)], now=0.0)  # 11 and 12 were dropped by faust
    # copies fetched before the seek still arrive, then the sought records
    admitted, rewind = guard.admit([ev(0, 14), ev(0, 11), ev(0, 12), ev(0, 13), ev(0, 10)],
                                   now=0.5)
    assert offsets(admitted) == [(0, 11), (0, 12), (0, 13)]
    assert rewind == {} and guard.pending == {}


def test_a_seek_back_that_brings_nothing_is_repeated_until_the_record_arrives():
    guard = started(p0=10)
    assert guard.admit([ev(0, 12)], now=0.0)[1] == {(T, 0): 10}
    assert guard.admit([ev(0, 13)], now=1.0)[1] == {}  # already asked for
    assert guard.overdue(now=1.0) == {}
    assert guard.overdue(now=REWIND_EVERY_S) == {(T, 0): 10}
    assert guard.overdue(now=REWIND_EVERY_S + 1) == {}  # just repeated
    assert guard.overdue(now=2 * REWIND_EVERY_S + 0.1) == {(T, 0): 10}
    guard.admit([ev(0, 10)], now=5.0)
    assert guard.pending == {} and guard.overdue(now=99.0) == {}


def test_a_partition_without_a_committed_offset_starts_at_its_first_record():
    guard = ContiguousOffsets()
    guard.start(1, {(T, 0): None, (T, 1): -1})
    admitted, rewind = guard.admit([ev(0, 0), ev(1, 5), ev(1, 6)], now=0.0)
    assert len(admitted) == 3 and rewind == {}


def test_a_new_generation_starts_over_from_its_seek():
    guard = started(p0=10)
    guard.admit([ev(0, 10), ev(0, 11)], now=0.0)
    guard.start(4, {(T, 0): 11})  # the commit covered 10 only: 11 is delivered again
    assert offsets(guard.admit([ev(0, 11), ev(0, 12)], now=0.0)[0]) == [(0, 11), (0, 12)]
    assert guard.generation == 4


def test_topics_are_tracked_separately():
    guard = started(p0=5)
    admitted, rewind = guard.admit([ev(0, 5), ev(0, 0, topic="w-deadline-ticks")], now=0.0)
    assert len(admitted) == 2 and rewind == {}


def test_records_of_a_failed_batch_are_expected_again():
    guard = started(p0=10)
    failed = guard.admit([ev(0, 10), ev(0, 11)], now=0.0)[0]
    guard.retreat(failed)
    admitted, rewind = guard.admit([ev(0, 12)], now=0.1)  # the stream went on past them
    assert admitted == [] and rewind == {(T, 0): 10}
    assert offsets(guard.admit([ev(0, 10), ev(0, 11), ev(0, 12)], now=0.2)[0]) == [
        (0, 10), (0, 11), (0, 12)]


def test_a_partition_whose_tail_was_skipped_is_sought_back_once_it_stays_silent():
    from stream_processors.contiguous import STALLED_AFTER_S
    guard = ContiguousOffsets()
    guard.start(1, {(T, 0): 0, (T, 1): 0}, now=0.0)
    guard.admit([ev(0, 0), ev(0, 1), ev(1, 0)], now=1.0)  # then faust skipped the rest
    fetched = {(T, 0): 68, (T, 1): 1}  # the consumer's positions: p0 fetched to its end
    assert guard.stalled(fetched, now=1.0 + STALLED_AFTER_S - 0.1) == {}  # maybe still queued
    assert guard.stalled(fetched, now=1.0 + STALLED_AFTER_S) == {(T, 0): 2}
    assert guard.stalled(fetched, now=1.0 + STALLED_AFTER_S + 0.5) == {}  # asked already
    assert guard.overdue(now=1.0 + STALLED_AFTER_S + REWIND_EVERY_S) == {(T, 0): 2}
    guard.admit([ev(0, 2)], now=9.0)
    assert guard.pending == {}


def test_a_partition_applied_up_to_its_position_is_not_stalled():
    guard = ContiguousOffsets()
    guard.start(1, {(T, 0): 5}, now=0.0)
    assert guard.stalled({(T, 0): 5, (T, 1): None}, now=100.0) == {}


def test_only_quiet_partitions_without_a_pending_seek_are_worth_a_position_query():
    from stream_processors.contiguous import STALLED_AFTER_S
    guard = ContiguousOffsets()
    guard.start(1, {(T, 0): 0, (T, 1): 0, (T, 2): 0}, now=0.0)
    guard.admit([ev(1, 0)], now=STALLED_AFTER_S)  # p1 progressed just now
    guard.admit([ev(2, 3)], now=STALLED_AFTER_S)  # p2 has a seek back pending
    assert guard.quiet(now=STALLED_AFTER_S) == [(T, 0)]
    assert guard.quiet(now=STALLED_AFTER_S - 0.1) == []
