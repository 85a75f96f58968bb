"""``motcua replay FILE``: import history (our NDJSON or DVCQG sync records) through the outbox."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import sys
from typing import TextIO

from motcua.settings import Settings
from producers.outbox import Outbox
from producers.progress import ProgressBar
from producers.publisher import Publisher
from producers.replay import FORMATS, Importer, ImportSummary, LineError
from producers.runtime import background_relay, outbox_path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "replay", help="import history: NDJSON lifecycle events or DVCQG sync records",
        description="Read one JSON object per line, validate/map it to lifecycle events, commit "
                    "them to the outbox and relay them to Kafka. Invalid lines are reported with "
                    "their number and skipped; the command exits 1 (with the refused lines "
                    "counted by field) when fewer lines than --min-accepted were accepted.")
    p.add_argument("file", help="input file ('-' for stdin)")
    p.add_argument("--format", choices=FORMATS, default="ndjson",
                   help="ndjson: structured CloudEvents; dvcqg: HoSoDongBoDVC snapshots")
    p.add_argument("--topic", default=None,
                   help="lifecycle topic (default MOTCUA_TOPIC_PREFIX + dossier-lifecycle)")
    p.add_argument("--heartbeat-minutes", type=float, default=60.0,
                   help="send a heartbeat whenever event time advanced this much (default 60)")
    p.add_argument("--min-accepted", type=_share, default=None, metavar="SHARE",
                   help="exit 1 unless at least this share of the lines (0..1) was accepted "
                        "(default: exit 1 only when no line was accepted)")
    p.add_argument("--flush-timeout", type=float, default=30.0,
                   help="seconds to keep relaying after the import (default 30)")
    p.set_defaults(func=run)


def _share(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text}: a share between 0 and 1")
    return value


def _open(path: str) -> tuple[TextIO, int | None]:
    if path == "-":
        return sys.stdin, None
    with open(path, "rb") as fh:
        total = sum(1 for line in fh if line.strip())
    return open(path, encoding="utf-8"), total


def _lookup():  # noqa: ANN202 - built only for the dvcqg format (loads the catalog)
    from producers.catalog_lookup import CatalogLookup
    from stream_processors.core.calendar import default_calendar
    from stream_processors.core.catalog_loader import load_catalog

    return CatalogLookup(load_catalog(), default_calendar())


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        stream, total = _open(args.file)
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    outbox = Outbox(outbox_path(settings))
    publisher = Publisher(outbox, lifecycle_topic=args.topic, topic_prefix=settings.topic_prefix)
    report = lambda msg: print(msg, file=sys.stderr)  # noqa: E731
    importer = Importer(publisher, args.format, settings.event_source,
                        lookup=_lookup() if args.format == "dvcqg" else None,
                        heartbeat_every=dt.timedelta(minutes=args.heartbeat_minutes),
                        on_error=lambda e: _report_error(e, report))
    bar = ProgressBar(sys.stderr, total)
    with contextlib.closing(stream), background_relay(
            settings, outbox, publisher.wake, report, final_flush=args.flush_timeout) as relay:
        summary = importer.run(stream, progress=bar.update)
        bar.close(summary.lines)
    print(_summary(summary, relay.delivered if relay else None, outbox.status().pending))
    return _verdict(summary, args.min_accepted, report)


def _verdict(s: ImportSummary, min_accepted: float | None, report) -> int:  # noqa: ANN001
    """1 (after the reasons by field) when too few lines were accepted, else 0."""
    if s.lines == 0:
        return 0
    share = s.accepted_lines / s.lines
    failed = s.accepted_lines == 0 if min_accepted is None else share < min_accepted
    if not failed:
        return 0
    wanted = "any" if min_accepted is None else f"{min_accepted:.0%}"
    report(f"replay failed: {s.accepted_lines} of {s.lines} lines accepted ({share:.0%}; "
           f"needed {wanted}); refused lines by field:")
    for field, count in s.errors_by_field():
        report(f"  {field}: {count}")
    return 1


def _report_error(error: LineError, report) -> None:  # noqa: ANN001
    report(f"line {error.line}: {error.reason}")


def _summary(s: ImportSummary, delivered: int | None, pending: int) -> str:
    span = (f"; event time {s.first_time.isoformat()} .. {s.last_time.isoformat()}"
            if s.first_time and s.last_time else "")
    sent = "handed to the running relay" if delivered is None else f"{delivered} delivered"
    return (f"replay: {s.lines} lines, {s.events} events accepted ({s.duplicates} duplicates), "
            f"{len(s.errors)} invalid, {s.heartbeats} heartbeats{span}; {sent}, "
            f"{pending} still in the outbox")
