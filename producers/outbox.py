"""The durable local outbox: every producer writes here first, a relay moves rows to Kafka.

One SQLite file (``STATE_DIR/outbox.sqlite``) in WAL mode with ``synchronous=FULL``: once
:meth:`Outbox.add` returns, the rows survive SIGKILL and power loss. Rows are relayed in
insertion order (``seq``) and deleted only after the broker acknowledged them, so a relay killed
mid-flight re-sends what was not acknowledged: delivery is **at-least-once** and a duplicate
carries the same CloudEvents id (``ce_id``) as the original.

A row's ``partition`` is None (partition by key), or :data:`ALL_PARTITIONS` for a heartbeat that
the relay copies to every partition of the topic.

Several processes may append at once (SQLite serialises writers); only one relays at a time
(:meth:`Outbox.relay_lock`, an advisory file lock released when its process dies).
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import fcntl
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

__all__ = ["ALL_PARTITIONS", "Outbox", "OutboxRow", "OutboxStatus", "RelayBusy"]

ALL_PARTITIONS = -1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    topic TEXT NOT NULL,
    partition INTEGER,
    key BLOB,
    value BLOB NOT NULL,
    headers TEXT NOT NULL,
    accepted_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS mapping_state (key TEXT PRIMARY KEY, state TEXT NOT NULL);
"""


@dataclasses.dataclass(frozen=True)
class OutboxRow:
    """One record waiting for the broker. ``headers`` are Kafka (name, bytes) pairs."""

    event_id: str
    topic: str
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]
    partition: int | None = None
    seq: int | None = None


@dataclasses.dataclass(frozen=True)
class OutboxStatus:
    pending: int
    oldest_accepted_at: float | None  # wall-clock epoch seconds of the oldest pending row
    delivered: int                    # rows acknowledged by the broker since the file was made


class RelayBusy(RuntimeError):
    """Another process holds the relay lock of this outbox."""


def _encode_headers(headers: Iterable[tuple[str, bytes]]) -> str:
    return json.dumps([[n, base64.b64encode(v).decode()] for n, v in headers])


def _decode_headers(text: str) -> tuple[tuple[str, bytes], ...]:
    return tuple((n, base64.b64decode(v)) for n, v in json.loads(text))


class Outbox:
    """The outbox file at ``path``. Thread-safe: each call uses its own short transaction."""

    def __init__(self, path: Path, clock=time.time) -> None:  # noqa: ANN001 - callable
        self.path = Path(path)
        self._clock = clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA busy_timeout=30000")
            yield db
        finally:
            db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One durable write transaction (``BEGIN IMMEDIATE`` … ``COMMIT``)."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def add(self, rows: Sequence[OutboxRow], db: sqlite3.Connection | None = None) -> int:
        """Append ``rows`` atomically; returns how many were new (an id already present is kept)."""
        if db is None:
            with self.transaction() as tx:
                return self.add(rows, tx)
        now = self._clock()
        before = db.total_changes
        db.executemany(
            "INSERT OR IGNORE INTO outbox (event_id, topic, partition, key, value, headers,"
            " accepted_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(r.event_id, r.topic, r.partition, r.key, r.value, _encode_headers(r.headers), now)
             for r in rows])
        return db.total_changes - before

    def pending(self, limit: int = 500) -> list[OutboxRow]:
        """The oldest ``limit`` undelivered rows, in insertion order."""
        with self._connect() as db:
            cur = db.execute("SELECT seq, event_id, topic, partition, key, value, headers"
                             " FROM outbox ORDER BY seq LIMIT ?", (limit,))
            return [OutboxRow(event_id=e, topic=t, partition=p, key=k, value=v,
                              headers=_decode_headers(h), seq=s)
                    for s, e, t, p, k, v, h in cur.fetchall()]

    def mark_delivered(self, seqs: Sequence[int]) -> None:
        """Forget rows the broker acknowledged (they are counted in ``delivered``)."""
        if not seqs:
            return
        with self.transaction() as db:
            db.executemany("DELETE FROM outbox WHERE seq = ?", [(s,) for s in seqs])
            db.execute("INSERT INTO counters VALUES ('delivered', ?) ON CONFLICT(name)"
                       " DO UPDATE SET value = value + excluded.value", (len(seqs),))

    def status(self) -> OutboxStatus:
        with self._connect() as db:
            count, oldest = db.execute("SELECT COUNT(*), MIN(accepted_at) FROM outbox").fetchone()
            row = db.execute("SELECT value FROM counters WHERE name='delivered'").fetchone()
        return OutboxStatus(pending=count, oldest_accepted_at=oldest, delivered=row[0] if row else 0)

    # -- per-key mapping state (e.g. the DVCQG snapshots seen), written with the rows it produced

    def load_state(self, key: str, db: sqlite3.Connection | None = None) -> dict | None:
        if db is None:
            with self._connect() as conn:
                return self.load_state(key, conn)
        row = db.execute("SELECT state FROM mapping_state WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def save_state(self, key: str, state: dict, db: sqlite3.Connection) -> None:
        db.execute("INSERT INTO mapping_state VALUES (?, ?) ON CONFLICT(key) DO UPDATE"
                   " SET state = excluded.state", (key, json.dumps(state, sort_keys=True)))

    @contextlib.contextmanager
    def relay_lock(self, wait: float = 0.0) -> Iterator[None]:
        """Hold the single-relay lock; raise :class:`RelayBusy` if not acquired within ``wait`` s."""
        lock_path = self.path.with_suffix(".relay.lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise RelayBusy(f"another process is relaying {self.path}") from None
                    time.sleep(0.1)
            yield
        finally:
            os.close(fd)
