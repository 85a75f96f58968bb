"""The calendar is data with a status: announced windows (with their document) or estimated ones
(rules only), and the mark every due date derived from an estimated day carries."""

from datetime import date, datetime

import pytest
from prometheus_client import CollectorRegistry

from schemas.derived import DossierAtRisk
from stream_processors.core.calendar import default_calendar
from stream_processors.core.calendar_status import (CalendarStatus, Window, estimate_note,
                                                    load_windows)
from stream_processors.core.clock import start
from stream_processors.core.deadlines import fire_due
from stream_processors.core.durations import Duration
from stream_processors.core.exceptions import DataFileError
from stream_processors.core.lifecycle import apply, new_state
from stream_processors.core.transitions import Context
from stream_processors.core.vntime import VN_TZ
from stream_processors.telemetry import WorkerTelemetry, publish_calendar_status
from tests.dossier_events import received

CAL = default_calendar()
STATUS = CAL.status


def vn(*args):
    return datetime(*args, tzinfo=VN_TZ)


def test_2027_is_estimated_window_by_window_and_2025_announced():
    assert STATUS.year_status(2025) == "announced" and STATUS.year_status(2027) == "estimated"
    names = [w.name for w in STATUS.windows(2027)]
    assert names[1] == "Tết Nguyên đán Đinh Mùi 2027" and len(names) == 6
    assert all(w.estimated and "No official notice" in w.source for w in STATUS.windows(2027))
    assert STATUS.windows(2031) == [STATUS.status_of(date(2031, 6, 1))]  # nothing entered
    assert STATUS.status_of(date(2027, 3, 10)) is None  # an ordinary week of a listed year


@pytest.mark.parametrize(("first", "last", "expected"), [
    (date(2027, 1, 11), date(2027, 1, 29), []),  # between two windows
    (date(2027, 1, 11), date(2027, 1, 30), ["Tết Nguyên đán Đinh Mùi 2027"]),  # its first day
    (date(2027, 2, 22), date(2027, 3, 5), []),  # the day after its last
    (date(2025, 8, 4), date(2025, 8, 11), []),
    (date(2026, 12, 28), date(2027, 1, 4), ["Tết Dương lịch 2027"]),
])
def test_estimates_at_the_window_edges(first, last, expected):
    assert [w.name for w in CAL.estimates(first, last)] == expected


def test_the_clock_and_its_flags_carry_the_estimate():
    clock = start(vn(2027, 1, 25, 9), Duration(15, "working_days"), CAL)
    assert clock.due_at == vn(2027, 2, 22, 9) and "Tết Nguyên đán Đinh Mùi 2027" in clock.due_estimate
    assert start(vn(2025, 8, 4, 9), Duration(5, "working_days"), CAL).due_estimate is None
    s = apply(new_state("c"), received("000.00.15.H47-270125-0001", vn(2027, 1, 25, 9), days=15),
              Context(CAL)).state
    _, flags = fire_due(s, vn(2027, 3, 1))
    at_risk = next(f.data for f in flags if isinstance(f.data, DossierAtRisk))
    assert at_risk.due_estimate == s.clock.due_estimate
    assert all(f.data.due_estimate for f in flags)


def test_estimate_note_names_each_window_and_source():
    w = Window(2027, "X", date(2027, 1, 1), date(2027, 1, 2), "estimated", "rules only")
    assert estimate_note([w]) == "ước tính — X: rules only" and estimate_note([]) is None


def test_a_bad_status_row_names_the_field(tmp_path):
    bad = tmp_path / "s.csv"
    bad.write_text("year,window,first_day,last_day,status,source\n"
                   "2027,Tết,2027-02-01,2027-02-10,maybe,x\n")
    with pytest.raises(DataFileError, match="status"):
        load_windows(bad)
    bad.write_text("year,window,first_day,last_day,status,source\n"
                   "2027,Tết,2027-02-10,2027-02-01,estimated,x\n")
    with pytest.raises(DataFileError, match="last_day"):
        load_windows(bad)


def test_the_worker_exports_the_years_still_estimated():
    registry = CollectorRegistry()
    telemetry = WorkerTelemetry(registry)
    publish_calendar_status(telemetry, STATUS, date(2026, 12, 7))
    windows = {sample.labels["year"]: sample.value for family in registry.collect()
               for sample in family.samples if sample.name == "motcua_calendar_estimated_windows"}
    assert windows == {"2026": 0.0, "2027": 6.0, "2028": 1.0}  # 24/11/2026 is over
    assert CalendarStatus([]).year_status(2026) == "estimated"
