"""``motcua report 766``: every unit's Decision 766 scorecard from the reporting DB.

Reads the projected dossiers, supplement requests and citizen feedback (blocking SQLAlchemy),
turns them into the pure core's facts and scores every unit with
:mod:`stream_processors.core.evaluation766`. Units are the province (all dossiers), then each
agency of the catalog or seen handling a dossier: ``commune`` when its dossiers are commune-level,
else ``department``. The catalog supplies the procedures (online level, fees, publication).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Engine, func, select

from sinks.db.tables import dossiers, feedback, feedback_steps, supplement_requests
from stream_processors.core.calendar import WorkingCalendar
from stream_processors.core.catalog import Catalog
from stream_processors.core.evaluation766 import (Feedback, Period, ScoredDossier, ScoredProcedure,
                                                 Unit, UnitScore, Weights, score_units)
from stream_processors.core.evaluation766.feedback_limits import Limit, deadlines

__all__ = ["COLUMNS", "load_facts", "procedures_of", "units_of", "scorecards", "as_json",
           "as_rows"]

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


def procedures_of(catalog: Catalog) -> list[ScoredProcedure]:
    return [ScoredProcedure(p.code, p.agency.code, p.service.online_level, p.has_fees,
                            p.service.payment_integrated, p.service.effective_on,
                            p.service.published_on, p.service.national_published_on,
                            p.disclosure.missing()) for p in catalog]


def units_of(catalog: Catalog, levels: dict[str, str], province: Unit) -> list[Unit]:
    """The province, then every agency (catalog first, then those only seen in dossiers)."""
    names = {a.code: a.name for a in catalog.agencies}
    codes = list(names) + sorted(set(levels) - set(names))
    return [province] + [Unit(c, names.get(c, c), levels.get(c, "department")) for c in codes]


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
