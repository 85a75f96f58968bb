"""Rule versions by effective date (Decree 61/2018 until 2025-06-30, Decree 118/2025 after)."""

import dataclasses
from datetime import datetime, timezone

import pytest

from stream_processors.core.calendar import default_calendar
from stream_processors.core.clock import start
from stream_processors.core.durations import Duration
from stream_processors.core.exceptions import UnknownRuleVersionError
from stream_processors.core.rules import (DECREE_61_2018, DECREE_118_2025, RULE_SETS,
                                          rules_by_version, rules_for)
from stream_processors.core.vntime import VN_TZ


def vn(*args):
    return datetime(*args, tzinfo=VN_TZ)


def test_versions_switch_on_2025_07_01_vietnam_time():
    assert rules_for(vn(2025, 6, 30, 23, 59)) is DECREE_61_2018
    assert rules_for(vn(2025, 7, 1, 0, 0)) is DECREE_118_2025
    # 17:30 UTC on 30/6 is already 1/7 in Vietnam
    assert rules_for(datetime(2025, 6, 30, 17, 30, tzinfo=timezone.utc)) is DECREE_118_2025
    assert rules_for(vn(2018, 6, 21, 8)) is DECREE_61_2018


def test_stable_versions_and_forms():
    assert [r.version for r in RULE_SETS] == ["nd61-2018", "nd118-2025"]
    assert DECREE_61_2018.apology_form.startswith("Mẫu 04 — Phiếu xin lỗi và hẹn lại ngày trả")
    assert DECREE_118_2025.apology_form.startswith(
        "Mẫu 04 — Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết")
    assert DECREE_118_2025.control_slip_form.startswith("Mẫu 06 — Phiếu kiểm soát")
    assert DECREE_61_2018.control_slip_form.startswith("Mẫu 05 — Phiếu kiểm soát")
    assert DECREE_118_2025.stop_form.startswith("Mẫu 05 — Thông báo dừng giải quyết hồ sơ")
    assert DECREE_61_2018.stop_form is None
    for rules in RULE_SETS:
        assert (rules.apology_lead_working_days, rules.max_reschedules,
                rules.supplement_requests_late_above) == (1, 1, 1)
        assert rules_by_version(rules.version) is rules


def test_rule_sets_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        DECREE_61_2018.max_reschedules = 2  # type: ignore[misc]


def test_unknown_versions_and_dates_are_refused():
    with pytest.raises(UnknownRuleVersionError, match="rule_version"):
        rules_by_version("nd99-2030")
    with pytest.raises(UnknownRuleVersionError, match="received_at"):
        rules_for(vn(2017, 1, 1, 9))


def test_dossier_keeps_the_version_in_force_at_receipt():
    cal = default_calendar()
    clock = start(vn(2025, 6, 30, 16, 0), Duration(5, "working_days"), cal)
    clock = clock.pause(vn(2025, 7, 2, 9)).resume(vn(2025, 7, 3, 9), cal)
    assert clock.rule_version == "nd61-2018" and clock.rules is DECREE_61_2018
    assert start(vn(2025, 7, 1, 8), Duration(5, "working_days"), cal).rule_version == "nd118-2025"
