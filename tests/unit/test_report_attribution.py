"""Reports across the 2025 map change: rows as at the event or at period end, by level and
field; totals (carry-over included) identical either way; no district row after 2025-06-30."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from sinks.reports.apologies import LetterFacts, OverdueFacts, apologies
from sinks.reports.attribution import Attribution, attribute_apologies, attribute_dossiers
from sinks.reports.bieu06 import DossierFacts, bieu06
from sinks.reports.periods import parse_period
from stream_processors.core.registry_loader import load_registry
from stream_processors.core.vntime import VN_TZ

REGISTRY = load_registry()
KHDT_QN, TC_QN, TC_DN = "000.00.10.H47", "000.00.11.H47", "000.00.11.H15"
TTTT_QN, VHTTDL_DN = "000.00.18.H47", "000.00.17.H15"
HOI_AN_DISTRICT, HOI_AN_WARD, HAI_CHAU_WARD = "000.21.30.H47", "000.30.09.H15", "000.30.01.H15"
Q2, Q3 = parse_period("2025-Q2"), parse_period("2025-Q3")


def t(month: int, day: int) -> dt.datetime:
    return dt.datetime(2025, month, day, 9, 0, tzinfo=VN_TZ)


def f(n: int, agency: str, received: dt.datetime, ended: dt.datetime | None = None,
      field: str = "Đầu tư tại Việt Nam", level: str = "province") -> DossierFacts:
    return DossierFacts(f"{agency}-25{n:04d}", agency, f"Tên {agency}", "online", received, ended,
                        "truoc_han" if ended else None, None, (), "2.001978", field, level)


FACTS = [
    f(1, KHDT_QN, t(2, 20), t(8, 10)),           # received by Sở KH&ĐT, carried into Q3
    f(2, TC_QN, t(6, 10), t(7, 15)),             # carried over, resolved in Q3
    f(3, TC_QN, t(5, 5)),                        # still open at the end of Q3
    f(4, TC_DN, t(8, 1)),
    f(5, HOI_AN_DISTRICT, t(5, 2), level="district"),  # district dossier open across the reform
    f(6, HAI_CHAU_WARD, t(9, 1), t(9, 9), level="commune"),
    f(7, TTTT_QN, t(2, 3), t(7, 30), field="Báo chí"),
]


def rows(period, as_of: str, by: str = "agency") -> dict[str, dict]:
    facts = attribute_dossiers(FACTS, Attribution(REGISTRY, period, as_of), by)
    return {r.agency: r.as_dict() for r in bieu06(facts, period)}


def totals_without_names(table: dict[str, dict]) -> dict:
    return {k: v for k, v in table["TOTAL"].items() if k not in ("agency", "agency_name")}


def test_period_end_lists_the_successors_and_adds_up_to_the_same_totals():
    event, end = rows(Q3, "event"), rows(Q3, "period-end")
    assert totals_without_names(event) == totals_without_names(end)
    assert event["TOTAL"]["received_total"] == 7 and event["TOTAL"]["carried_over"] == 5
    assert KHDT_QN in event and TC_QN in event
    assert not any(code.endswith(".H47") for code in end)
    assert end[TC_DN]["received_total"] == 4  # the former Sở KH&ĐT dossier is among them
    assert end[TC_DN]["agency_name"] == "Sở Tài chính thành phố Đà Nẵng"
    assert end[VHTTDL_DN]["resolved_total"] == 1  # press went to culture, not to science


def test_no_district_row_after_the_reform_but_before_it_there_is():
    for as_of in ("event", "period-end"):
        q3 = rows(Q3, as_of, by="level")
        assert "district" not in q3 and set(q3) == {"province", "commune", "TOTAL"}
        assert q3["commune"]["received_total"] == 2  # Hội An's dossier now at phường Hội An
        assert rows(Q3, as_of)[HOI_AN_WARD]["received_total"] == 1
    q2 = rows(Q2, "event", by="level")
    assert q2["district"]["received_total"] == 1 and q2["district"]["agency_name"] == "Cấp huyện"


def test_rows_by_field_add_up():
    by_field = rows(Q3, "period-end", by="field")
    assert by_field["Báo chí"]["received_total"] == 1
    assert sum(v["received_total"] for k, v in by_field.items() if k != "TOTAL") == 7


def test_apologies_follow_the_same_choice_with_the_same_totals():
    letters = [LetterFacts(KHDT_QN, "Sở KH&ĐT", t(8, 20), "missed"),
               LetterFacts(TC_DN, "Sở Tài chính", t(9, 2), "issued_on_time")]
    overdue = [OverdueFacts("x-1", KHDT_QN, t(8, 20)), OverdueFacts("x-2", TC_QN, t(7, 2))]
    out = {}
    for as_of in ("event", "period-end"):
        lt, od, names = attribute_apologies(letters, overdue, Attribution(REGISTRY, Q3, as_of))
        out[as_of] = {r.agency: r.as_dict() for r in apologies(lt, od, Q3, names)}
    assert out["period-end"][TC_DN]["late_dossiers"] == 2
    assert out["period-end"][TC_DN]["apologies_missing"] == 1
    assert set(out["event"]) == {KHDT_QN, TC_QN, TC_DN, "TOTAL"}
    assert out["event"]["TOTAL"] == out["period-end"]["TOTAL"]
    lt, od, names = attribute_apologies(
        [dataclasses.replace(x, field="Báo chí") for x in letters],
        [dataclasses.replace(x, field="Đất đai") for x in overdue], Attribution(REGISTRY, Q3), "field")
    by_field = {r.agency: r.as_dict() for r in apologies(lt, od, Q3, names)}
    assert by_field["Báo chí"]["apologies_missing"] == 1 and by_field["Đất đai"]["late_dossiers"] == 2


def test_an_unknown_as_of_is_refused():
    with pytest.raises(ValueError, match="as_of"):
        Attribution(REGISTRY, Q3, "whenever")
