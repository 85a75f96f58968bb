"""Pure views of the read model: what the HTML page, SSE stream, /metrics and `motcua up` read."""

from __future__ import annotations

import collections
import datetime as dt
from typing import Any

import functools

from motcua.observability import SNAPSHOT_GAUGES
from sinks.board.model import BoardModel, DossierView
from stream_processors.core.evaluation766 import Weights, load_weights

__all__ = ["EventClock", "dossier_detail", "evaluation", "open_counts", "state", "summary"]

#: The window whose Decision 766 score the board shows: the running quarter (its projection).
EVALUATION_WINDOW = "quarter_to_date"
#: Indicators the live metrics path does not compute (PAKN is read by the reporting sink only).
REPORT_ONLY = frozenset({"5.1", "5.2"})

WINDOW_PREFERENCE = ("rolling_30d", "month_to_date", "quarter_to_date", "day")
_GAUGE = {g.metric: g for g in SNAPSHOT_GAUGES}
LEAGUE_COLUMNS = {  # column -> gauge whose snapshot value it shows
    "on_time": "motcua_compliance_on_time_ratio",
    "apology": "motcua_compliance_apology_ratio",
    "four_step_procedure": "motcua_compliance_four_step_procedure_ratio",
    "four_step_dossier": "motcua_compliance_four_step_dossier_ratio",
    "online": "motcua_compliance_online_ratio",
}


class EventClock:
    """Estimates the pipeline's event time now from (wall, event time) observations.

    In simulation event time runs ``rate`` times faster than the wall clock; the page
    extrapolates countdowns with the same numbers, so they tick between updates.
    """

    def __init__(self, window_s: float = 20.0) -> None:
        self._obs: collections.deque[tuple[float, float]] = collections.deque()
        self._window = window_s

    def observe(self, wall: float, event_time: dt.datetime | None) -> None:
        if event_time is None:
            return
        self._obs.append((wall, event_time.timestamp()))
        while len(self._obs) > 2 and wall - self._obs[0][0] > self._window:
            self._obs.popleft()

    @property
    def rate(self) -> float:
        if len(self._obs) < 2:
            return 1.0
        (w0, e0), (w1, e1) = self._obs[0], self._obs[-1]
        if w1 - w0 < 1.0:
            return 1.0
        return max(0.0, (e1 - e0) / (w1 - w0))

    def as_json(self, wall: float) -> dict[str, float] | None:
        if not self._obs:
            return None
        w, e = self._obs[-1]
        return {"event": e, "wall": w, "rate": self.rate, "server_wall": wall}


def _iso(t: dt.datetime | None) -> str | None:
    return t.isoformat() if t else None


def _row(d: DossierView, flag: Any) -> dict[str, Any]:
    return {"code": d.code, "agency": flag.responsible_agency, "agency_name": flag.responsible_agency_name,
            "procedure": flag.procedure_name, "procedure_code": flag.procedure_code,
            "due_at": _iso(d.due_at or flag.due_at), "received_at": _iso(flag.received_at),
            "apology_deadline": _iso(getattr(flag, "apology_deadline", None)),
            "due_version": flag.due_version, "letters": sorted(d.letters),
            "due_estimate": getattr(flag, "due_estimate", None)}


def at_risk(model: BoardModel) -> list[DossierView]:
    """Open dossiers flagged at risk for their current due version and not yet overdue."""
    return [d for d in model.dossiers.values()
            if d.at_risk and not d.closed and d.at_risk.due_version == d.due_version
            and not (d.overdue and d.overdue.due_version == d.due_version)]


def overdue(model: BoardModel) -> list[DossierView]:
    """Open dossiers past the due moment of their current due version."""
    return [d for d in model.dossiers.values()
            if d.overdue and not d.closed and d.overdue.due_version == d.due_version]


def open_counts(model: BoardModel) -> dict[str, dict[str, int]]:
    """Per responsible agency: open at-risk, overdue, and at-risk without apology / letter."""
    out: dict[str, collections.Counter[str]] = {
        k: collections.Counter() for k in ("at_risk", "overdue", "no_apology", "no_letter")}
    for d in at_risk(model):
        out["at_risk"][d.agency] += 1
        if not d.apology_issued:
            out["no_apology"][d.agency] += 1
        if not d.letters:
            out["no_letter"][d.agency] += 1
    for d in overdue(model):
        out["overdue"][d.agency] += 1
    return {k: dict(v) for k, v in out.items()}


def league(model: BoardModel) -> list[dict[str, Any]]:
    """One row per agency that exists on the board's day (or still has open flags): the latest
    agency snapshot's ratios plus open counts."""
    counts = open_counts(model)
    best: dict[str, Any] = {}
    for (scope, key, window), snap in model.snapshots.items():
        if scope != "agency" or window not in WINDOW_PREFERENCE:
            continue
        cur = best.get(key)
        if cur is None or WINDOW_PREFERENCE.index(window) < WINDOW_PREFERENCE.index(cur.window):
            best[key] = snap
    # an agency merged away drops out once nothing of it is open (its work shows at its successor)
    agencies = {a for a in best if model.exists_now(a)} | set(counts["at_risk"]) | set(counts["overdue"])
    rows = []
    for agency in sorted(agencies):
        snap = best.get(agency)
        row: dict[str, Any] = {"agency": agency, "name": model.agency_names.get(agency, agency),
                               "window": snap.window if snap else None,
                               "at_risk": counts["at_risk"].get(agency, 0),
                               "overdue": counts["overdue"].get(agency, 0)}
        for col, metric in LEAGUE_COLUMNS.items():
            row[col] = _GAUGE[metric].pick(snap.values) if snap else None
        rows.append(row)
    rows.sort(key=lambda r: (-(r["on_time"] if r["on_time"] is not None else -1), r["agency"]))
    return rows


def trends(model: BoardModel) -> dict[str, Any]:
    """Province series of the preferred window: time (s) and each league column's value."""
    window = next((w for w in WINDOW_PREFERENCE if w in model.trend), None)
    if window is None:
        return {"window": None, "t": [], "series": {}}
    points = model.trend[window]
    series = {col: [_GAUGE[m].pick(v) for _, v in points] for col, m in LEAGUE_COLUMNS.items()}
    return {"window": window, "t": [t for t, _ in points], "series": series}


@functools.cache
def _weights() -> Weights:
    return load_weights()


def _indicators(values: dict[str, float], weights: Weights) -> list[dict[str, Any]]:
    out = []
    for spec in weights.indicators:
        stem = f"e766_{spec.code.replace('.', '_')}"
        item = {"code": spec.code, "group": spec.group, "name": spec.name, "name_en": spec.name_en,
                "max": spec.max, **{k: values.get(f"{stem}_{k}") for k in (
                    "points", "ratio", "numerator", "denominator", "costly")}}
        if item["points"] is None:
            item["reason"] = ("national" if spec.national_only else
                              "report_only" if spec.code in REPORT_ONLY else "no_score")
        out.append(item)
    return out


def _costly_dossiers(model: BoardModel, limit: int) -> dict[str, list[dict[str, Any]]]:
    """Per handling agency (and ``*`` for the province): the dossiers that cost points, late
    (overdue or resolved late) first, then those costing in groups 4/6 (not paid online, not
    digitised, no electronic result); ``limit`` per unit."""
    by_unit: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for d in model.dossiers.values():
        reasons = sorted(d.costs)
        if d.classification == "qua_han" or (d.overdue and not d.closed):
            reasons.insert(0, "overdue")
        if reasons:
            row = {"code": d.code, "agency": d.agency, "procedure": d.procedure_name,
                   "reasons": reasons}
            by_unit[d.agency].append(row)
            by_unit["*"].append(row)
    order = lambda r: (r["reasons"][0] != "overdue", -len(r["reasons"]), r["code"])  # noqa: E731
    return {unit: sorted(rows, key=order)[:limit] for unit, rows in by_unit.items()}


def evaluation(model: BoardModel, limit: int = 20) -> list[dict[str, Any]]:
    """Each unit's Decision 766 scorecard from its latest quarter snapshot: total, six groups,
    the indicator breakdown and the dossiers that cost points. Province first, then the units
    with the lowest score."""
    weights, units = _weights(), []
    costly = _costly_dossiers(model, limit)
    for (scope, key, window), snap in model.snapshots.items():
        values = snap.values
        if window != EVALUATION_WINDOW or scope not in ("province", "agency") \
                or "e766_points" not in values:
            continue
        units.append({
            "unit": key, "level": "province" if scope == "province" else "department",
            "name": model.agency_names.get(key, key), "as_of": _iso(snap.as_of),
            "points": values["e766_points"], "computable_max": values.get("e766_computable_max"),
            "groups": [{"number": g.number, "name": g.name, "name_en": g.name_en, "max": g.max,
                        "points": values.get(f"e766_group_{g.number}")} for g in weights.groups],
            "indicators": _indicators(values, weights),
            "costly_dossiers": costly.get("*" if scope == "province" else key, [])})
    units.sort(key=lambda u: (u["level"] != "province", u["points"], u["unit"]))
    return units


def summary(model: BoardModel) -> dict[str, Any]:
    """Totals for `motcua up`'s summary and the page header."""
    return {"events": model.lifecycle_events, "dossiers": len(model.dossiers),
            "flags": dict(model.flag_counts), "letters": model.letters,
            "dead_letters": sum(model.dead_letters.values()),
            "dead_letters_by_reason": dict(model.dead_letters),
            "open_at_risk": len(at_risk(model)), "open_overdue": len(overdue(model)),
            "watermark": _iso(model.watermark)}


def state(model: BoardModel, clock: EventClock, wall: float, limit: int = 100) -> dict[str, Any]:
    """The whole page state pushed on every SSE update (lists capped at ``limit`` rows)."""
    risky = sorted(at_risk(model), key=lambda d: (d.at_risk.apology_deadline, d.code))[:limit]
    late = sorted(overdue(model), key=lambda d: (d.overdue.due_at, d.code))[:limit]
    return {"version": model.version, "clock": clock.as_json(wall), "summary": summary(model),
            "at_risk": [_row(d, d.at_risk) for d in risky],
            "overdue": [_row(d, d.overdue) for d in late],
            "league": league(model), "trends": trends(model), "evaluation": evaluation(model)}


def dossier_detail(model: BoardModel, code: str) -> dict[str, Any] | None:
    d = model.dossiers.get(code)
    if d is None:
        return None
    return {"code": d.code, "procedure": d.procedure_name, "procedure_code": d.procedure_code,
            "agency": d.agency, "agency_name": d.agency_name, "channel": d.channel,
            "four_step": d.four_step, "received_at": _iso(d.received_at), "due_at": _iso(d.due_at),
            "due_version": d.due_version, "closed": d.closed, "classification": d.classification,
            "apology_issued": d.apology_issued,
            "at_risk": bool(d.at_risk), "overdue": bool(d.overdue),
            "letters": [{"letter_id": lt.letter_id, "due_version": lt.due_version, "form": lt.form,
                         "proposed_appointment_at": _iso(lt.proposed_appointment_at)}
                        for lt in d.letters.values()],
            "timeline": sorted(d.timeline, key=_timeline_order)}


_DERIVED_ORDER = {"dossier.at_risk": 1, "dossier.overdue": 2, "dossier.classified": 3,
                  "letter.drafted": 4}


def _timeline_order(entry: dict[str, Any]) -> tuple[str, int]:
    """By time; at one moment the lifecycle event first, then what was derived from it."""
    return entry["time"], _DERIVED_ORDER.get(entry["type"], 0)
