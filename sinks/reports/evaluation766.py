"""``motcua report 766``: every unit's Decision 766 scorecard from the reporting DB.

Reads the projected dossiers, supplement requests and citizen feedback (blocking SQLAlchemy),
turns them into the pure core's facts and scores every unit with
:mod:`stream_processors.core.evaluation766`. Units are the province (all dossiers), then each
agency of the catalog or seen handling a dossier: ``commune`` when its dossiers are commune-level,
else ``department``. The catalog supplies the procedures (online level, fees, publication). With
the agency registry, the map of the period's last day decides: the province is its root agency,
a procedure counts for the agency continuing its catalog agency's work, agencies that no longer
exist (and hold no dossier of the period) are left out, and names are the registry's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from sinks.db.tables import dossiers, feedback, feedback_steps, supplement_requests
from stream_processors.core.calendar import WorkingCalendar
from stream_processors.core.catalog import Catalog
from stream_processors.core.evaluation766 import (Feedback, Period, ScoredDossier, ScoredProcedure,
                                                 Unit, UnitScore, Weights, score_units)
from stream_processors.core.evaluation766.feedback_limits import Limit, deadlines
from stream_processors.core.registry import AgencyRegistry

__all__ = ["COLUMNS", "load_facts", "procedures_of", "province_of", "units_of", "scorecards",
           "as_json", "as_rows", "last_day"]

COLUMNS = ("unit", "name", "level", "group", "code", "indicator", "numerator", "denominator",
           "ratio", "points", "max", "reason")


def _dossier(r: Any, supplements: Counter) -> ScoredDossier:
    return ScoredDossier(
        r.dossier_code, r.handling_agency or "", r.procedure_code or "", r.received_at,
        r.due_at, r.ended_at, r.returned_at, r.end_status, supplements[r.dossier_code],
        r.supplement_open_since, r.channel or "in_person", r.fees_vnd, r.paid_online,
        r.digitised, r.reused, r.result_electronic, r.vneid, r.satisfaction, bool(r.complaint))


def load_facts(engine: Engine, limits: Sequence[Limit], calendar: WorkingCalendar
               ) -> tuple[list[ScoredDossier], list[Feedback], dict[str, str]]:
    """Dossiers, feedback and each agency's level (``commune`` / ``department``)."""
    with engine.connect() as conn:
        counts = Counter({r.dossier_code: r.n for r in conn.execute(
            select(supplement_requests.c.dossier_code, func.count().label("n"))
            .group_by(supplement_requests.c.dossier_code))})
        rows = list(conn.execute(select(dossiers)))
        fb_rows = list(conn.execute(select(feedback)))
        steps: dict[str, list] = {}
        for s in conn.execute(select(feedback_steps).order_by(feedback_steps.c.at)):
            steps.setdefault(s.feedback_id, []).append((s.action, s.at))
    levels = {r.handling_agency: "commune" if r.level == "commune" else "department"
              for r in rows if r.handling_agency}
    fbs = [Feedback(f.feedback_id, f.agency, f.received_at, tuple(steps.get(f.feedback_id, ())),
                    deadlines(f.received_at, steps.get(f.feedback_id, ()), limits, calendar),
                    f.satisfied) for f in fb_rows]
    return [_dossier(r, counts) for r in rows if r.received_at or r.ended_at], fbs, levels


def procedures_of(catalog: Catalog, registry: AgencyRegistry | None = None,
                  day: date | None = None) -> list[ScoredProcedure]:
    """The catalog's procedures, each under the agency doing its work on ``day``."""
    def agency(p) -> str:  # noqa: ANN001
        if registry is None or day is None or not registry.knows(p.agency.code):
            return p.agency.code
        return registry.continuing(p.agency.code, day, p.code, p.field)

    return [ScoredProcedure(p.code, agency(p), p.service.online_level, p.has_fees,
                            p.service.payment_integrated, p.service.effective_on,
                            p.service.published_on, p.service.national_published_on,
                            p.disclosure.missing()) for p in catalog]


def units_of(catalog: Catalog, levels: dict[str, str], province: Unit,
             registry: AgencyRegistry | None = None, day: date | None = None) -> list[Unit]:
    """The province, then every agency (catalog first, then those only seen in dossiers); with
    a registry, the agencies existing on ``day`` instead of the catalog's."""
    if registry is None or day is None:
        names = {a.code: a.name for a in catalog.agencies}
    else:
        mine = _suffix(province.code)
        names = {v.code: v.name for v in registry.on(day)
                 if v.code != province.code and _suffix(v.code) == mine}
        levels = {**{v.code: "commune" for v in registry.on(day, "commune")}, **levels}
    codes = list(names) + sorted(set(levels) - set(names) - {province.code})
    return [province] + [Unit(c, _name(c, names, registry, day), levels.get(c, "department"))
                         for c in codes]


def _name(code: str, names: dict[str, str], registry: AgencyRegistry | None,
          day: date | None) -> str:
    if code in names:
        return names[code]
    if registry is not None and day is not None and registry.knows(code):
        return registry.versions(code)[-1].name
    return code


def province_of(catalog: Catalog, registry: AgencyRegistry | None, day: date | None) -> Unit:
    """The province unit: the registry's root agency on ``day`` of the province now doing the
    catalog's work, else the catalog's province code (``H47`` of ``000.00.15.H47``)."""
    code = catalog.agencies[0].code if catalog.agencies else "province"
    if registry is not None and day is not None and registry.knows(code):
        suffix = _suffix(registry.continuing(code, day))
        roots = [v for v in registry.on(day, "province")
                 if v.parent is None and _suffix(v.code) == suffix]
        if roots:
            return Unit(roots[0].code, roots[0].name, "province")
    return Unit(_suffix(code), f"Toàn tỉnh ({_suffix(code)})", "province")


def _suffix(code: str) -> str:
    return code.rsplit(".", 1)[-1]


def last_day(period: Period) -> date:
    """The period's last day as judged (a running period: today)."""
    return (period.at - timedelta(microseconds=1)).date() if period.at == period.end \
        else period.at.date()


def scorecards(units: Sequence[Unit], weights: Weights, period: Period,
               dossier_facts: Iterable[ScoredDossier], procedures: Iterable[ScoredProcedure],
               feedback_facts: Iterable[Feedback], only: str | None = None) -> list[UnitScore]:
    chosen = [u for u in units if only is None or u.code == only]
    return score_units(chosen, weights, period, dossier_facts, procedures, feedback_facts)


def _number(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def as_json(cards: Sequence[UnitScore], weights: Weights) -> list[dict[str, Any]]:
    """The documented JSON: one object per unit (docs/evaluation-766.md)."""
    out = []
    for card in cards:
        indicators = []
        for g in card.groups:
            for i in g.indicators:
                spec = weights.spec(i.code)
                item = {"code": i.code, "group": g.number, "name": spec.name,
                        "name_en": spec.name_en, "numerator": _number(i.numerator),
                        "denominator": _number(i.denominator), "ratio": _number(i.ratio),
                        "points": _number(i.points), "max": i.max, "threshold": spec.threshold}
                if i.reason:
                    item["reason"] = i.reason
                if i.costly:
                    item["costly"] = list(i.costly)
                indicators.append(item)
        out.append({"unit": card.unit.code, "name": card.unit.name, "level": card.unit.level,
                    "period": card.period.label, "points": _number(card.points),
                    "computable_max": card.computable_max,
                    "groups": [{"number": g.number, "name": g.name, "name_en": g.name_en,
                                "max": g.max, "points": _number(g.points)} for g in card.groups],
                    "indicators": indicators})
    return out


def as_rows(cards: Sequence[UnitScore], weights: Weights) -> list[dict[str, Any]]:
    """Flat rows for CSV/XLSX: every indicator, then each group's and the unit's total."""
    rows = []
    for unit in as_json(cards, weights):
        head = {"unit": unit["unit"], "name": unit["name"], "level": unit["level"]}
        for i in unit["indicators"]:
            rows.append({**head, "group": i["group"], "code": i["code"], "indicator": i["name"],
                         **{k: i[k] for k in ("numerator", "denominator", "ratio", "points", "max")},
                         "reason": i.get("reason", "")})
        for g in unit["groups"]:
            rows.append({**head, "group": g["number"], "code": f"nhóm {g['number']}",
                         "indicator": g["name"], "numerator": None, "denominator": None,
                         "ratio": None, "points": g["points"], "max": g["max"], "reason": ""})
        rows.append({**head, "group": "", "code": "tổng", "indicator": "Tổng điểm",
                     "numerator": None, "denominator": None, "ratio": None,
                     "points": unit["points"], "max": 100.0,
                     "reason": f"computable out of {unit['computable_max']}"})
    return rows
