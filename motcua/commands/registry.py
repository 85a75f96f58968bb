"""``motcua registry show|validate|history``: the agency registry as of a date, a province's
edited files checked, one agency's story (versions, who it continued, who continues it)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from motcua.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("registry", help="agencies by date, validation, an agency's history")
    sub = p.add_subparsers(dest="registry_command", required=True)
    show = sub.add_parser("show", help="agencies valid on a date (default today, Vietnam time)")
    show.add_argument("--date", default=None, help="YYYY-MM-DD")
    show.add_argument("--level", choices=("province", "district", "commune"), default=None)
    show.set_defaults(func=run_show)
    val = sub.add_parser("validate", help="check agencies.csv + successors.csv of a directory")
    val.add_argument("directory", type=Path)
    val.set_defaults(func=run_validate)
    hist = sub.add_parser("history", help="an agency's versions and successor links")
    hist.add_argument("code")
    hist.set_defaults(func=run_history)


def _registry(settings: Settings):  # noqa: ANN202
    """The configured registry, or None after printing why it cannot be loaded."""
    from stream_processors.core.exceptions import DataFileError, RegistryInvalid

    try:
        return settings.agency_registry()
    except (RegistryInvalid, DataFileError) as exc:
        print(f"motcua registry: MOTCUA_REGISTRY_DIR is invalid:\n{exc}", file=sys.stderr)
        return None


def _today() -> dt.date:
    from stream_processors.core.vntime import VN_TZ
    return dt.datetime.now(VN_TZ).date()


def run_show(args: argparse.Namespace, settings: Settings) -> int:
    try:
        day = dt.date.fromisoformat(args.date) if args.date else _today()
    except ValueError:
        print(f"motcua registry: --date {args.date!r}: expected YYYY-MM-DD", file=sys.stderr)
        return 2
    registry = _registry(settings)
    if registry is None:
        return 2
    versions = registry.on(day, args.level)
    for v in versions:
        mark = "" if v.confirmed else "\t(unconfirmed)"
        print(f"{v.code}\t{v.level}\t{v.name}\t{v.authority}, {v.place}{mark}")
    print(f"{len(versions)} agencies on {day}", file=sys.stderr)
    return 0


def run_validate(args: argparse.Namespace, settings: Settings) -> int:
    from stream_processors.core.registry_loader import registry_problems

    problems = registry_problems(args.directory)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s) in {args.directory}", file=sys.stderr)
    return 1 if problems else 0


def run_history(args: argparse.Namespace, settings: Settings) -> int:
    from stream_processors.core.exceptions import UnknownAgencyError

    registry = _registry(settings)
    if registry is None:
        return 2
    try:
        versions = registry.versions(args.code)
    except UnknownAgencyError as exc:
        print(f"motcua registry: {exc}", file=sys.stderr)
        return 1
    for v in versions:
        print(f"{v.valid_from} .. {v.valid_to or 'now'}\t{v.level}\t{v.name}\t"
              f"({'confirmed' if v.confirmed else 'unconfirmed: ' + v.note}; {v.source})")
    for k in registry.links_to(args.code):
        name = registry.version(k.predecessor, k.effective).name
        print(f"{k.effective}\tcontinues {k.predecessor} {name}{_scope(k)}")
    for k in sorted(registry.links_from(args.code), key=lambda k: k.effective):
        print(f"{k.effective}\tcontinued by {k.successor} "
              f"{registry.version(k.successor, k.effective).name}{_scope(k)}")
    return 0


def _scope(link) -> str:  # noqa: ANN001
    parts = [*(f"procedure {p}" for p in sorted(link.procedures)),
             *(f"field {f}" for f in sorted(link.fields))]
    return f" for {'; '.join(parts)}" if parts else ""
