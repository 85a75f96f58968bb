from __future__ import annotations

import datetime as dt

from stream_processors.core.deadline_index import DeadlineIndex

T = dt.datetime(2025, 8, 4, 9, 0, tzinfo=dt.timezone.utc)


def m(n):
    return T + dt.timedelta(minutes=n)


def test_pops_due_in_time_order_per_partition():
    idx = DeadlineIndex()
    idx.set("b", 0, m(5))
    idx.set("a", 0, m(1))
    idx.set("c", 1, m(0))
    idx.set("d", 0, m(9))
    assert idx.pop_due(0, m(5)) == ["a", "b"]
    assert idx.pop_due(0, m(5)) == []
    assert idx.next_moment(0) == m(9) and idx.pop_due(1, m(0)) == ["c"]


def test_replacing_and_removing_entries():
    idx = DeadlineIndex()
    idx.set("a", 0, m(1))
    idx.set("a", 0, m(7))
    assert idx.pop_due(0, m(5)) == [] and len(idx) == 1
    idx.set("a", 0, None)
    assert idx.pop_due(0, m(100)) == [] and len(idx) == 0


def test_drop_partition():
    idx = DeadlineIndex()
    idx.set("a", 0, m(1))
    idx.set("b", 1, m(1))
    idx.drop_partition(0)
    assert idx.partitions() == [1] and idx.pop_due(0, m(9)) == []


def test_large_index_is_not_scanned():
    idx = DeadlineIndex()
    for i in range(20_000):
        idx.set(f"d{i}", 0, m(i))
    assert idx.pop_due(0, m(2)) == ["d0", "d1", "d2"]
