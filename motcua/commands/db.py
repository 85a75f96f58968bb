"""``motcua db upgrade``: apply the sinks' Alembic migrations to the configured database."""

from __future__ import annotations

import argparse

from motcua.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("db", help="manage the sinks' database (Alembic migrations)")
    sub = p.add_subparsers(dest="db_command", required=True)
    up = sub.add_parser("upgrade", help="migrate to the latest revision (or --revision)")
    up.add_argument("--revision", default="head")
    up.set_defaults(func=run_upgrade)
    cur = sub.add_parser("current", help="print the database's revision")
    cur.set_defaults(func=run_current)


def run_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from sinks.db.engine import make_engine
    from sinks.db.migrate import upgrade
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.effective_database_url)
    print(f"database at revision {upgrade(engine, args.revision)}")
    engine.dispose()
    return 0


def run_current(args: argparse.Namespace, settings: Settings) -> int:
    from sinks.db.engine import make_engine
    from sinks.db.migrate import current_revision, head_revision
    engine = make_engine(settings.effective_database_url)
    print(f"current {current_revision(engine)} head {head_revision()}")
    engine.dispose()
    return 0
