"""Engines for the sinks' database: PostgreSQL (psycopg 3) or SQLite, and the dialect's insert."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

__all__ = ["make_engine", "insert_for"]


def make_engine(url: str) -> Engine:
    """An engine that survives a database restart (pre-ping) and, for SQLite, waits on locks."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=2,
                         connect_args={"connect_timeout": 5})


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers (reports, CLI) never block the sinks
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def insert_for(engine_or_conn: Any):  # noqa: ANN201 - returns the dialect's insert()
    """``insert`` of the bound dialect, which offers ``on_conflict_do_nothing/do_update``."""
    name = engine_or_conn.dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise ValueError(f"unsupported database dialect {name!r} (PostgreSQL or SQLite)")
    return insert
