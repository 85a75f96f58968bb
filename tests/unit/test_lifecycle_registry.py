"""The worker core with the agency registry: unknown agencies refused, flags to the successor."""

from __future__ import annotations

import pytest

from stream_processors.core.calendar import default_calendar
from stream_processors.core.deadlines import fire_due
from stream_processors.core.lifecycle import apply, new_state
from stream_processors.core.outputs import IngestRejected
from stream_processors.core.registry_loader import load_registry
from stream_processors.core.transitions import Context
from tests.dossier_events import at, code, received, transferred

CTX = Context(default_calendar(), registry=load_registry())
SO_KHDT_QN, SO_TC_QN, SO_TC_DN = "000.00.10.H47", "000.00.11.H47", "000.00.11.H15"
SO_TTTT_QN = "000.00.18.H47"


def test_a_record_naming_an_unknown_agency_is_dead_lettered_with_a_reason():
    c = code(1, agency="000.00.99.H47")
    with pytest.raises(IngestRejected) as err:
        apply(new_state(c), received(c, at("2025-08-04", "09:30"), agency="000.00.99.H47"), CTX)
    assert err.value.reason == "unknown_agency" and "handling_agency" in err.value.detail
    s = apply(new_state(c), received(c, at("2025-08-04", "09:30")), CTX).state
    with pytest.raises(IngestRejected, match="to_agency"):
        apply(s, transferred(c, at("2025-08-04", "10:00"), "000.00.77.H15", 1, 1), CTX)


def test_an_open_dossier_of_a_merged_department_is_flagged_to_its_successor():
    c = code(1, day="250625", agency=SO_KHDT_QN)
    # imported history: received in February under Sở KH&ĐT, 35 working days, still open in July
    s = apply(new_state(c), received(c, at("2025-02-20", "09:30"), days=35, agency=SO_KHDT_QN,
                                     procedure="2.001978", field="Đầu tư tại Việt Nam"), CTX).state
    s, flags = fire_due(s, at("2025-07-31"), CTX.registry)
    assert {f.data.responsible_agency for f in flags} == {SO_TC_DN}
    assert flags[0].data.responsible_agency_name == "Sở Tài chính thành phố Đà Nẵng"
    assert s.receipt.handling_agency == SO_KHDT_QN  # the record keeps the original


def test_before_the_merger_the_flag_names_the_agency_of_that_day():
    c = code(2, day="250602", agency=SO_TC_QN)
    s = apply(new_state(c), received(c, at("2025-06-02", "09:30"), days=5, agency=SO_TC_QN), CTX).state
    _, flags = fire_due(s, at("2025-06-20"), CTX.registry)
    assert {f.data.responsible_agency for f in flags} == {SO_TC_QN}


def test_the_successor_depends_on_the_field():
    def flagged(field: str) -> str:
        c = code(3, day="250210", agency=SO_TTTT_QN)
        s = apply(new_state(c), received(c, at("2025-02-10", "09:30"), days=200, agency=SO_TTTT_QN,
                                         field=field), CTX).state
        _, flags = fire_due(s, at("2026-06-01"), CTX.registry)
        return flags[0].data.responsible_agency

    assert flagged("Báo chí") == "000.00.17.H15"
    assert flagged("Phát thanh, truyền hình và thông tin điện tử") == "000.00.18.H15"
