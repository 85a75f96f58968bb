"""``motcua report bieu06|apologies|appointments --period P [--agency CODE]
[--as-of event|period-end] [--by agency|level|field] --format csv|xlsx|json`` (appointments: rows
by the handling agency the records named; --as-of and --by do not apply) and
``motcua report 766 --period P [--unit CODE] --format csv|xlsx|json``."""

from __future__ import annotations

import argparse
import sys

from motcua.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("report", help="Biểu 06, apology and Decision 766 reports from the "
                                             "reporting DB")
    sub = p.add_subparsers(dest="report", required=True)
    for name, help_ in (("bieu06", "Biểu số 06/VPCP/KSTT: received / resolved / in progress"),
                        ("apologies", "per agency: late dossiers and apologies on time, late, missing"),
                        ("appointments", "per agency: dossiers graded against the printed "
                                         "appointment, and appointments beyond the statutory due")):
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
        if name == "bieu06":
            r.add_argument("--grading", choices=("date", "moment"), default="date",
                           help="đúng hạn = finished on the due day (date, default) or within "
                                "the due minute (moment); printed on the report")
        r.set_defaults(func=run)
    e = sub.add_parser("766", help="Decision 766/QĐ-TTg: six groups, 100 points, per unit "
                                   "(province, departments, communes)")
    e.add_argument("--period", required=True,
                   help="2026, 2026-Q4, 2026-12 or today (the 30 days to now; Vietnam time); a "
                        "running period is judged now (the projected score)")
    e.add_argument("--unit", default=None, help="only this unit (agency code, or the province code)")
    e.add_argument("--format", choices=("csv", "xlsx", "json"), default="csv")
    e.add_argument("-o", "--output", default="-", help="file (default - = stdout)")
    e.set_defaults(func=run_766)


def run_766(args: argparse.Namespace, settings: Settings) -> int:
    import datetime as dt
    import json

    from sinks.db.engine import make_engine
    from sinks.reports import evaluation766 as report
    from sinks.reports.export import export
    from stream_processors.core.calendar import default_calendar
    from stream_processors.core.catalog_loader import load_catalog
    from stream_processors.core.evaluation766 import evaluation_period, load_weights
    from stream_processors.core.evaluation766.feedback_limits import load_limits

    try:
        period = evaluation_period(args.period, dt.datetime.now(dt.timezone.utc))
    except ValueError as exc:
        print(f"motcua report: {exc}", file=sys.stderr)
        return 2
    catalog, weights = load_catalog(), load_weights()
    engine = make_engine(settings.effective_database_url)
    dossier_facts, feedback, levels = report.load_facts(engine, load_limits(), default_calendar())
    engine.dispose()
    registry, day = settings.agency_registry(), report.last_day(period)
    province = report.province_of(catalog, registry, day)
    units = report.units_of(catalog, levels, province, registry, day)
    if args.unit is not None and args.unit not in {u.code for u in units}:
        print(f"motcua report: unknown unit {args.unit!r}", file=sys.stderr)
        return 2
    cards = report.scorecards(units, weights, period, dossier_facts,
                              report.procedures_of(catalog, registry, day), feedback, args.unit)
    if args.format == "json":
        data = (json.dumps(report.as_json(cards, weights), ensure_ascii=False, indent=2)
                + "\n").encode()
    else:
        meta = {"report": "766", "period": period.label, "start": period.start.isoformat(),
                "end": period.end.isoformat(), "judged_at": period.at.isoformat(),
                "unit": args.unit}
        data = export("QĐ 766", report.COLUMNS, report.as_rows(cards, weights), args.format, meta)
    _write(args.output, data)
    return 0


def _write(path: str, data: bytes) -> None:
    if path == "-":
        sys.stdout.buffer.write(data)
    else:
        with open(path, "wb") as f:
            f.write(data)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from sinks.db.engine import make_engine
    from sinks.reports import apologies, appointments, bieu06, queries
    from sinks.reports.attribution import Attribution, attribute_apologies, attribute_dossiers
    from sinks.reports.export import export
    from sinks.reports.periods import parse_period
    from stream_processors.core.calendar import default_calendar

    try:
        period = parse_period(args.period)
    except ValueError as exc:
        print(f"motcua report: {exc}", file=sys.stderr)
        return 2
    engine = make_engine(settings.effective_database_url)
    where = Attribution(settings.agency_registry(), period, args.as_of)
    if args.report == "bieu06":
        facts = attribute_dossiers(queries.dossier_facts(engine), where, args.by)
        rows = bieu06.bieu06(facts, period, args.agency, args.grading, default_calendar())
        columns, title = bieu06.COLUMNS, "Biểu 06"
    elif args.report == "appointments":
        names = {f.agency: f.agency_name for f in queries.dossier_facts(engine)}
        rows = appointments.appointments(queries.grade_facts(engine), period, names, args.agency)
        columns, title = appointments.COLUMNS, "Ngày hẹn trả"
    else:
        known = {f.agency: f.agency_name for f in queries.dossier_facts(engine)}
        letters, overdue, names = attribute_apologies(
            queries.letter_facts(engine), queries.overdue_facts(engine), where, args.by, known)
        rows = apologies.apologies(letters, overdue, period, names, args.agency)
        columns, title = apologies.COLUMNS, "Xin lỗi"
    engine.dispose()
    meta = {"report": args.report, "period": period.label, "start": period.start.isoformat(),
            "end": period.end.isoformat(), "agency": args.agency, "as_of": args.as_of,
            "by": args.by, "grading": getattr(args, "grading", None)}
    data = export(title, columns, [r.as_dict() for r in rows], args.format, meta)
    _write(args.output, data)
    return 0
