"""Lifecycle events: what happens to a dossier, as the one-stop systems report it.

All are published on the ``dossier-lifecycle`` topic, keyed by the dossier code (mã hồ sơ),
so one dossier's events stay in order on one partition. The event time is the CloudEvents
``time`` attribute (when it happened at the desk or agency), not the time it was published.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated

from schemas.fields import (
    AgencyCode, Applicant, Channel, DossierCode, Duration, Fee, FieldCode, Level, ProcedureCode,
    ShortText, Text,
)
from schemas.model import Rule

__all__ = [
    "ApologyIssued", "ClockHeartbeat", "DossierReceived", "FeePaid", "DossierRejected", "DossierResolved",
    "DossierSubmitted", "DossierSuspended", "DossierTransferred", "DossierWithdrawn",
    "FeedbackGiven", "FinancialObligationFulfilled", "FinancialObligationRequested",
    "ResultReturned", "SupplementReceived", "SupplementRequested",
]

_frozen = dataclasses.dataclass(frozen=True, slots=True)
HHMM = Annotated[str, Rule("Local time HH:MM", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


@_frozen
class DossierSubmitted:
    """Nộp hồ sơ (status 1, Mới đăng ký): the applicant filed a dossier, not yet checked."""

    dossier_code: DossierCode
    procedure_code: ProcedureCode
    channel: Channel
    applicant: Applicant


@_frozen
class DossierReceived:
    """Tiếp nhận (status 2): the desk accepted a complete dossier and issued Mẫu 01; the clock starts.

    ``appointment_at`` is the return date the one-stop system printed (NgayHenTra): the dossier is
    graded against it (as the national portal grades); the pipeline also computes the statutory
    due from ``duration`` and keeps both (DossierClassified.statutory_due_at). v2 adds what
    Decision 766 counts (each None when the one-stop system does not report it): fees, digitised
    components and their reuse, the VNeID-authenticated account; and allows an applicant without
    a name.
    """

    dossier_code: DossierCode
    procedure_code: ProcedureCode
    procedure_name: ShortText
    field_code: FieldCode
    receiving_agency: AgencyCode
    handling_agency: AgencyCode
    handling_agency_name: ShortText
    level: Level
    channel: Channel
    duration: Duration
    appointment_at: dt.datetime
    four_step: Annotated[bool, Rule("Quy trình 4 bước: decided on the spot at the Center")]
    applicant: Applicant
    cutoff: Annotated[HHMM | None, Rule("Afternoon cut-off after which the clock starts next working day")] = None
    pauses_on_financial_obligation: bool = False
    fees: Annotated[tuple[Fee, ...] | None, Rule("DanhSachPhiLePhi; [] = no fees")] = None
    digitised: Annotated[bool | None, Rule(
        "HoSoCoThanhPhanSoHoa: the dossier's components were digitised")] = None
    reused_components: Annotated[bool | None, Rule(
        "A component was taken from the national store (TaiLieuNop.DuocLayTuKhoDMQG)")] = None
    vneid_authenticated: Annotated[bool | None, Rule(
        "TaiKhoanDuocXacThucVoiVNeID: filed from a VNeID-authenticated account")] = None


@_frozen
class DossierRejected:
    """Không được tiếp nhận (status 3): not eligible; Mẫu 03 issued. Ends the dossier."""

    dossier_code: DossierCode
    agency: AgencyCode
    reason: ShortText


@_frozen
class DossierTransferred:
    """Chuyển xử lý / liên thông: the dossier moves to an agency for one step of its chain.

    ``step`` counts from 1; ``step_allowance`` is that agency's own allowance on the Phiếu kiểm
    soát (Mẫu 06; Mẫu 05 before Circular 03/2025). The receiving agency holds the dossier (and
    its delay) until the next transfer.
    """

    dossier_code: DossierCode
    from_agency: AgencyCode
    to_agency: AgencyCode
    to_agency_name: ShortText
    step: Annotated[int, Rule(minimum=1, maximum=50)]
    step_allowance: Duration
    note: Text | None = None


@_frozen
class SupplementRequested:
    """Yêu cầu bổ sung (status 5): Mẫu 02 issued; the clock pauses until the supplement arrives."""

    dossier_code: DossierCode
    agency: AgencyCode
    reason: ShortText
    items: tuple[ShortText, ...] = ()


@_frozen
class SupplementReceived:
    """The requested documents arrived; the clock resumes and the due moment moves back.

    ``appointment_at`` is the new return date the one-stop system printed, if it reported one
    (DVCQG ``HoSoBoSung.NgayHenTraMoi``); when given, it becomes the due moment.
    """

    dossier_code: DossierCode
    appointment_at: dt.datetime | None = None


@_frozen
class FinancialObligationRequested:
    """Yêu cầu thực hiện nghĩa vụ tài chính (status 6); pauses the clock where the procedure says so."""

    dossier_code: DossierCode
    agency: AgencyCode
    description: ShortText
    amount_vnd: Annotated[int, Rule(minimum=0)] | None = None


@_frozen
class FinancialObligationFulfilled:
    """The applicant paid; a paused clock resumes."""

    dossier_code: DossierCode


@_frozen
class DossierWithdrawn:
    """Công dân yêu cầu rút hồ sơ (status 7). Ends the dossier."""

    dossier_code: DossierCode
    reason: Text | None = None


@_frozen
class DossierSuspended:
    """Dừng xử lý (status 8): an agency stopped handling the dossier. Ends the dossier."""

    dossier_code: DossierCode
    agency: AgencyCode
    reason: ShortText


@_frozen
class DossierResolved:
    """Đã xử lý xong (status 9): the result is ready; this is the end moment for classification.

    v2: ``result_link`` is the electronic result (DuongDanTepTinKetQua), None when the result
    is on paper only or not reported; ``result_digitised`` whether the result was digitised.
    """

    dossier_code: DossierCode
    agency: AgencyCode
    result_link: Annotated[str, Rule("DuongDanTepTinKetQua", min_length=1, max_length=2000)] | None = None
    result_digitised: bool | None = None


@_frozen
class FeePaid:
    """The applicant paid the dossier's fees (DuocThanhToanTrucTuyen: 1 or 2 = online)."""

    dossier_code: DossierCode
    online: Annotated[bool, Rule("Paid through the online payment platform")]
    amount_vnd: Annotated[int, Rule(minimum=0)] | None = None


@_frozen
class ResultReturned:
    """Đã trả kết quả (status 10): the result reached the applicant."""

    dossier_code: DossierCode
    method: Annotated[str, Rule(pattern=r"^(in_person|post|electronic)$")]


@_frozen
class ApologyIssued:
    """The agency sent the apology letter (Mẫu 04) with one new appointment (NgayHenTraMoi).

    Allowed once per dossier; it reschedules the due moment and starts a new due version.
    """

    dossier_code: DossierCode
    causing_agency: AgencyCode
    reason: ShortText
    previous_appointment_at: dt.datetime
    new_appointment_at: dt.datetime
    letter_number: Annotated[str, Rule("Số/ký hiệu of the letter", max_length=64)] | None = None


@_frozen
class FeedbackGiven:
    """Citizen evaluation of the handling (đánh giá mức độ hài lòng) and any complaint (PAKN)."""

    dossier_code: DossierCode
    satisfaction: Annotated[str, Rule(pattern=r"^(rat_hai_long|hai_long|khong_hai_long)$")]
    complaint: bool = False
    comment: Text | None = None


@_frozen
class ClockHeartbeat:
    """Producer heartbeat: event time has reached ``time`` on this partition (watermark).

    Sent to every partition by replays and the simulator so that deadlines fire in event time
    even on partitions with no traffic. Keyed by the producer's source id.
    """

    producer: ShortText
