"""Letter lifecycle through LetterSink.write on a real SQLite file (no Kafka): pure-ish, fast."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from schemas import derived, lifecycle as L
from schemas.cloudevents import Event
from schemas.fields import Applicant, Channel, Duration, DurationUnit, Level
from sinks.base import Envelope
from sinks.db.tables import deliveries, letter_pending, letters, print_queue
from sinks.letters.files import LetterFiles
from sinks.letters.lifecycle import LetterState, delivery_channels, proposed_appointment
from sinks.letters.sink import LetterSink
from stream_processors.core.calendar import default_calendar
from stream_processors.core.vntime import VN_TZ

CODE = "000.00.15.H47-250901-0007"
AGENCY = "000.00.15.H47"
RECEIVED = dt.datetime(2025, 9, 1, 9, 32, tzinfo=VN_TZ)   # Monday; nd118-2025 in force
DUE = dt.datetime(2025, 9, 10, 9, 32, tzinfo=VN_TZ)       # Wednesday
DEADLINE = dt.datetime(2025, 9, 9, 9, 32, tzinfo=VN_TZ)
NAME = "Nguyễn Thị Ánh <script>"


def received(code: str = CODE, channel: Channel = Channel.ONLINE, at: dt.datetime = RECEIVED,
             email: str | None = "anh@example.vn") -> Event:
    data = L.DossierReceived(code, "1.009994", "Cấp giấy phép xây dựng", "XD", "000.00.01.H47",
                             AGENCY, "Sở Xây dựng", Level.PROVINCE, channel,
                             Duration(7, DurationUnit.WORKING_DAYS), DUE, False,
                             Applicant(NAME, address="12 Trần Phú", phone="0905 123 456",
                                       email=email))
    return Event.new(data, time=at, source="urn:test")


def at_risk(code: str = CODE, version: int = 1) -> Event:
    return Event.new(derived.DossierAtRisk(code, version, DUE, DEADLINE, AGENCY, "Sở Xây dựng",
                                           "1.009994", "Cấp giấy phép xây dựng", RECEIVED),
                     time=DEADLINE, source="urn:test")


def overdue(code: str = CODE, version: int = 1) -> Event:
    return Event.new(derived.DossierOverdue(code, derived.FlagScope.DOSSIER, version, DUE, AGENCY,
                                            "Sở Xây dựng", "1.009994", "Cấp giấy phép xây dựng",
                                            RECEIVED), time=DUE, source="urn:test")


def apology(at: dt.datetime, code: str = CODE) -> Event:
    return Event.new(L.ApologyIssued(code, AGENCY, "Cần xác minh thực địa", DUE,
                                     DUE + dt.timedelta(days=7), letter_number="12/PXL-SXD"),
                     time=at, source="urn:test")


def env(event: Event, i: int = 0) -> Envelope:
    return Envelope(event, "t", 0, i)


@pytest.fixture
def sink(tmp_path):
    s = LetterSink(f"sqlite:///{tmp_path / 'db.sqlite'}", LetterFiles(tmp_path / "letters"))
    s.setup()
    yield s
    s.close()


def rows(sink: LetterSink):
    with sink.engine.connect() as conn:
        return list(conn.execute(select(letters)))


def count(sink: LetterSink, table) -> int:
    with sink.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_at_risk_drafts_one_letter_with_engine_appointment(sink: LetterSink) -> None:
    sink.write([env(received()), env(at_risk())])
    sink.write([env(at_risk()), env(at_risk())])  # redelivery
    [letter] = rows(sink)
    assert letter.state == "drafted" and letter.rule_version == "nd118-2025"
    assert letter.letter_id == f"{CODE}-v1"
    # 5 working days after Wed 10/9 09:32 → Wed 17/9 09:32 (no holiday in between)
    assert letter.proposed_appointment_at == dt.datetime(2025, 9, 17, 9, 32, tzinfo=VN_TZ)
    assert letter.html_path.endswith(f"{CODE}-v1.html")


def test_issued_on_time_then_replay_changes_nothing(sink: LetterSink) -> None:
    sink.write([env(received()), env(at_risk()), env(apology(DEADLINE - dt.timedelta(hours=1)))])
    sink.write([env(apology(DEADLINE + dt.timedelta(days=1))), env(overdue())])
    [letter] = rows(sink)
    assert letter.state == "issued_on_time" and letter.letter_number == "12/PXL-SXD"
    assert count(sink, deliveries) == 2  # online filing with e-mail and phone: email + webhook


def test_issued_late_and_missed(sink: LetterSink) -> None:
    other = "000.00.15.H47-250901-0008"
    sink.write([env(received()), env(at_risk()), env(apology(DEADLINE + dt.timedelta(minutes=1)))])
    sink.write([env(received(other, Channel.IN_PERSON)), env(at_risk(other)), env(overdue(other))])
    states = {r.dossier_code: r.state for r in rows(sink)}
    assert states == {CODE: "issued_late", other: "missed"}
    sink.write([env(apology(DUE + dt.timedelta(days=1), other))])  # a missed letter issued late
    assert {r.dossier_code: r.state for r in rows(sink)}[other] == "issued_late"
    assert count(sink, print_queue) == 1  # the in-person filing goes to the print queue


def test_flag_before_dossier_is_parked_then_applied(sink: LetterSink) -> None:
    sink.write([env(at_risk())])
    assert rows(sink) == [] and count(sink, letter_pending) == 1
    sink.write([env(received())])
    assert [r.state for r in rows(sink)] == ["drafted"] and count(sink, letter_pending) == 0


def test_apology_before_its_flag_is_regraded_by_the_flag(sink: LetterSink) -> None:
    sink.write([env(received()), env(apology(DEADLINE + dt.timedelta(hours=2)))])
    assert [r.state for r in rows(sink)] == ["issued_on_time"]  # provisional: no flag seen
    sink.write([env(at_risk())])
    assert [r.state for r in rows(sink)] == ["issued_late"]


def overdue_of_new_due(version: int = 2) -> Event:
    new_due = DUE + dt.timedelta(days=7)
    return Event.new(derived.DossierOverdue(CODE, derived.FlagScope.DOSSIER, version, new_due,
                                            AGENCY, "Sở Xây dựng", "1.009994",
                                            "Cấp giấy phép xây dựng", RECEIVED),
                     time=new_due, source="urn:test")


@pytest.mark.parametrize("order", ["event time", "overdue first"])
def test_an_apology_read_after_the_overdue_of_the_due_it_set_gives_the_same_letters(
        sink: LetterSink, order: str) -> None:
    """An apology issued before any flag, then the overdue of the new appointment it set: the
    sink reads both topics, so after an outage it can see the overdue first; the letters must
    be those of event-time order (one letter, the apology's, issued on time)."""
    events = [apology(DEADLINE - dt.timedelta(hours=3)), overdue_of_new_due()]
    sink.write([env(received())])
    sink.write([env(e) for e in (events if order == "event time" else events[::-1])])
    live = [(r.due_version, r.state) for r in rows(sink) if r.state != "superseded"]
    assert live == [(1, "issued_on_time")]


@pytest.mark.parametrize("order", ["event time", "apology first"])
def test_an_apology_read_before_the_flag_of_a_later_due_version_gives_one_letter(
        sink: LetterSink, order: str) -> None:
    """A resumed pause moved the due to version 2 before the at-risk flag; an apology read
    before that flag guesses version 1 and must end as the flag's letter, not a second one."""
    events = [at_risk(version=2), apology(DEADLINE + dt.timedelta(hours=2))]
    sink.write([env(received())])
    sink.write([env(e) for e in (events if order == "event time" else events[::-1])])
    assert [(r.due_version, r.state) for r in rows(sink)] == [(2, "issued_late")]


def test_pdf_has_escaped_name_code_and_new_appointment(sink: LetterSink) -> None:
    sink.write([env(received()), env(at_risk())])
    [letter] = rows(sink)
    text = subprocess.run(["pdftotext", letter.pdf_path, "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = " ".join(text.split())
    assert NAME in flat and CODE in flat and "9 giờ 32 phút, ngày 17/09/2025" in flat
    html = Path(letter.html_path).read_text(encoding="utf-8")
    assert "Nguyễn Thị Ánh &lt;script&gt;" in html and "<script>" not in html


def test_letter_paths_cannot_leave_the_directory(tmp_path) -> None:
    files = LetterFiles(tmp_path)
    for bad in ("../x", "a/b", "..", ".hidden"):
        with pytest.raises(ValueError):
            files.path(bad, "pdf")
    with pytest.raises(ValueError):
        files.letter_id("../../etc/passwd-250101-0001", 1)


def test_proposed_appointment_skips_the_national_day_holiday() -> None:
    due = dt.datetime(2025, 8, 28, 9, 0, tzinfo=VN_TZ)  # Thu; off Sat 30/8 – Tue 2/9
    assert proposed_appointment(due, 5, default_calendar()) == dt.datetime(2025, 9, 8, 9, 0,
                                                                           tzinfo=VN_TZ)


def test_delivery_channels_by_filing() -> None:
    assert delivery_channels("online", "a@b.vn", "0905") == ("email", "webhook")
    assert delivery_channels("online", None, None) == ("paper",)
    assert delivery_channels("post", "a@b.vn", "0905") == ("paper",)
    assert LetterState("missed") is LetterState.MISSED


def test_a_letter_of_a_merged_away_agency_is_issued_by_its_successor_in_2025(sink) -> None:
    sink.write([env(received()), env(at_risk())])
    [letter] = rows(sink)
    html = Path(letter.html_path).read_text(encoding="utf-8")
    assert "UBND THÀNH PHỐ ĐÀ NẴNG" in html and "Đà Nẵng, ngày 09 tháng 09 năm 2025" in html
    assert "Sở Xây dựng thành phố Đà Nẵng" in html and "GIÁM ĐỐC" in html
    assert "Trung tâm Phục vụ hành chính công thành phố Đà Nẵng" in html  # desk, copy list
    text = html.replace(CODE, "")  # the dossier code starts with the agency code: that is fine
    assert "Quảng Nam" not in text and "000.00." not in text


def test_a_letter_of_an_agency_the_registry_does_not_know_is_refused(sink) -> None:
    from stream_processors.core.exceptions import UnknownAgencyError
    sink.write([env(received())])
    bad = Event.new(derived.DossierAtRisk(CODE, 1, DUE, DEADLINE, "000.00.99.H47", "?",
                                          "1.009994", "Cấp giấy phép xây dựng", RECEIVED),
                    time=DEADLINE, source="urn:test")
    with pytest.raises(UnknownAgencyError, match="000.00.99.H47"):
        sink.write([env(bad)])


def test_a_stopped_dossier_gets_the_form_05_stop_notice(sink: LetterSink, tmp_path) -> None:
    stop = Event.new(L.DossierSuspended(CODE, AGENCY, "Người nộp không bổ sung hồ sơ"),
                     time=RECEIVED + dt.timedelta(days=3), source="urn:test")
    sink.write([env(stop), env(received())])  # parked until the receipt, then drawn
    sink.write([env(stop)])  # redelivery rewrites the same files
    pdf = tmp_path / "letters" / f"{CODE}-dung.pdf"
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text and CODE in text
    assert "Lý do dừng giải quyết: Người nộp không bổ sung hồ sơ" in text
    assert rows(sink) == [] and count(sink, letter_pending) == 0


def test_a_dossier_of_the_2018_rules_gets_no_stop_notice(sink: LetterSink, tmp_path) -> None:
    old = "000.00.15.H47-250602-0001"
    at = dt.datetime(2025, 6, 2, 9, 0, tzinfo=VN_TZ)
    sink.write([env(received(old, at=at)),
                env(Event.new(L.DossierSuspended(old, AGENCY, "Dừng"), time=at, source="x"))])
    assert not (tmp_path / "letters" / f"{old}-dung.pdf").exists()


def test_a_calendar_change_supersedes_the_draft_of_the_old_due_version(sink: LetterSink) -> None:
    sink.write([env(received()), env(at_risk())])
    gone = Event.new(derived.DossierFlagsWithdrawn(CODE, 1, 2, DUE, DUE + dt.timedelta(days=1),
                                                   ("at_risk",), "calendar change (ví dụ)"),
                     time=DEADLINE, source="urn:test")
    sink.write([env(gone), env(gone)])
    sink.write([env(at_risk(version=2))])
    assert [(r.due_version, r.state) for r in rows(sink)] == [(1, "superseded"), (2, "drafted")]
