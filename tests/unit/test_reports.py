"""Biểu 06 and apologies report: pure computation against hand-computed tables."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest

from sinks.reports.apologies import LetterFacts, OverdueFacts, apologies
from sinks.reports.bieu06 import COLUMNS, DossierFacts, bieu06
from sinks.reports.export import export
from sinks.reports.periods import parse_period
from stream_processors.core.vntime import VN_TZ

A, B = "000.00.15.H47", "000.00.16.H47"


def t(month: int, day: int, year: int = 2025) -> dt.datetime:
    return dt.datetime(year, month, day, 9, 0, tzinfo=VN_TZ)


def f(n: int, agency: str, channel: str, received: dt.datetime, ended: dt.datetime | None = None,
      cls: str | None = None, due: dt.datetime | None = None, overdue=()) -> DossierFacts:
    return DossierFacts(f"{agency}-25{n:04d}", agency, "Sở " + agency[-6:], channel, received,
                        ended, cls, due, tuple(overdue))


#: The scripted Q3 2025 scenario (see docs/sinks.md for the counting rules).
SCENARIO = [
    f(1, A, "in_person", t(6, 20), t(6, 30), "dung_han"),      # ended before Q3: not counted
    f(2, A, "online", t(6, 25), t(7, 5), "truoc_han"),          # carried over, resolved early
    f(3, A, "online", t(7, 10), t(7, 20), "dung_han"),
    f(4, A, "post", t(8, 1), t(9, 15), "qua_han"),
    f(5, A, "in_person", t(9, 1), overdue=[t(9, 20)]),          # open, overdue before Q3 end
    f(6, A, "online", t(9, 25)),                                # open, within deadline
    f(7, A, "online", t(10, 2)),                                # received after Q3: not counted
    f(8, A, "online", t(9, 10), t(10, 5), "qua_han", overdue=[t(10, 3)]),  # open at Q3 end, not yet late
    f(9, B, "in_person", t(5, 1), overdue=[t(6, 1)]),           # carried over, still open, late
    f(10, B, "online", t(7, 15), t(8, 1), None, due=t(8, 1)),   # ended, not graded: end = due
]

#        online in_person_post carried | resolved: truoc dung qua | in progress: trong qua
EXPECTED = {
    A: (3, 2, 1, 1, 1, 1, 2, 1),
    B: (1, 0, 1, 0, 1, 0, 0, 1),
    "TOTAL": (4, 2, 2, 1, 2, 1, 2, 2),
}


def as_tuple(row) -> tuple[int, ...]:
    return (row.received_online, row.received_in_person_post, row.carried_over,
            row.resolved_truoc_han, row.resolved_dung_han, row.resolved_qua_han,
            row.in_progress_trong_han, row.in_progress_qua_han)


def test_bieu06_equals_hand_computed_table() -> None:
    rows = bieu06(SCENARIO, parse_period("2025-Q3"))
    assert {r.agency: as_tuple(r) for r in rows} == EXPECTED
    for r in rows:
        assert r.received_total == r.resolved_total + r.in_progress_total
    assert [r.received_total for r in rows] == [6, 2, 8]


def test_bieu06_agency_filter_and_month() -> None:
    rows = bieu06(SCENARIO, parse_period("2025-09"), agency=A)
    # Sep: carried over #4 (from Aug); new: #5 in person, #6 and #8 online
    assert [r.agency for r in rows] == [A, "TOTAL"]
    assert as_tuple(rows[0]) == (2, 1, 1, 0, 0, 1, 2, 1)


def at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, minute, tzinfo=VN_TZ)


#: due Tue 12/8/2025 09:30, graded by the processor to the minute
DUE_DAY = [f(21, A, "online", at(8, 5, 9, 30), at(8, 12, 16, 0), "qua_han", at(8, 12, 9, 30)),
           f(22, A, "online", at(8, 5, 9, 30), at(8, 12, 9, 30), "dung_han", at(8, 12, 9, 30)),
           f(23, A, "online", at(8, 5, 9, 30), at(8, 11, 9, 0), "truoc_han", at(8, 12, 9, 30)),
           f(24, A, "online", at(8, 5, 9, 30), at(8, 13, 7, 0), "qua_han", at(8, 12, 9, 30)),
           # ended on time but with two supplement requests: late by Decision 766 either way
           f(25, A, "online", at(8, 5, 9, 30), at(8, 11, 9, 0), "qua_han", at(8, 12, 9, 30))]


@pytest.mark.parametrize(("grading", "truoc", "dung", "qua"), [
    ("date", 1, 2, 2),  # finished on the due day after the due time: đúng hạn
    ("moment", 1, 1, 3),
])
def test_bieu06_grades_by_date_by_default(grading, truoc, dung, qua) -> None:
    rows = bieu06(DUE_DAY, parse_period("2025-08"), grading=grading)
    got = (rows[0].resolved_truoc_han, rows[0].resolved_dung_han, rows[0].resolved_qua_han)
    assert got == (truoc, dung, qua) and {r.grading for r in rows} == {grading}
    if grading == "date":
        assert bieu06(DUE_DAY, parse_period("2025-08"))[0].as_dict() == rows[0].as_dict()
        assert rows[0].as_dict()["grading"] == "date"  # printed on every format's rows


def test_bieu06_counts_in_progress_dossiers_whose_due_is_an_estimate() -> None:
    from stream_processors.core.calendar import default_calendar
    facts = [f(31, A, "online", dt.datetime(2027, 1, 25, 9, tzinfo=VN_TZ),
               due=dt.datetime(2027, 2, 22, 9, tzinfo=VN_TZ)),  # crosses Tết 2027 (estimated)
             f(32, A, "online", dt.datetime(2027, 1, 12, 9, tzinfo=VN_TZ),
               due=dt.datetime(2027, 1, 19, 9, tzinfo=VN_TZ))]
    rows = bieu06(facts, parse_period("2027-01"), calendar=default_calendar())
    assert (rows[0].in_progress_total, rows[0].in_progress_due_estimated) == (2, 1)
    assert bieu06(facts, parse_period("2027-01"))[0].in_progress_due_estimated == 0


@pytest.mark.parametrize("text,start,end", [
    ("2025", dt.datetime(2025, 1, 1, tzinfo=VN_TZ), dt.datetime(2026, 1, 1, tzinfo=VN_TZ)),
    ("2025-Q4", dt.datetime(2025, 10, 1, tzinfo=VN_TZ), dt.datetime(2026, 1, 1, tzinfo=VN_TZ)),
    ("2025-12", dt.datetime(2025, 12, 1, tzinfo=VN_TZ), dt.datetime(2026, 1, 1, tzinfo=VN_TZ)),
])
def test_periods(text, start, end) -> None:
    p = parse_period(text)
    assert (p.start, p.end) == (start, end)


@pytest.mark.parametrize("bad", ["2025-Q5", "2025-13", "25", "2025-08-01", ""])
def test_bad_periods_are_refused(bad) -> None:
    with pytest.raises(ValueError, match="YYYY"):
        parse_period(bad)


def test_apologies_report() -> None:
    letters = [LetterFacts(A, "Sở Xây dựng", t(8, 5), "issued_on_time"),
               LetterFacts(A, "Sở Xây dựng", t(8, 6), "issued_late"),
               LetterFacts(A, "Sở Xây dựng", t(8, 7), "missed"),
               LetterFacts(B, "Sở TN&MT", t(9, 1), "missed"),
               LetterFacts(B, "Sở TN&MT", t(9, 2), "drafted"),
               LetterFacts(B, "Sở TN&MT", t(11, 2), "missed")]          # outside Q3
    overdue = [OverdueFacts("x1", A, t(8, 7)), OverdueFacts("x1", A, t(8, 7)),
               OverdueFacts("x2", B, t(9, 1)), OverdueFacts("x3", B, t(12, 1))]
    rows = apologies(letters, overdue, parse_period("2025-Q3"))
    got = {r.agency: (r.late_dossiers, r.apologies_on_time, r.apologies_late,
                      r.apologies_missing, r.apologies_pending) for r in rows}
    assert got == {A: (1, 1, 1, 1, 0), B: (1, 0, 0, 1, 1), "TOTAL": (2, 1, 1, 2, 1)}


def test_exports() -> None:
    rows = [r.as_dict() for r in bieu06(SCENARIO, parse_period("2025-Q3"))]
    csv_text = export("Biểu 06", COLUMNS, rows, "csv").decode()
    assert csv_text.splitlines()[0] == ",".join(COLUMNS) and csv_text.count("\n") == 4
    doc = json.loads(export("Biểu 06", COLUMNS, rows, "json", {"period": "2025-Q3"}))
    assert doc["period"] == "2025-Q3" and doc["rows"][-1]["received_total"] == 8
    wb = openpyxl.load_workbook(io.BytesIO(export("Biểu 06", COLUMNS, rows, "xlsx")))
    ws = wb.active
    assert [c.value for c in ws[2]] == list(COLUMNS) and ws.cell(5, 4).value == 8
    with pytest.raises(ValueError):
        export("x", COLUMNS, rows, "pdf")
