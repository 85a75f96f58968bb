"""``ReportingSink``: dossier state, flags, classifications and metric snapshots into SQL.

Guarantee: at-least-once from Kafka, exactly-once in effect: every write is an upsert keyed on
the dossier, the flag's (dossier, kind, scope, due version, step) or the snapshot key, so a
redelivered or replayed batch leaves the tables unchanged. Blocking; runs in its own process
(``motcua sink db``), never on an asyncio loop.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine

from schemas import topics
from sinks.base import BaseSink, Envelope
from sinks.db import migrate
from sinks.db.engine import insert_for, make_engine
from sinks.db.projection import apply_event

__all__ = ["ReportingSink", "REPORTING_TOPICS"]

REPORTING_TOPICS = (topics.LIFECYCLE.name, topics.FLAGS.name, topics.CLASSIFICATIONS.name,
                    topics.METRICS.name, topics.FEEDBACK.name)


class ReportingSink(BaseSink):
    name = "db"

    def __init__(self, database_url: str, *, migrate_on_setup: bool = True) -> None:
        self.database_url = database_url
        self.migrate_on_setup = migrate_on_setup
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.database_url)
        return self._engine

    def setup(self) -> None:
        if self.migrate_on_setup:
            migrate.upgrade(self.engine)

    def write(self, batch: Sequence[Envelope]) -> None:
        insert = insert_for(self.engine)
        with self.engine.begin() as conn:
            for env in batch:
                apply_event(conn, insert, env.event)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
