"""The SQLite outbox and the relay logic (fake sender; the Kafka sender is integration-tested)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import sqlite3
import threading

import pytest

from producers.outbox import ALL_PARTITIONS, Outbox, OutboxRow, RelayBusy
from producers.publisher import Backoff, InFlight, Publisher, Relay, SendError, event_rows
from schemas.cloudevents import Event, from_record
from schemas.lifecycle import ClockHeartbeat, DossierResolved

T0 = dt.datetime(2024, 5, 6, 8, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def resolved(i: int) -> Event:
    code = f"000.00.15.H47-240506-{i % 7 + 1:04d}"
    return Event(id=f"ev-{i}", source="urn:test", time=T0, subject=code,
                 data=DossierResolved(code, "000.00.15.H47"))


class FakeSender:
    """Acknowledges up to ``budget`` rows, then fails; records everything acknowledged."""

    waiting = 0.0

    def __init__(self, budget: int | None = None) -> None:
        self.budget, self.sent, self.closed, self.flight = budget, [], 0, []

    @property
    def in_flight(self) -> int:
        return len(self.flight)

    def send(self, rows):  # noqa: ANN001
        self.flight += rows

    def acked(self, wait: float):  # noqa: ANN201
        n = len(self.flight) if self.budget is None else min(self.budget, len(self.flight))
        if n == 0 and self.flight:
            raise SendError("down")
        done, self.flight = self.flight[:n], self.flight[n:]
        self.sent += done
        if self.budget is not None:
            self.budget -= n
        return done

    def close(self) -> None:
        self.closed += 1
        self.flight = []


class TrickleSender(FakeSender):
    """Acknowledges ``per_call`` rows per call; checks the outbox still holds all rows in flight."""

    def __init__(self, outbox: Outbox, per_call: int) -> None:
        super().__init__()
        self.outbox, self.per_call, self.most_in_flight = outbox, per_call, 0

    def acked(self, wait: float):  # noqa: ANN201
        self.most_in_flight = max(self.most_in_flight, len(self.flight))
        held = {r.seq for r in self.outbox.pending(10_000)}
        assert {r.seq for r in self.flight} <= held, "a row left the outbox before its ack"
        done, self.flight = self.flight[:self.per_call], self.flight[self.per_call:]
        self.sent += done
        return done


class FakeFuture:
    def __init__(self) -> None:
        self.is_done, self.exception = False, None

    def resolve(self, exc: Exception | None = None) -> None:
        self.is_done, self.exception = True, exc

    def succeeded(self) -> bool:
        return self.is_done and self.exception is None

    def failed(self) -> bool:
        return self.is_done and self.exception is not None

    def get(self, timeout: float):  # noqa: ANN201 - kafka-python shape; never blocks here
        raise TimeoutError


@pytest.fixture
def outbox(tmp_path) -> Outbox:
    return Outbox(tmp_path / "outbox.sqlite")


def test_rows_are_binary_mode_records_and_heartbeats_go_everywhere():
    hb = Event(id="hb", source="s", time=T0, subject="sim", data=ClockHeartbeat("sim"))
    rows = event_rows([resolved(1), hb], lifecycle_topic="lc")
    assert [r.topic for r in rows] == ["lc", "lc"]
    assert rows[0].partition is None and rows[1].partition == ALL_PARTITIONS
    assert from_record(rows[0].key, rows[0].value, list(rows[0].headers)) == resolved(1)


def test_add_is_durable_ordered_and_ignores_known_ids(outbox, tmp_path):
    pub = Publisher(outbox)
    assert pub.publish([resolved(i) for i in range(5)]) == 5
    assert pub.publish([resolved(3), resolved(5)]) == 1
    again = Outbox(tmp_path / "outbox.sqlite")
    assert [r.event_id for r in again.pending()] == [f"ev-{i}" for i in range(6)]
    assert again.status().pending == 6 and again.status().oldest_accepted_at is not None


def test_relay_delivers_in_order_and_forgets_acked_rows(outbox):
    Publisher(outbox).publish([resolved(i) for i in range(10)])
    sender = FakeSender()
    relay = Relay(outbox, sender, batch=4)
    assert relay.flush(timeout=1) == (0, None)
    assert [r.event_id for r in sender.sent] == [f"ev-{i}" for i in range(10)]
    assert outbox.status().pending == 0 and outbox.status().delivered == 10


def test_partial_ack_keeps_the_rest_and_reports_once(outbox):
    Publisher(outbox).publish([resolved(i) for i in range(10)])
    reports = []
    relay = Relay(outbox, FakeSender(budget=3), report=reports.append)
    left, error = relay.flush(timeout=0.3)
    assert (left, outbox.pending()[0].event_id) == (7, "ev-3")
    assert error and len([r for r in reports if "unavailable" in r]) == 1
    relay.sender = FakeSender()
    assert relay.flush(timeout=1) == (0, None)
    assert any("reachable again" in r for r in reports)


def test_run_stops_and_backs_off_while_down(outbox):
    Publisher(outbox).publish([resolved(1)])
    stop, sender = threading.Event(), FakeSender(budget=0)
    thread = threading.Thread(target=Relay(outbox, sender, report=lambda m: None).run, args=(stop,))
    thread.start()
    stop.wait(0.5)
    stop.set()
    thread.join(2)
    assert not thread.is_alive() and outbox.status().pending == 1
    assert 1 <= sender.closed <= 3  # 0.25 s, 0.5 s ... not a busy loop


def test_backoff_doubles_to_a_cap():
    b = Backoff(1, 5)
    assert [b.next() for _ in range(5)] == [1, 2, 4, 5, 5]
    b.reset()
    assert b.next() == 1


def test_one_relay_at_a_time(outbox):
    with outbox.relay_lock():
        with pytest.raises(RelayBusy):
            with outbox.relay_lock(wait=0.1):
                pass
    with outbox.relay_lock():
        pass


def test_mapping_state_commits_with_rows(outbox):
    with pytest.raises(RuntimeError):
        with outbox.transaction() as db:
            outbox.add([OutboxRow("x", "t", b"k", b"{}", ())], db)
            outbox.save_state("k", {"a": 1}, db)
            raise RuntimeError("crash before commit")
    assert outbox.status().pending == 0 and outbox.load_state("k") is None


def test_relay_keeps_a_window_in_flight_and_forgets_only_acked_rows(outbox):
    Publisher(outbox).publish([resolved(i) for i in range(40)])
    sender = TrickleSender(outbox, per_call=3)
    relay = Relay(outbox, sender, batch=4, window=12)
    assert relay.flush(timeout=5) == (0, None)
    assert sender.most_in_flight == 12  # several batches in flight, never more than the window
    assert [r.event_id for r in sender.sent] == [f"ev-{i}" for i in range(40)]
    assert outbox.status().pending == 0 and outbox.status().delivered == 40


def test_after_a_failure_the_relay_resends_from_the_oldest_unacked_row(outbox):
    Publisher(outbox).publish([resolved(i) for i in range(10)])
    relay = Relay(outbox, FakeSender(budget=3), batch=2, report=lambda m: None)
    relay.flush(timeout=0.3)
    relay.sender = FakeSender()
    assert relay.flush(timeout=1) == (0, None)
    assert [r.event_id for r in relay.sender.sent] == [f"ev-{i}" for i in range(3, 10)]


def test_in_flight_hands_back_the_acked_prefix_only():
    rows = [OutboxRow(f"e{i}", "t", b"k", b"{}", (), seq=i) for i in range(4)]
    flight, now = InFlight(clock=lambda: now), 0.0
    futures = [[FakeFuture()] for _ in rows[:3]] + [[FakeFuture() for _ in range(3)]]
    for row, fs in zip(rows, futures):
        flight.add(row, fs)
    futures[1][0].resolve()
    assert flight.acked(0) == []  # e1 is acknowledged, but e0 before it is not
    futures[0][0].resolve()
    assert flight.acked(0) == rows[:2] and len(flight) == 2
    futures[2][0].resolve(RuntimeError("NotLeaderForPartition"))
    futures[3][0].resolve()
    with pytest.raises(SendError, match="NotLeaderForPartition"):
        flight.acked(0)
    assert len(flight) == 2  # kept: the relay abandons them and re-sends from the outbox


def test_in_flight_needs_every_partition_copy_and_waits_for_a_slow_one():
    row = OutboxRow("hb", "t", b"k", b"{}", (), ALL_PARTITIONS, seq=1)
    now = 0.0
    flight = InFlight(clock=lambda: now)
    copies = [FakeFuture() for _ in range(3)]
    flight.add(row, copies)
    copies[0].resolve()
    copies[2].resolve()
    assert flight.acked(0) == []
    now = 3600.0
    assert flight.acked(0) == [] and flight.waiting == 3600.0  # slow is not failed
    copies[1].resolve()
    assert flight.acked(0) == [row] and flight.waiting == 0.0


class StalledSender(FakeSender):
    """Takes rows and never acknowledges them; ``waiting`` is set by the test."""

    def acked(self, wait: float):  # noqa: ANN201
        return []


def test_a_relay_without_acknowledgements_reports_once_and_keeps_its_rows_in_flight(outbox):
    """A slow broker is reported and waited for, never abandoned: re-sending rows the producer
    may still deliver would put younger rows of a partition before them."""
    Publisher(outbox).publish([resolved(i) for i in range(5)])
    reports, sender = [], StalledSender()
    relay = Relay(outbox, sender, batch=10, report=reports.append, report_after=30)
    relay.relay_once(0)
    sender.waiting = 29.0
    relay.relay_once(0)
    assert reports == []
    sender.waiting = 31.0
    relay.relay_once(0)
    relay.relay_once(0)
    assert len(reports) == 1 and "broker unavailable (no acknowledgement for 31s)" in reports[0]
    assert sender.closed == 0 and len(sender.flight) == 5  # sent once, still in flight
    assert relay.flush(timeout=0.2) == (5, "no acknowledgement for 31s")


def test_mark_delivered_forgets_exactly_those_rows(outbox):
    Publisher(outbox).publish([resolved(i) for i in range(6)])
    seqs = [r.seq for r in outbox.pending()]
    outbox.mark_delivered([seqs[0], seqs[2], seqs[5]])
    assert [r.event_id for r in outbox.pending()] == ["ev-1", "ev-3", "ev-4"]
    assert outbox.status().delivered == 3


def test_rows_served_from_memory_are_the_tables_next_rows(outbox, tmp_path):
    other = Outbox(tmp_path / "outbox.sqlite")  # another process appending to the same file
    pub, pub_other = Publisher(outbox), Publisher(other)
    pub.publish([resolved(i) for i in range(3)])
    pub_other.publish([resolved(i) for i in range(3, 5)])
    pub.publish([resolved(i) for i in range(5, 8)])
    relayed = outbox.pending(2, after=0)
    while batch := outbox.pending(100, after=relayed[-1].seq):
        relayed += batch
    from_table = Outbox(tmp_path / "outbox.sqlite").pending(100)
    assert relayed == from_table
    assert [r.event_id for r in from_table] == [f"ev-{i}" for i in range(8)]


def test_headers_round_trip_in_both_stored_formats(outbox, tmp_path):
    text = (("ce_id", "ví-dụ".encode()), ("content-type", b"application/json"))
    binary = (("ce_id", b"x"), ("raw", b"\xff\x00"))
    outbox.add([OutboxRow("a", "t", b"k", b"{}", text), OutboxRow("b", "t", b"k", b"{}", binary)])
    with sqlite3.connect(tmp_path / "outbox.sqlite") as db:  # a row written by older versions
        old = json.dumps([[n, base64.b64encode(v).decode()] for n, v in text])
        db.execute("INSERT INTO outbox (event_id, topic, key, value, headers, accepted_at)"
                   " VALUES ('c', 't', x'6b', x'7b7d', ?, 0)", (old,))
    assert [r.headers for r in Outbox(tmp_path / "outbox.sqlite").pending()] == [text, binary, text]
