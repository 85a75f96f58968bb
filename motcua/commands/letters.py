"""``motcua letters list|show|pdf``: apology letters for officials."""

from __future__ import annotations

import argparse
import shutil
import sys

from motcua.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("letters", help="list, show or export apology letters")
    sub = p.add_subparsers(dest="letters_command", required=True)
    ls = sub.add_parser("list", help="one line per letter")
    ls.add_argument("--state", choices=("drafted", "issued_on_time", "issued_late", "missed",
                                              "superseded"))
    ls.add_argument("--agency", default=None)
    ls.set_defaults(func=run_list)
    show = sub.add_parser("show", help="a letter's fields and deliveries")
    show.add_argument("letter_id", help="{dossier code}-v{due version}, or a dossier code")
    show.set_defaults(func=run_show)
    pdf = sub.add_parser("pdf", help="copy a letter's PDF to a file (or - for stdout)")
    pdf.add_argument("letter_id")
    pdf.add_argument("-o", "--output", default=None, help="default ./{letter_id}.pdf")
    pdf.set_defaults(func=run_pdf)


def _engine(settings: Settings):  # noqa: ANN202
    from sinks.db.engine import make_engine
    return make_engine(settings.effective_database_url)


def _find(settings: Settings, ref: str):  # noqa: ANN202
    from sqlalchemy import or_, select

    from sinks.db.tables import letters
    q = (select(letters).where(or_(letters.c.letter_id == ref, letters.c.dossier_code == ref))
         .order_by(letters.c.due_version.desc()))
    with _engine(settings).connect() as conn:
        return conn.execute(q).first()


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy import select

    from sinks.db.tables import letters
    q = select(letters).order_by(letters.c.drafted_at)
    if args.state:
        q = q.where(letters.c.state == args.state)
    if args.agency:
        q = q.where(letters.c.causing_agency == args.agency)
    with _engine(settings).connect() as conn:
        rows = list(conn.execute(q))
    for r in rows:
        print(f"{r.letter_id}\t{r.state}\t{r.causing_agency}\tdue {r.due_at:%Y-%m-%d %H:%M}Z\t"
              f"proposed {r.proposed_appointment_at:%Y-%m-%d %H:%M}Z")
    print(f"{len(rows)} letter(s)", file=sys.stderr)
    return 0


def run_show(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy import select

    from sinks.db.tables import deliveries
    row = _find(settings, args.letter_id)
    if row is None:
        print(f"no letter {args.letter_id!r}", file=sys.stderr)
        return 1
    from sinks.letters.lifecycle import late_reason
    for key, value in row._mapping.items():
        print(f"{key}: {value}")
    reason = late_reason(row.state, row.issued_at, row.apology_deadline, row.missed_at)
    if reason:
        print(f"late_reason: {reason}")
    with _engine(settings).connect() as conn:
        for d in conn.execute(select(deliveries).where(deliveries.c.letter_id == row.letter_id)):
            print(f"delivery {d.channel}: {d.state} (attempts {d.attempts})")
    return 0


def run_pdf(args: argparse.Namespace, settings: Settings) -> int:
    row = _find(settings, args.letter_id)
    if row is None or not row.pdf_path:
        print(f"no letter PDF for {args.letter_id!r}", file=sys.stderr)
        return 1
    if args.output == "-":
        with open(row.pdf_path, "rb") as f:
            sys.stdout.buffer.write(f.read())
        return 0
    out = args.output or f"{row.letter_id}.pdf"
    shutil.copyfile(row.pdf_path, out)
    print(out)
    return 0
