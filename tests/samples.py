"""One realistic sample of every event type of the contract (used by contract tests)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from schemas import calendar, catalog, derived, feedback, lifecycle as L
from schemas.cloudevents import Event
from schemas.fields import Applicant, Channel, Duration, DurationUnit, Fee, Level

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CODE = "000.00.15.H47-251103-0007"
AGENCY = "000.00.15.H47"
DESK = "000.00.01.H47"
PROC = "1.009994"
T0 = dt.datetime(2025, 11, 3, 9, 32, tzinfo=VN)
DUE = dt.datetime(2025, 11, 10, 9, 32, tzinfo=VN)
APPLICANT = Applicant("Nguyễn Thị Ánh", id_number="049190000123", address="12 Trần Phú, Tam Kỳ",
                      phone="0905 123 456", email="anh@example.vn")
_WD5 = Duration(5, DurationUnit.WORKING_DAYS)


def sample_data() -> list[object]:
    return [
        L.DossierSubmitted(CODE, PROC, Channel.ONLINE, APPLICANT),
        L.DossierReceived(CODE, PROC, "Cấp giấy phép xây dựng đối với công trình cấp đặc biệt", "XD",
                          DESK, AGENCY, "Sở Xây dựng", Level.PROVINCE, Channel.ONLINE, _WD5, DUE,
                          False, APPLICANT, cutoff="15:00",
                          fees=(Fee("Lệ phí cấp giấy phép xây dựng", 150000, code="LP-XD"),),
                          digitised=True, reused_components=False, vneid_authenticated=True),
        L.DossierRejected(CODE, DESK, "Hồ sơ không thuộc thẩm quyền giải quyết"),
        L.DossierTransferred(CODE, AGENCY, "000.00.16.H47", "Sở Tài nguyên và Môi trường", 2,
                             Duration(3, DurationUnit.WORKING_DAYS), note="Liên thông bước 2"),
        L.SupplementRequested(CODE, AGENCY, "Thiếu bản vẽ thiết kế", items=("Bản vẽ mặt bằng",)),
        L.SupplementReceived(CODE),
        L.FinancialObligationRequested(CODE, AGENCY, "Lệ phí cấp phép", amount_vnd=150000),
        L.FinancialObligationFulfilled(CODE),
        L.DossierWithdrawn(CODE, reason="Công dân đề nghị rút"),
        L.DossierSuspended(CODE, AGENCY, "Có tranh chấp đất đai"),
        L.DossierResolved(CODE, AGENCY, result_link="https://dichvucong.quangnam.gov.vn/kq/0007.pdf",
                          result_digitised=True),
        L.ResultReturned(CODE, "electronic"),
        L.ApologyIssued(CODE, AGENCY, "Cần xác minh thực địa", DUE, DUE + dt.timedelta(days=3),
                        letter_number="123/XL-SXD"),
        L.FeedbackGiven(CODE, "hai_long", complaint=False, comment="Nhanh"),
        L.ClockHeartbeat("simulator-1"),
        catalog.ProcedurePublished(PROC, "Cấp giấy phép xây dựng", "XD", AGENCY, False,
                                   components="Đơn đề nghị; bản vẽ", fees="150.000 đồng",
                                   legal_basis="Luật Xây dựng 2014", result="Giấy phép xây dựng",
                                   processing_time="20 ngày làm việc",
                                   steps="Nộp hồ sơ; thẩm định; trả kết quả",
                                   method="Trực tiếp; trực tuyến", applicant="Tổ chức; cá nhân",
                                   online_level=catalog.OnlineLevel.FULL, has_fees=True,
                                   payment_integrated=True, decision="1234/QĐ-UBND",
                                   effective_on=dt.date(2025, 7, 1), published_on=dt.date(2025, 6, 30),
                                   national_published_on=dt.date(2025, 7, 1)),
        derived.DossierAtRisk(CODE, 1, DUE, DUE - dt.timedelta(days=1), AGENCY, "Sở Xây dựng", PROC,
                              "Cấp giấy phép xây dựng", T0),
        derived.DossierOverdue(CODE, derived.FlagScope.STEP, 1, DUE, AGENCY, "Sở Xây dựng", PROC,
                               "Cấp giấy phép xây dựng", T0, step=2),
        derived.DossierClassified(CODE, PROC, AGENCY, derived.Classification.TRUOC_HAN,
                                  DUE - dt.timedelta(hours=3), DUE, 1, 2100, 2400, 1,
                                  agencies=(derived.AgencyTime(AGENCY, 1, 1200, 1440),)),
        derived.MetricSnapshot("agency", AGENCY, "month_to_date", T0.replace(day=1, hour=0, minute=0),
                               T0, T0, {"received": 12.0, "on_time_rate": 0.75}),
        derived.LetterDrafted("L-" + CODE + "-1", CODE, 1, "nd61-2018/mau-04", AGENCY, DUE,
                              DUE + dt.timedelta(days=3)),
        derived.DeadLettered("schema_invalid", "data.channel: must be one of: ...", "dossier-lifecycle",
                             0, 42, "eyJ4IjoxfQ==", original_key="YQ==", original_headers={"ce_id": "MQ=="}),
        L.FeePaid(CODE, True, amount_vnd=150000),
        feedback.FeedbackReceived("PAKN-2025-0042", AGENCY, "Chậm cấp giấy phép xây dựng",
                                  dossier_code=CODE),
        feedback.FeedbackStepTaken("PAKN-2025-0042", AGENCY, feedback.FeedbackAction.HANDLED,
                                   satisfied=True),
        derived.DossierFlagsWithdrawn(CODE, 1, 2, DUE, DUE + dt.timedelta(days=1), ("at_risk",),
                                      "calendar change 2025-11-07 day_off: QĐ 1/QĐ-UBND (ví dụ)"),
        calendar.CalendarChanged(dt.date(2025, 11, 7), "day_off", "QĐ 1/QĐ-UBND (ví dụ)",
                                 "Nghỉ do bão (ví dụ)"),
    ]


def sample_events() -> list[Event]:
    """Deterministic events: ids and times fixed so golden fixtures stay stable."""
    return [Event.new(d, time=T0 + dt.timedelta(minutes=i), source="urn:motcua:test",
                      id=f"00000000-0000-4000-8000-{i:012d}")
            for i, d in enumerate(sample_data())]
