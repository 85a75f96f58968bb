"""Whose row a dossier, letter or flag counts in, across the 2025 map change (pure).

``as_of``:

* ``event`` — the agency the record named (the one that received / held the dossier then);
* ``period-end`` — that agency's continuing agency on the period's last day, from the registry's
  successor links (by procedure and field when the fact knows them).

The district level was abolished on 2025-07-01: for a period that ends after 2025-06-30 a district
agency is always shown under its continuing agency, so no district row appears in it. Rows
``by`` ``level`` (province / district / commune, the agency's level in the registry) or ``field``
(lĩnh vực) regroup the same facts. Regrouping only relabels facts, so totals never change.
A code the registry does not know keeps its own row (the worker dead-letters such records; this
is old data).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from sinks.reports.apologies import LetterFacts, OverdueFacts
from sinks.reports.bieu06 import DossierFacts
from sinks.reports.periods import Period
from stream_processors.core.registry import DISTRICT_ABOLISHED, AgencyRegistry
from stream_processors.core.vntime import to_vn

__all__ = ["AS_OF", "GROUPS", "LEVEL_NAMES", "Attribution", "attribute_dossiers",
           "attribute_apologies"]

AS_OF = ("event", "period-end")
GROUPS = ("agency", "level", "field")
LEVEL_NAMES = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}


@dataclasses.dataclass(frozen=True)
class Attribution:
    registry: AgencyRegistry
    period: Period
    as_of: str = "event"

    def __post_init__(self) -> None:
        if self.as_of not in AS_OF:
            raise ValueError(f"as_of {self.as_of!r}: expected one of {', '.join(AS_OF)}")

    @property
    def last_day(self) -> dt.date:
        return to_vn(self.period.end, "period end").date() - dt.timedelta(days=1)

    def agency(self, code: str, name: str, on: dt.date, procedure: str | None = None,
               field: str | None = None) -> tuple[str, str]:
        """(code, name) of the row of a fact about ``code`` dated ``on``."""
        r = self.registry
        if not r.knows(code):
            return code, name
        no_districts = self.last_day >= DISTRICT_ABOLISHED and r.version(code, on).level == "district"
        if self.as_of == "event" and not no_districts:
            return code, name
        current = r.continuing(code, self.last_day, procedure, field)
        if current == code:
            return code, name
        return current, r.version(current, self.last_day).name

    def level(self, code: str, on: dt.date, recorded: str | None = None) -> str:
        if not self.registry.knows(code):
            return recorded or "province"
        return self.registry.version(code, on).level

    def day(self, moment: dt.datetime) -> dt.date:
        return min(to_vn(moment, "moment").date(), self.last_day)


def _regroup(code: str, name: str, level: str, field: str | None, by: str) -> tuple[str, str]:
    if by == "level":
        return level, LEVEL_NAMES.get(level, level)
    if by == "field":
        return field or "?", field or "(không rõ lĩnh vực)"
    return code, name


def attribute_dossiers(facts: Iterable[DossierFacts], a: Attribution,
                       by: str = "agency") -> list[DossierFacts]:
    """Biểu 06 facts relabelled with the row each one counts in."""
    out = []
    for d in facts:
        on = a.day(d.received_at)
        code, name = a.agency(d.agency, d.agency_name, on, d.procedure_code, d.field)
        level = a.level(code, a.last_day if code != d.agency else on, d.level)
        code, name = _regroup(code, name, level, d.field, by)
        out.append(dataclasses.replace(d, agency=code, agency_name=name))
    return out


def attribute_apologies(letters: Iterable[LetterFacts], overdue: Iterable[OverdueFacts],
                        a: Attribution, by: str = "agency", known: dict[str, str] | None = None
                        ) -> tuple[list[LetterFacts], list[OverdueFacts], dict[str, str]]:
    """Letters and overdue flags relabelled (by agency, level or field), with the rows' names
    (``known``: names the records gave to codes, e.g. from the dossiers)."""
    names: dict[str, str] = {}
    known = dict(known or {})

    def row(fact: LetterFacts | OverdueFacts, name: str) -> str:
        on, code = a.day(fact.due_at), fact.agency
        name = known.get(code) or name
        if name == code and a.registry.knows(code):
            name = a.registry.version(code, on).name
        new, new_name = a.agency(code, name, on, fact.procedure_code, fact.field)
        level = a.level(new, a.last_day if new != code else on)
        key, label = _regroup(new, new_name, level, fact.field, by)
        names.setdefault(key, label)
        return key

    out_letters = []
    for lt in letters:
        known.setdefault(lt.agency, lt.agency_name)
        key = row(lt, lt.agency_name)
        out_letters.append(dataclasses.replace(lt, agency=key, agency_name=names[key]))
    out_overdue = [dataclasses.replace(f, agency=row(f, f.agency)) for f in overdue]
    return out_letters, out_overdue, names
