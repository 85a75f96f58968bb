"""``motcua report bieu06|apologies --period P [--agency CODE] [--as-of event|period-end]
[--by agency|level|field] --format csv|xlsx|json``."""

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
        r.add_argument("--as-of", dest="as_of", choices=("event", "period-end"), default="event",
                       help="rows under the agency the records named (event) or its successor "
                            "on the period's last day (period-end); same totals")
        r.add_argument("--by", choices=("agency", "level", "field"), default="agency",
                       help="rows per agency, per level (province/commune; district only "
                            "for periods ending by 2025-06-30) or per field")
        r.add_argument("--format", choices=("csv", "xlsx", "json"), default="csv")
        r.add_argument("-o", "--output", default="-", help="file (default - = stdout)")
        r.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from sinks.db.engine import make_engine
    from sinks.reports import apologies, bieu06, queries
    from sinks.reports.attribution import Attribution, attribute_apologies, attribute_dossiers
    from sinks.reports.export import export
    from sinks.reports.periods import parse_period

    try:
        period = parse_period(args.period)
    except ValueError as exc:
        print(f"motcua report: {exc}", file=sys.stderr)
        return 2
    engine = make_engine(settings.effective_database_url)
    where = Attribution(settings.agency_registry(), period, args.as_of)
    if args.report == "bieu06":
        facts = attribute_dossiers(queries.dossier_facts(engine), where, args.by)
        rows = bieu06.bieu06(facts, period, args.agency)
        columns, title = bieu06.COLUMNS, "Biểu 06"
    else:
        known = {f.agency: f.agency_name for f in queries.dossier_facts(engine)}
        letters, overdue, names = attribute_apologies(
            queries.letter_facts(engine), queries.overdue_facts(engine), where, args.by, known)
        rows = apologies.apologies(letters, overdue, period, names, args.agency)
        columns, title = apologies.COLUMNS, "Xin lỗi"
    engine.dispose()
    meta = {"report": args.report, "period": period.label, "start": period.start.isoformat(),
            "end": period.end.isoformat(), "agency": args.agency, "as_of": args.as_of,
            "by": args.by}
    data = export(title, columns, [r.as_dict() for r in rows], args.format, meta)
    if args.output == "-":
        sys.stdout.buffer.write(data)
    else:
        with open(args.output, "wb") as f:
            f.write(data)
    return 0
