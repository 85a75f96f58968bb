"""The SQLite outbox and the relay logic (fake sender; the Kafka sender is integration-tested)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from producers.outbox import ALL_PARTITIONS, Outbox, OutboxRow, RelayBusy
from producers.publisher import Backoff, Publisher, Relay, SendError, event_rows
from schemas.cloudevents import Event, from_record
from schemas.lifecycle import ClockHeartbeat, DossierResolved

T0 = dt.datetime(2024, 5, 6, 8, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def resolved(i: int) -> Event:
    code = f"000.00.15.H47-240506-{i % 7 + 1:04d}"
    return Event(id=f"ev-{i}", source="urn:test", time=T0, subject=code,
                 data=DossierResolved(code, "000.00.15.H47"))


class FakeSender:
    """Acknowledges up to ``budget`` rows, then fails; records everything acknowledged."""

    def __init__(self, budget: int | None = None) -> None:
        self.budget, self.sent, self.closed = budget, [], 0

    def send(self, rows):  # noqa: ANN001
        n = len(rows) if self.budget is None else min(self.budget, len(rows))
        if n == 0:
            raise SendError("down")
        self.sent += rows[:n]
        if self.budget is not None:
            self.budget -= n
        return n

    def close(self) -> None:
        self.closed += 1


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
