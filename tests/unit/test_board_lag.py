"""Consumer-lag arithmetic of the board's lag monitor (pure)."""

from kafka import TopicPartition

from sinks.board.lag import lag_by_topic


def test_lag_sums_partitions_per_topic_and_ignores_uncommitted_ones():
    a0, a1, b0 = TopicPartition("a", 0), TopicPartition("a", 1), TopicPartition("b", 0)
    committed = {a0: 10, a1: 5, b0: -1}
    ends = {a0: 15, a1: 5, b0: 100}
    assert lag_by_topic(committed, ends) == {"a": 5}


def test_a_log_end_reported_behind_the_commit_is_not_negative_lag():
    tp = TopicPartition("a", 0)
    assert lag_by_topic({tp: 50}, {tp: 41}) == {"a": 0}
