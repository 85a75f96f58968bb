"""Decision 766 from the metrics path's facts: the live scorecard of one metric scope key.

``province:all`` is the province unit, ``agency:X`` the unit X (dossiers X *handles*); other
scopes have no 766 score. Dossier facts are ``metric_facts`` records, procedure facts the
``{"kind": "procedure", ...}`` records of the catalog. Each window is a period judged at
``as_of``: ``rolling_30d`` is the ``today`` view, ``month_to_date`` and ``quarter_to_date`` the
running month and quarter (their projected score). A dossier rejected at the desk never has
facts (it was never received), so it is counted by ``motcua report 766`` only.

Values (floats, absent when there is no score): ``e766_points``, ``e766_computable_max``,
``e766_group_{n}`` (n = 1..6) and per indicator ``e766_{code}_{ratio|points|numerator|
denominator|costly}`` with the code's dot as an underscore (``e766_2_1_points``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from stream_processors.core.evaluation766.facts import (ScoredDossier, ScoredProcedure, Unit,
                                                       evaluation_period)
from stream_processors.core.evaluation766.score import IndicatorScore
from stream_processors.core.evaluation766.scorecard import UnitScore, score_unit
from stream_processors.core.evaluation766.weights import Weights, load_weights
from stream_processors.core.vntime import VN_TZ

__all__ = ["LIVE_WINDOWS", "live_values", "scored_dossier", "scored_procedure", "unit_of",
           "flat_values", "default_weights"]

#: compliance window -> evaluation period label of ``as_of``
LIVE_WINDOWS = {"rolling_30d": lambda d: "today", "month_to_date": lambda d: f"{d:%Y-%m}",
                "quarter_to_date": lambda d: f"{d.year}-Q{(d.month - 1) // 3 + 1}"}


@functools.cache
def default_weights() -> Weights:
    """The Decision 766 weights (data/evaluation766.csv), loaded once."""
    return load_weights()


def _moment(value: str | None) -> datetime | None:
    # the facts' moments are the worker's own ISO output (``clock_records.iso``), always aware
    return None if value is None else datetime.fromisoformat(value)


def scored_dossier(n: int, f: dict[str, Any]) -> ScoredDossier:
    """The core's dossier of one metric-facts record (``n`` names it when no code is known)."""
    s = f.get("services") or {}
    return ScoredDossier(
        f.get("code", f"#{n}"), f["agency"], f["procedure"], _moment(f["received_at"]),
        _moment(f["due_at"]), _moment(f["ended_at"]), None, f["end_status"], f["supplements"],
        _moment(f.get("supplement_open_at")), f["channel"], s.get("fees_vnd"),
        s.get("paid_online"), s.get("digitised"), s.get("reused"), s.get("result_electronic"),
        s.get("vneid"), f.get("satisfaction"), bool(f.get("complaint")))


def _day(value: str | None) -> date | None:
    return None if not value else date.fromisoformat(value)


def scored_procedure(f: dict[str, Any]) -> ScoredProcedure:
    return ScoredProcedure(
        f["procedure"], f["agency"], f.get("online_level") or "none", f.get("has_fees"),
        f.get("payment_integrated"), _day(f.get("effective_on")), _day(f.get("published_on")),
        _day(f.get("national_published_on")), tuple(f.get("missing") or ()), bool(f.get("ended")))


def unit_of(scope_key: str) -> Unit | None:
    scope, _, key = scope_key.partition(":")
    if scope == "province":
        return Unit(key, "province", "province")
    if scope == "agency":
        return Unit(key, key, "department")
    return None


def flat_values(card: UnitScore, costly: Callable[[IndicatorScore], int] = lambda i: len(i.costly)
                ) -> dict[str, float]:
    """The snapshot values of a scorecard; ``costly`` counts what cost an indicator points."""
    values = {"e766_points": card.points, "e766_computable_max": card.computable_max}
    for g in card.groups:
        if g.points is not None:
            values[f"e766_group_{g.number}"] = g.points
        for i in g.indicators:
            if i.points is None:
                continue
            stem = f"e766_{i.code.replace('.', '_')}"
            values.update({f"{stem}_ratio": i.ratio, f"{stem}_points": i.points,
                           f"{stem}_numerator": i.numerator, f"{stem}_denominator": i.denominator,
                           f"{stem}_costly": float(costly(i))})
    return {k: float(v) for k, v in values.items()}


def live_values(scope_key: str, facts: Iterable[dict[str, Any]], as_of: datetime,
                weights: Weights | None = None) -> dict[str, dict[str, float]]:
    """window -> the 766 values of ``scope_key`` at ``as_of`` ({} for scopes without a score)."""
    unit = unit_of(scope_key)
    if unit is None:
        return {}
    dossiers, procedures = [], []
    for n, f in enumerate(facts):
        if f.get("kind") == "procedure":
            procedures.append(scored_procedure(f))
        else:
            dossiers.append(scored_dossier(n, f))
    local = as_of.astimezone(VN_TZ)
    return {window: flat_values(score_unit(unit, weights or default_weights(), evaluation_period(
        label(local), as_of), dossiers, procedures)) for window, label in LIVE_WINDOWS.items()}
