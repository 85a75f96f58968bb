"""The civil-service calendar against domain.md §7 (2024–2026) and the override table."""

from datetime import date, datetime, timedelta, timezone

import pytest

from stream_processors.core.calendar import WorkingCalendar, default_calendar, load_overrides
from stream_processors.core.exceptions import DataFileError, NaiveDatetimeError

CAL = default_calendar()
LIBRARY_ONLY = WorkingCalendar()

# (first day off, last day off) of each announced window; the days around it are worked.
WINDOWS = [
    (date(2024, 2, 8), date(2024, 2, 14)),  # Tết Giáp Thìn
    (date(2024, 4, 27), date(2024, 5, 1)),  # 30/4–1/5, Mon 29/4 swapped with Sat 4/5
    (date(2024, 8, 31), date(2024, 9, 3)),  # Quốc khánh 2024
    (date(2025, 1, 25), date(2025, 2, 2)),  # Tết Ất Tỵ, 9 days
    (date(2025, 4, 30), date(2025, 5, 4)),  # Fri 2/5 off, swapped with Sat 26/4
    (date(2025, 8, 30), date(2025, 9, 2)),  # Quốc khánh 2025
    (date(2026, 1, 1), date(2026, 1, 4)),  # Tết Dương lịch 2026 (override: 2/1 ↔ Sat 10/1)
    (date(2026, 2, 14), date(2026, 2, 22)),  # Tết Bính Ngọ, 9 days
    (date(2026, 4, 30), date(2026, 5, 3)),  # 30/4–1/5 2026
    (date(2026, 8, 29), date(2026, 9, 2)),  # Quốc khánh 2026, Mon 31/8 swapped with Sat 22/8
]
SINGLE_DAYS_OFF = [
    date(2024, 1, 1), date(2025, 1, 1),
    date(2024, 4, 18), date(2025, 4, 7), date(2026, 4, 27),  # Giỗ Tổ 10/3 âm lịch (2026: nghỉ bù)
    date(2026, 11, 24),  # Ngày Văn hóa Việt Nam (holidays 0.109)
]
WORKED_WEEKENDS = [date(2024, 5, 4), date(2025, 4, 26), date(2026, 1, 10), date(2026, 8, 22)]


def _days(first: date, last: date):
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@pytest.mark.parametrize(("first", "last"), WINDOWS, ids=[str(w[0]) for w in WINDOWS])
def test_each_holiday_window_before_inside_after(first, last):
    before, after = CAL.previous_working_day(first), CAL.next_working_day(last)
    assert all(not CAL.is_working_day(d) for d in _days(first, last))
    assert CAL.is_working_day(before) and CAL.is_working_day(after)
    assert all(CAL.is_working_day(d) for d in (before, after))
    assert before.weekday() < 5 or before in WORKED_WEEKENDS
    assert (first - before).days <= 3 and (after - last).days <= 3


def test_days_right_before_and_after_windows_are_worked():
    for day in (date(2024, 4, 26), date(2024, 5, 2), date(2024, 8, 30), date(2024, 9, 4),
                date(2025, 1, 24), date(2025, 2, 3), date(2025, 4, 29), date(2025, 5, 5),
                date(2025, 8, 29), date(2025, 9, 3), date(2025, 12, 31), date(2026, 1, 5),
                date(2026, 2, 13), date(2026, 2, 23), date(2026, 8, 28), date(2026, 9, 3)):
        assert CAL.is_working_day(day), day


@pytest.mark.parametrize("day", SINGLE_DAYS_OFF, ids=str)
def test_single_holidays_are_off_and_their_neighbours_worked(day):
    assert not CAL.is_working_day(day)
    assert CAL.is_working_day(day - timedelta(days=1)) or day.weekday() == 0
    assert CAL.is_working_day(day + timedelta(days=1))


@pytest.mark.parametrize("day", WORKED_WEEKENDS, ids=str)
def test_swapped_saturdays_are_worked(day):
    assert day.weekday() == 5 and CAL.is_working_day(day)
    assert CAL.source(day)


def test_2025_exceptions_listed_with_sources():
    off = [d for d, _ in CAL.non_working_weekdays(2025)]
    assert off == [date(2025, 1, 1), *_days(date(2025, 1, 27), date(2025, 1, 31)),
                   date(2025, 4, 7), date(2025, 4, 30), date(2025, 5, 1), date(2025, 5, 2),
                   date(2025, 9, 1), date(2025, 9, 2)]
    assert [d for d, _ in CAL.working_weekend_days(2025)] == [date(2025, 4, 26)]
    assert "8726/VPCP-KGVX" in CAL.source(date(2025, 5, 2))


def test_override_wins_where_library_lacks_the_announcement():
    # holidays 0.109 does not know CV 12729/VPCP-KGVX (Tết Dương lịch 2026).
    assert LIBRARY_ONLY.is_working_day(date(2026, 1, 2))
    assert not LIBRARY_ONLY.is_working_day(date(2026, 1, 10))
    assert not CAL.is_working_day(date(2026, 1, 2))
    assert CAL.is_working_day(date(2026, 1, 10))
    assert "12729/VPCP-KGVX" in CAL.source(date(2026, 1, 2))


def test_library_alone_already_carries_2024_2026_swaps():
    for day in (date(2024, 4, 29), date(2025, 5, 2), date(2026, 8, 31)):
        assert not LIBRARY_ONLY.is_working_day(day)
    for day in (date(2024, 5, 4), date(2025, 4, 26), date(2026, 8, 22)):
        assert LIBRARY_ONLY.is_working_day(day)


def test_override_file_can_cancel_a_library_holiday_and_add_one(tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("date,kind,name,source\n2025-05-02,working_day,Test,Doc 1\n"
                    "2025-06-02,day_off,Test off,Doc 2\n2025-06-07,working_day,Sat,Doc 3\n",
                    encoding="utf-8")
    cal = WorkingCalendar.from_csv(path)
    assert cal.is_working_day(date(2025, 5, 2)) and not cal.is_working_day(date(2025, 6, 2))
    assert cal.is_working_day(date(2025, 6, 7))
    assert cal.source(date(2025, 6, 2)) == "Test off — Doc 2"


@pytest.mark.parametrize(("row", "field"), [
    ("2025-13-01,day_off,X,Doc", "date"),
    ("2025-05-02,holiday,X,Doc", "kind"),
    ("2025-05-02,day_off,,Doc", "name"),
    ("2025-05-02,day_off,X,", "source"),
    ("2024-04-29,day_off,Dup,Doc", "date"),
])
def test_bad_override_rows_name_file_line_and_field(tmp_path, row, field):
    path = tmp_path / "overrides.csv"
    path.write_text(f"date,kind,name,source\n2024-04-29,day_off,A,B\n{row}\n", encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_overrides(path)
    assert (info.value.line, info.value.field) == (3, field)
    assert "overrides.csv:3" in str(info.value) and f"'{field}'" in str(info.value)


def test_missing_column_is_reported(tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("date,kind,name\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="source"):
        load_overrides(path)


def test_source_of_ordinary_days_is_none_and_datetimes_use_vietnam_date():
    assert CAL.source(date(2025, 3, 12)) is None and CAL.source(date(2025, 3, 15)) is None
    late_utc = datetime(2025, 4, 29, 18, 0, tzinfo=timezone.utc)  # 01:00 on 30/4 in Vietnam
    assert not CAL.is_working_day(late_utc)
    with pytest.raises(NaiveDatetimeError, match="day"):
        CAL.is_working_day(datetime(2025, 4, 29, 18, 0))


def test_lookups_are_fast():
    days = _days(date(2024, 1, 1), date(2026, 12, 31)) * 30
    import time
    began = time.perf_counter()
    sum(CAL.is_working_day(d) for d in days)
    assert time.perf_counter() - began < 0.5  # ~33 000 lookups
