"""The durable local outbox: every producer writes here first, a relay moves rows to Kafka.

One SQLite file (``STATE_DIR/outbox.sqlite``) in WAL mode. Accepting rows commits with
``synchronous=FULL``: once :meth:`Outbox.add` returns, the rows survive SIGKILL and power loss.
Rows are relayed in insertion order (``seq``) and deleted only after the broker acknowledged
them, so a relay killed mid-flight re-sends what was not acknowledged: delivery is
**at-least-once** and a duplicate carries the same CloudEvents id (``ce_id``) as the original.
Deleting delivered rows commits with ``synchronous=NORMAL`` (no fsync): a crash of the process
keeps the delete, a power loss may undo it, and then those rows are sent again, which
at-least-once allows.

A row's ``partition`` is None (partition by key), or :data:`ALL_PARTITIONS` for a heartbeat that
the relay copies to every partition of the topic.

Several processes may append at once (SQLite serialises writers); only one relays at a time
(:meth:`Outbox.relay_lock`, an advisory file lock released when its process dies).

An in-process relay does not read back what it was just handed: :meth:`Outbox.add` keeps the
rows it committed in memory (the newest :data:`RECENT_ROWS`), and :meth:`Outbox.pending` with
``after`` serves them from there when they are exactly the next rows of the table (no seq in
between); otherwise it reads the table.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import dataclasses
import fcntl
import json
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

__all__ = ["ALL_PARTITIONS", "Outbox", "OutboxRow", "OutboxStatus", "RelayBusy"]

ALL_PARTITIONS = -1
#: Committed rows an :class:`Outbox` keeps in memory for an in-process relay (≈ 1–2 KiB each).
RECENT_ROWS = 10_000
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


class OutboxRow(NamedTuple):
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


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _encode_headers(headers: Iterable[tuple[str, bytes]]) -> str:
    """Headers as JSON text: ``["name","utf-8 value",…]``, or ``[["name","base64"],…]`` (the
    original format, still written when a value is not UTF-8)."""
    try:
        return _dumps([s for n, v in headers for s in (n, v.decode())])
    except UnicodeDecodeError:
        return _dumps([[n, base64.b64encode(v).decode()] for n, v in headers])


def _decode_headers(text: str) -> tuple[tuple[str, bytes], ...]:
    items = json.loads(text)
    if items and isinstance(items[0], list):
        return tuple((n, base64.b64decode(v)) for n, v in items)
    return tuple(zip(items[0::2], map(str.encode, items[1::2])))


class _Connection:
    """A thread's connection; freed (and so closed) with the thread's local storage."""

    __slots__ = ("db", "__weakref__")

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db


class Outbox:
    """The outbox file at ``path``. Thread-safe: each call uses its own short transaction.

    Each thread keeps one connection open (opening and closing a WAL database per call costs a
    checkpoint each time the last connection closes); :meth:`close` closes them.
    """

    def __init__(self, path: Path, clock=time.time) -> None:  # noqa: ANN001 - callable
        self.path = Path(path)
        self._clock = clock
        self._local = threading.local()
        self._open: weakref.WeakSet[_Connection] = weakref.WeakSet()  # gone with their threads
        self._open_lock = threading.Lock()
        # runs of rows committed together (consecutive seqs), oldest first; RECENT_ROWS at most
        self._recent: collections.deque[list[OutboxRow]] = collections.deque()
        self._recent_rows = 0
        self._recent_lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    def _new_connection(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA busy_timeout=30000")
        return db

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        held = getattr(self._local, "conn", None)
        if held is not None and held.db.in_transaction:  # called inside transaction(): its own
            fresh = self._new_connection()
            try:
                yield fresh
            finally:
                fresh.close()
            return
        if held is None:
            held = self._local.conn = _Connection(self._new_connection())
            with self._open_lock:
                self._open.add(held)
        yield held.db

    def close(self) -> None:
        """Close every connection this object opened (call when no thread uses it any more)."""
        with self._open_lock:
            held, self._open = list(self._open), weakref.WeakSet()
        for conn in held:
            conn.db.close()
        self._local = threading.local()

    @contextlib.contextmanager
    def transaction(self, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` … ``COMMIT``).

        Durable (fsync before ``COMMIT`` returns) unless ``durable=False``: then a process crash
        keeps it but a power loss may roll it back.
        """
        with self._connect() as db:
            if not durable:
                db.execute("PRAGMA synchronous=NORMAL")
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                    db.execute("COMMIT")
                except BaseException:
                    if db.in_transaction:  # the connection stays open: never leave it holding
                        db.execute("ROLLBACK")  # the write lock
                    raise
            finally:
                if not durable:
                    db.execute("PRAGMA synchronous=FULL")

    def add(self, rows: Sequence[OutboxRow], db: sqlite3.Connection | None = None) -> int:
        """Append ``rows`` atomically; returns how many were new (an id already present is kept)."""
        if db is not None:
            return self._insert(rows, db)[0]
        with self.transaction() as tx:
            added, last_seq = self._insert(rows, tx)
        if added and added == len(rows):  # committed, with seqs last_seq - added + 1 … last_seq
            self._remember(rows, last_seq - added + 1)
        return added

    def _insert(self, rows: Sequence[OutboxRow], db: sqlite3.Connection) -> tuple[int, int]:
        now = self._clock()
        before = db.total_changes
        db.executemany(
            "INSERT OR IGNORE INTO outbox (event_id, topic, partition, key, value, headers,"
            " accepted_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(r.event_id, r.topic, r.partition, r.key, r.value, _encode_headers(r.headers), now)
             for r in rows])
        return db.total_changes - before, db.execute("SELECT last_insert_rowid()").fetchone()[0]

    def _remember(self, rows: Sequence[OutboxRow], first_seq: int) -> None:
        run = [OutboxRow(*r[:6], seq) for seq, r in enumerate(rows, first_seq)]
        with self._recent_lock:
            self._recent.append(run)
            self._recent_rows += len(run)
            while self._recent_rows > RECENT_ROWS:
                self._recent_rows -= len(self._recent.popleft())

    def pending(self, limit: int = 500, after: int | None = None) -> list[OutboxRow]:
        """The oldest undelivered rows (with ``seq`` > ``after`` if given), in order: at most
        ``limit``, possibly fewer when served from memory; empty when there are none."""
        if after is not None and (rows := self._recent_after(after, limit)):
            return rows
        with self._connect() as db:
            cur = db.execute("SELECT seq, event_id, topic, partition, key, value, headers"
                             " FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
                             (-1 if after is None else after, limit))
            return [OutboxRow(e, t, k, v, _decode_headers(h), p, s)
                    for s, e, t, p, k, v, h in cur.fetchall()]

    def _recent_after(self, after: int, limit: int) -> list[OutboxRow]:
        # Only a run holding seq after + 1 is certain to hold the table's next rows: seqs grow
        # with each commit, and a gap may hold another writer's rows (or another thread's, whose
        # run was remembered out of order).
        with self._recent_lock:
            recent = self._recent
            while recent and recent[0][-1].seq <= after:
                self._recent_rows -= len(recent.popleft())
            if not recent or recent[0][0].seq > after + 1:
                return []
            run = recent[0]
            start = after + 1 - run[0].seq
            out = run[start:start + limit]
            if start + limit >= len(run):
                self._recent_rows -= len(recent.popleft())
            return out

    def mark_delivered(self, seqs: Sequence[int]) -> None:
        """Forget rows the broker acknowledged (they are counted in ``delivered``).

        One statement, committed without fsync: losing the delete to a power cut only means the
        rows are sent again, which at-least-once allows.
        """
        if not seqs:
            return
        with self.transaction(durable=False) as db:
            gone = db.execute("DELETE FROM outbox WHERE seq IN (SELECT value FROM json_each(?))",
                              (json.dumps(list(seqs)),)).rowcount
            db.execute("INSERT INTO counters VALUES ('delivered', ?) ON CONFLICT(name)"
                       " DO UPDATE SET value = value + excluded.value", (gone,))

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
