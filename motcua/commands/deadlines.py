"""``motcua due`` and ``motcua calendar``: the deadline engine from the command line.

Both use the shipped civil-service calendar (holidays library + override table) and default
office hours. Input errors print ``motcua <command>: error: ...`` on stderr and exit with 2.
"""

from __future__ import annotations

import argparse
import sys

from motcua.commands import calendar_changes
from motcua.settings import Settings
from stream_processors.core.calendar import default_calendar
from stream_processors.core.clock import start
from stream_processors.core.durations import Duration, DurationUnit
from stream_processors.core.exceptions import DeadlineError
from stream_processors.core.office_hours import DEFAULT_HOURS, OfficeHours
from stream_processors.core.vntime import parse_hhmm, parse_moment

__all__ = ["register"]

_UNITS = [u.value for u in DurationUnit]
_DUE_EPILOG = """examples:
  motcua due --received 2023-10-27T09:32+07:00 --duration 5 --unit working_days
      -> 2023-11-03T09:32:00+07:00
  motcua due --received 2027-01-25T09:00:00+07:00 --duration 15 --unit working_days
      -> the due moment, then "estimate: ..." naming the holiday window not yet announced
  motcua due --received 2025-04-24T10:00+07:00 --duration 3 --unit working_days \\
      --pause 2025-04-25T08:00+07:00/2025-04-28T08:00+07:00

Moments are ISO 8601 with an offset (naive moments are refused). The clock starts at receipt if
the office is open, else at the next opening (after --cutoff: the next working day), and counts
to the minute. Each pause pushes the due moment back by the working time it covers."""


def register(subparsers: argparse._SubParsersAction) -> None:
    _register_due(subparsers)
    _register_calendar(subparsers)


def _register_due(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "due", help="print a dossier's due moment (ngày hẹn trả) as ISO 8601",
        description="Compute the due moment of a dossier from its receipt and statutory duration.",
        epilog=_DUE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--received", required=True, metavar="ISO8601",
                   help="receipt moment with offset, e.g. 2023-10-27T09:32+07:00")
    p.add_argument("--duration", required=True, type=int, metavar="N",
                   help="statutory duration, a positive whole number")
    p.add_argument("--unit", required=True, metavar="UNIT",
                   help=f"duration unit: {' | '.join(_UNITS)}")
    p.add_argument("--cutoff", metavar="HH:MM",
                   help="the procedure's afternoon cut-off, e.g. 15:00 (receipt after it starts "
                        "the clock on the next working day)")
    p.add_argument("--pause", action="append", default=[], metavar="START/END",
                   help="a pause (e.g. waiting for supplementary documents) as two ISO 8601 "
                        "moments joined by '/'; repeatable, in chronological order")
    p.add_argument("--hours", default=DEFAULT_HOURS.text, metavar="WINDOWS",
                   help=f"office hours (default {DEFAULT_HOURS.text})")
    p.set_defaults(func=run_due)


def _register_calendar(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "calendar", help="list a year's non-working weekdays and working weekend days",
        description="List the civil-service calendar exceptions of YEAR with their sources: "
                    "weekdays that are days off (holidays, nghỉ bù, swaps) and Saturdays or "
                    "Sundays that are worked (làm bù). Source: the holidays library, corrected "
                    "by stream_processors/core/data/calendar_overrides.csv. Then the year's "
                    "status: each holiday window announced (with the deciding document) or "
                    "estimated (rules only), from calendar_status.csv.")
    p.add_argument("year", metavar="YEAR|set|history",
                   help="calendar year, e.g. 2025; or 'set DATE off|work --source DOC' to publish "
                        "a calendar change; or 'history' to list the changes with their sources")
    p.add_argument("change", nargs="*", metavar="DATE off|work", help=argparse.SUPPRESS)
    p.add_argument("--source", help="set: the deciding document (number and date)")
    p.add_argument("--scope", default="province", choices=("province",),
                   help="set: where the change applies (default province)")
    p.add_argument("--name", help="set: a short name for the change")
    p.set_defaults(func=run_calendar)


def run_due(args: argparse.Namespace, settings: Settings) -> int:
    try:
        clock = _due(args)
    except DeadlineError as exc:
        return _fail("due", exc)
    print(clock.due_at.isoformat())
    if clock.due_estimate:  # the official notice may still move it
        print(f"estimate: {clock.due_estimate}")
    return 0


def _due(args: argparse.Namespace):
    if args.duration <= 0:
        raise DeadlineError(f"--duration must be a positive whole number, got {args.duration}")
    calendar, hours = default_calendar(), OfficeHours.parse(args.hours)
    duration = Duration(args.duration, DurationUnit.parse(args.unit, "--unit"))
    cutoff = parse_hhmm(args.cutoff, "--cutoff") if args.cutoff else None
    clock = start(parse_moment(args.received, "--received"), duration, calendar, hours, cutoff)
    for text in args.pause:
        begin, end = _pause(text)
        clock = clock.pause(begin).resume(end, calendar, hours)
    return clock


def _pause(text: str):
    begin, sep, end = text.partition("/")
    if not sep or not begin or not end:
        raise DeadlineError(f"--pause: {text!r} must be START/END (two ISO 8601 moments)")
    begin_at, end_at = parse_moment(begin, "--pause START"), parse_moment(end, "--pause END")
    if end_at < begin_at:
        raise DeadlineError(f"--pause: END {end} is before START {begin}")
    return begin_at, end_at


def run_calendar(args: argparse.Namespace, settings: Settings) -> int:

    if args.year == "set":
        if len(args.change) != 2:
            return _fail("calendar", DeadlineError("usage: calendar set YYYY-MM-DD off|work "
                                                   "--source DOC"))
        return calendar_changes.run_set(*args.change, args.source, args.scope, args.name, settings)
    if args.year == "history":
        return calendar_changes.run_history(settings)
    try:
        args.year = int(args.year)
    except ValueError:
        return _fail("calendar", DeadlineError(f"YEAR must be a year, set or history, got "
                                               f"{args.year!r}"))
    if not 1995 <= args.year <= 2100:
        return _fail("calendar", DeadlineError(f"YEAR must be between 1995 and 2100, got {args.year}"))
    calendar = default_calendar()
    sections = (("Non-working weekdays (ngày nghỉ)", calendar.non_working_weekdays(args.year)),
                ("Working weekend days (ngày làm bù)", calendar.working_weekend_days(args.year)))
    for title, entries in sections:
        print(f"{title} in {args.year}:")
        for day, source in entries:
            print(f"  {day.isoformat()} {day:%a}  {source}")
        if not entries:
            print("  (none)")
    status = calendar.status
    print(f"Status of {args.year}: {status.year_status(args.year)}")
    for window in status.windows(args.year):
        print(f"  {window.describe()}")
    return 0


def _fail(command: str, exc: Exception) -> int:
    print(f"motcua {command}: error: {exc}", file=sys.stderr)
    return 2
