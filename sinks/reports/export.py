"""Writing a report table as CSV, XLSX (openpyxl) or JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

__all__ = ["FORMATS", "export"]

FORMATS = ("csv", "xlsx", "json")


def export(title: str, columns: Sequence[str], rows: Sequence[dict[str, object]], fmt: str,
           meta: dict[str, object] | None = None) -> bytes:
    """The table in ``fmt``; JSON carries ``meta`` (report, period, agency) beside the rows."""
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return buf.getvalue().encode("utf-8")
    if fmt == "json":
        doc = {**(meta or {}), "columns": list(columns), "rows": list(rows)}
        return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode()
    if fmt == "xlsx":
        return _xlsx(title, columns, rows, meta or {})
    raise ValueError(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")


def _xlsx(title: str, columns: Sequence[str], rows: Sequence[dict[str, object]],
          meta: dict[str, object]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append([title] + [f"{k}: {v}" for k, v in meta.items()])
    ws.append(list(columns))
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append([r[c] for c in columns])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
