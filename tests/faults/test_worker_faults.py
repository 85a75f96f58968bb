"""Worker faults against one uninterrupted reference run of the same simulator file:

* SIGKILL the worker three times at seeded random points and restart it each time;
* add a second worker mid-stream, then stop it (two rebalances).

Afterwards every flag (kind, scope, due version, payload, CloudEvents id and time), every
classification and every letter the flags make (one per dossier and due version) equals the
reference: none lost, none invented. Copies of one id are allowed — the contract makes flag and
classification ids deterministic so sinks absorb redelivery — but they must be identical, and
their number is printed.
"""

from __future__ import annotations

import random
import uuid

import pytest

from tests.faults.conftest import FAULT_EVENTS, RUN_BUDGET_S
from tests.faults.pipeline import PipelineRun, differences, load_records

SEED = 20250804


@pytest.fixture(scope="module")
def records(fault_events):  # noqa: ANN001, ANN201
    return load_records(fault_events)


@pytest.fixture(scope="module")
def reference(kafka_bootstrap, records, tmp_path_factory):  # noqa: ANN001, ANN201
    """Started when first requested and left running, so the fault runs overlap with it."""
    run = PipelineRun(kafka_bootstrap, "ref" + uuid.uuid4().hex[:6],
                      tmp_path_factory.mktemp("reference"), records)
    run.publish()
    run.worker = run.start_worker("ref")
    yield run
    run.close()


def _compare(reference: PipelineRun, run: PipelineRun, label: str) -> None:
    expected = reference.results(RUN_BUDGET_S, [reference.worker])
    got = run.results(RUN_BUDGET_S)
    assert expected.flags and expected.classifications, "the reference run produced nothing"
    print(f"\n{label}: {len(expected.flags)} flags, {len(expected.classifications)} "
          f"classifications, {len(expected.letters())} letters in the reference; raw duplicates "
          f"reference={expected.raw_duplicates()} {label}={got.raw_duplicates()}")
    print("\n".join(f"  {line}" for line in run.rates()))
    problems = differences(expected, got)
    assert not problems, "\n".join(problems)


@pytest.mark.timeout(3 * RUN_BUDGET_S + 300)
def test_three_sigkills_lose_and_invent_nothing(reference, kafka_bootstrap, records,
                                                tmp_path) -> None:
    run = PipelineRun(kafka_bootstrap, "kill" + uuid.uuid4().hex[:6], tmp_path, records)
    try:
        run.publish()
        rng = random.Random(SEED)
        points = sorted(rng.uniform(0.1, 0.9) for _ in range(3))
        worker = run.start_worker("k0")
        run.mark("start")
        for n, point in enumerate(points, 1):
            run.wait_progress(point, RUN_BUDGET_S, [worker])
            worker.kill()
            # a fresh local store restores from the changelog (see docs/stream-processors.md:
            # reusing the killed worker's RocksDB trips faust's offset check on Tansu)
            worker = run.start_worker(f"k{n}")
            run.mark(f"SIGKILL {n} + fresh worker")
        print(f"\nkilled at progress {[round(p, 3) for p in points]} of {FAULT_EVENTS} events")
        run.results(RUN_BUDGET_S, [worker])
        _compare(reference, run, "sigkill")
    finally:
        run.close()


@pytest.mark.timeout(3 * RUN_BUDGET_S + 300)
def test_worker_added_and_removed_mid_stream_changes_nothing(reference, kafka_bootstrap,
                                                             records, tmp_path) -> None:
    run = PipelineRun(kafka_bootstrap, "reb" + uuid.uuid4().hex[:6], tmp_path, records)
    try:
        run.publish()
        first = run.start_worker("a")
        run.mark("start")
        run.wait_progress(0.3, RUN_BUDGET_S, [first])
        second = run.start_worker("b")
        run.mark("second worker joined")
        run.wait_progress(0.6, RUN_BUDGET_S, [first, second])
        assert second.stop() == 0, "".join(second.output[-30:])  # SIGTERM: leaves the group
        run.mark("second worker left")
        run.results(RUN_BUDGET_S, [first])
        _compare(reference, run, "rebalance")
    finally:
        run.close()
