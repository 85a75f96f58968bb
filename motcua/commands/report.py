"""``motcua report bieu06|apologies --period P [--agency CODE] --format csv|xlsx|json``."""

from __future__ import annotations

import argparse
import sys

from motcua.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("report", help="Biểu 06 and apology reports from the reporting DB")
    sub = p.add_subparsers(dest="report", required=True)
    for name, help_ in (("bieu06", "Biểu số 06/VPCP/KSTT: received / resolved / in progress"),
                        ("apologies", "per agency: late dossiers and apologies on time, late, missing")):
        r = sub.add_parser(name, help=help_)
        r.add_argument("--period", required=True, help="2025, 2025-Q3 or 2025-08 (Vietnam time)")
        r.add_argument("--agency", default=None, help="only this agency code")
        r.add_argument("--format", choices=("csv", "xlsx", "json"), default="csv")
        r.add_argument("-o", "--output", default="-", help="file (default - = stdout)")
        r.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from sinks.db.engine import make_engine
    from sinks.reports import apologies, bieu06, queries
    from sinks.reports.export import export
    from sinks.reports.periods import parse_period

    try:
        period = parse_period(args.period)
    except ValueError as exc:
        print(f"motcua report: {exc}", file=sys.stderr)
        return 2
    engine = make_engine(settings.effective_database_url)
    if args.report == "bieu06":
        rows = bieu06.bieu06(queries.dossier_facts(engine), period, args.agency)
        columns, title = bieu06.COLUMNS, "Biểu 06"
    else:
        facts = queries.dossier_facts(engine)
        names = {f.agency: f.agency_name for f in facts}
        rows = apologies.apologies(queries.letter_facts(engine), queries.overdue_facts(engine),
                                   period, names, args.agency)
        columns, title = apologies.COLUMNS, "Xin lỗi"
    engine.dispose()
    meta = {"report": args.report, "period": period.label, "start": period.start.isoformat(),
            "end": period.end.isoformat(), "agency": args.agency}
    data = export(title, columns, [r.as_dict() for r in rows], args.format, meta)
    if args.output == "-":
        sys.stdout.buffer.write(data)
    else:
        with open(args.output, "wb") as f:
            f.write(data)
    return 0
