"""Rule versions by effective date. A dossier keeps the version in force when it was received.

* ``nd61-2018`` — Decree 61/2018/NĐ-CP (as amended by Decree 107/2021/NĐ-CP) with Circular
  01/2018/TT-VPCP; in force 2018-06-21 to 2025-06-30.
* ``nd118-2025`` — Decree 118/2025/NĐ-CP (amended by Decree 367/2025/NĐ-CP) with Circular
  03/2025/TT-VPCP (15/9/2025; its Appendix I renumbers the forms: 04 apology and extension,
  05 stop notice (new), 06 control slip, 07 tracking book); from 2025-07-01.

Only the *configurable differences* live here, as data. The values are the project's reading of
domain.md; several are UNVERIFIED there (the 118/2025 form name, financial-obligation pauses) and
are meant to be edited, not trusted. The receipt moment is compared as a Vietnam calendar date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from stream_processors.core.exceptions import UnknownRuleVersionError
from stream_processors.core.vntime import to_vn

__all__ = ["RuleSet", "END_OF_PREVIOUS_WORKING_DAY", "SAME_TIME_PREVIOUS_WORKING_DAY",
           "APOLOGY_DEADLINE_RULES", "DECREE_61_2018", "DECREE_118_2025", "RULE_SETS", "rules_for",
           "rules_by_version"]


# How the apology deadline is read from "chậm nhất 01 ngày trước ngày hết hạn" (at the latest one
# day before the deadline): a date rule by default, the end of the previous working day; the
# clock-time reading is kept as an option for a province that counts it so.
END_OF_PREVIOUS_WORKING_DAY = "end_of_previous_working_day"
SAME_TIME_PREVIOUS_WORKING_DAY = "same_time_previous_working_day"
APOLOGY_DEADLINE_RULES = (END_OF_PREVIOUS_WORKING_DAY, SAME_TIME_PREVIOUS_WORKING_DAY)


@dataclass(frozen=True)
class RuleSet:
    """The rules a dossier clock follows. ``version`` is stable and stored with each dossier."""
    version: str
    legal_basis: str
    effective_from: date
    effective_until: date | None  # last day in force, inclusive; None = still in force
    apology_form: str
    control_slip_form: str  # Phiếu kiểm soát quá trình giải quyết hồ sơ (liên thông steps)
    stop_form: str | None = None  # the notice sent when a dossier is stopped, if the rules have one
    apology_lead_working_days: int = 1  # letter due this many working days before the due date
    apology_deadline_rule: str = END_OF_PREVIOUS_WORKING_DAY  # one of APOLOGY_DEADLINE_RULES
    at_risk_lead_working_days: int = 1  # the warning: same clock time this many days before the due
    max_reschedules: int = 1  # "không quá một lần"
    supplement_requests_late_above: int = 1  # Decision 766: more requests than this ⇒ quá hạn
    financial_obligation_pauses_by_default: bool = False  # sector law decides; catalog may override

    def __post_init__(self) -> None:
        if self.apology_deadline_rule not in APOLOGY_DEADLINE_RULES:
            raise UnknownRuleVersionError(
                f"apology_deadline_rule must be one of {', '.join(APOLOGY_DEADLINE_RULES)}, "
                f"got {self.apology_deadline_rule!r}")

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_until is None
                                               or day <= self.effective_until)


DECREE_61_2018 = RuleSet(
    version="nd61-2018",
    legal_basis="Nghị định 61/2018/NĐ-CP (sửa đổi bởi Nghị định 107/2021/NĐ-CP); "
                "Thông tư 01/2018/TT-VPCP",
    effective_from=date(2018, 6, 21),
    effective_until=date(2025, 6, 30),
    apology_form="Mẫu 04 — Phiếu xin lỗi và hẹn lại ngày trả kết quả (Thông tư 01/2018/TT-VPCP)",
    control_slip_form="Mẫu 05 — Phiếu kiểm soát quá trình giải quyết hồ sơ "
                      "(Thông tư 01/2018/TT-VPCP)",
)

DECREE_118_2025 = RuleSet(
    version="nd118-2025",
    legal_basis="Nghị định 118/2025/NĐ-CP (sửa đổi bởi Nghị định 367/2025/NĐ-CP); "
                "Thông tư 03/2025/TT-VPCP",
    effective_from=date(2025, 7, 1),
    effective_until=None,
    apology_form="Mẫu 04 — Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết "
                 "(Thông tư 03/2025/TT-VPCP)",
    control_slip_form="Mẫu 06 — Phiếu kiểm soát quá trình giải quyết hồ sơ "
                      "(Thông tư 03/2025/TT-VPCP)",
    stop_form="Mẫu 05 — Thông báo dừng giải quyết hồ sơ (Thông tư 03/2025/TT-VPCP)",
)

RULE_SETS: tuple[RuleSet, ...] = (DECREE_61_2018, DECREE_118_2025)


def rules_for(received_at: datetime) -> RuleSet:
    """The rule set in force on the Vietnam date of ``received_at`` (aware datetime)."""
    day = to_vn(received_at, "received_at").date()
    for rules in RULE_SETS:
        if rules.in_force_on(day):
            return rules
    raise UnknownRuleVersionError(
        f"received_at {day} is before any rule set (earliest {RULE_SETS[0].effective_from})")


def rules_by_version(version: str) -> RuleSet:
    """The rule set whose ``version`` string is ``version``."""
    for rules in RULE_SETS:
        if rules.version == version:
            return rules
    known = ", ".join(r.version for r in RULE_SETS)
    raise UnknownRuleVersionError(f"rule_version {version!r} is unknown (known: {known})")
