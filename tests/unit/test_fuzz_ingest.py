"""Hypothesis fuzz of the worker's ingest path, in-process (issue 9 item 2): ≥ 10,000 hostile
records — random bytes, truncated and pathological JSON, wrong types, missing and huge fields,
far-future/past times, unknown/duplicated/missing headers, wrong keys and types, and schema-valid
records in impossible orders. Each one is applied, absorbed or dead-lettered with a reason; none
raises; the counters add up exactly."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from stream_processors.core.outputs import REASONS
from tests.faults.hostile import MUTATIONS, corpus, hostile
from tests.faults.ingest import InProcessWorker



def fuzz_settings(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))

one_record = st.tuples(st.sampled_from(sorted(MUTATIONS)), st.integers(0, 10_000),
                       st.integers(0, 2**32), st.booleans())


def _totals_add_up(worker: InProcessWorker, sent: int) -> None:
    kinds = Counter()
    for (kind, _reason), n in worker.outcomes.items():
        kinds[kind] += n
    applied, dups, dead = worker._counters()
    assert kinds["applied"] == applied and kinds["duplicate"] == dups
    assert kinds["dead_letter"] == sum(dead.values())
    assert sum(kinds.values()) == sent
    assert set(dead) <= set(REASONS)


def test_ten_thousand_hostile_records_are_applied_or_dead_lettered() -> None:
    worker, total = InProcessWorker(), Counter()

    @fuzz_settings(1400)
    @given(st.lists(one_record, min_size=6, max_size=10))
    def run(draws: list) -> None:
        for name, index, seed, samples in draws:
            worker.feed(hostile(name, index, seed, samples=samples and name == "valid"))
            total["records"] += 1

    try:
        run()
        _totals_add_up(worker, total["records"])
    finally:
        worker.close()
    assert total["records"] >= 10_000, total
    reasons = {reason for kind, reason in worker.outcomes if kind == "dead_letter"}
    assert {"invalid_record", "unknown_type", "wrong_topic"} <= reasons, worker.outcomes
    print("in-process fuzz outcomes:", dict(worker.outcomes))


def test_valid_events_in_impossible_orders_never_crash_the_worker() -> None:
    """Schema-valid records of real dossiers shuffled, repeated and shifted in time; a fresh
    worker per example so each example's counters add up on their own."""
    life = [r for r in corpus()[0] if b"clock.heartbeat" not in dict(r[2])[ "ce_type"]]
    total, outcomes = Counter(), Counter()

    @fuzz_settings(150)
    @given(st.integers(0, len(life) - 30), st.randoms(use_true_random=False))
    def run(start: int, rng: random.Random) -> None:
        worker = InProcessWorker()
        try:
            window = list(life[start:start + 30])
            rng.shuffle(window)
            window += rng.sample(window, k=rng.randrange(0, 10))      # replays
            for record in window:
                worker.feed(record)
            _totals_add_up(worker, len(window))
            total["records"] += len(window)
            outcomes.update(worker.outcomes)
        finally:
            worker.close()

    run()
    assert total["records"] >= 4_000
    kinds = {k for k, _ in outcomes}
    assert {"applied", "duplicate", "dead_letter"} <= kinds, outcomes
    print("impossible-order outcomes:", dict(outcomes))


def test_a_null_key_is_refused() -> None:
    """Kafka puts a keyless record on an arbitrary partition, away from the dossier's other
    events, so the dossier would be processed (and its table row written) on two partitions."""
    life, _ = corpus()
    received = next(r for r in life if dict(r[2])["ce_type"] == b"dossier.received")
    worker = InProcessWorker()
    try:
        outcome = worker.feed((None, received[1], received[2]))
    finally:
        worker.close()
    assert (outcome.kind, outcome.reason) == ("dead_letter", "invalid_record")
