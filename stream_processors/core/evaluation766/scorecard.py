"""A unit's Decision 766 scorecard: every indicator, the six group scores and the total.

A group's points are the sum of its computable indicators (None when none is); the total is the
sum of the groups that have points, and ``computable_max`` says out of how much that total is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from stream_processors.core.evaluation766 import indicators as ind
from stream_processors.core.evaluation766 import progress
from stream_processors.core.evaluation766.facts import (Feedback, Period, ScoredDossier,
                                                       ScoredProcedure, Unit)
from stream_processors.core.evaluation766.score import IndicatorScore, not_computable
from stream_processors.core.evaluation766.weights import Group, IndicatorSpec, Weights

__all__ = ["GroupScore", "UnitScore", "score_unit", "score_units", "score_groups",
           "NATIONAL_REASON"]

NATIONAL_REASON = "only the national portal holds the data this indicator counts"


@dataclass(frozen=True)
class GroupScore:
    number: int
    name: str
    name_en: str
    max: float
    points: float | None
    indicators: tuple[IndicatorScore, ...]


@dataclass(frozen=True)
class UnitScore:
    unit: Unit
    period: Period
    groups: tuple[GroupScore, ...]

    @property
    def points(self) -> float:
        return sum(g.points for g in self.groups if g.points is not None)

    @property
    def computable_max(self) -> float:
        return sum(i.max for g in self.groups for i in g.indicators if i.points is not None)

    @property
    def indicators(self) -> tuple[IndicatorScore, ...]:
        return tuple(i for g in self.groups for i in g.indicators)


@dataclass(frozen=True)
class _Inputs:
    dossiers: list[ScoredDossier]
    procedures: list[ScoredProcedure]
    feedback: list[Feedback]
    period: Period


_Fn = Callable[[IndicatorSpec, _Inputs], IndicatorScore]
_FUNCTIONS: dict[str, _Fn] = {
    "1.1": lambda s, x: ind.published_on_time(s, x.procedures),
    "1.2": lambda s, x: ind.national_published_on_time(s, x.procedures),
    "1.3": lambda s, x: ind.disclosure_complete(s, x.procedures),
    "2.1": lambda s, x: progress.on_time_ratio(s, x.dossiers, x.period),
    "2.2": lambda s, x: progress.average_days(s, x.dossiers, x.period),
    "3.1": lambda s, x: ind.online_offered(s, x.procedures),
    "3.2": lambda s, x: ind.online_used(s, x.procedures, x.dossiers, x.period),
    "3.3": lambda s, x: ind.online_filed(s, x.dossiers, x.period),
    "4.1": lambda s, x: ind.payment_integrated(s, x.procedures),
    "4.2": lambda s, x: ind.payment_used(s, x.procedures, x.dossiers, x.period),
    "4.3": lambda s, x: ind.paid_online(s, x.dossiers, x.period),
    "5.1": lambda s, x: ind.feedback_on_time(s, x.feedback, x.period),
    "5.2": lambda s, x: ind.feedback_satisfaction(s, x.feedback, x.period),
    "5.3": lambda s, x: progress.dossier_satisfaction(s, x.dossiers, x.period),
    "6.1": lambda s, x: ind.electronic_result(s, x.dossiers, x.period),
    "6.2": lambda s, x: ind.digitised(s, x.dossiers, x.period),
    "6.3": lambda s, x: ind.reused(s, x.dossiers, x.period),
    "6.6": lambda s, x: ind.vneid(s, x.dossiers, x.period),
}


def _group(group: Group, indicator: Callable[[IndicatorSpec], IndicatorScore]) -> GroupScore:
    scores = tuple(indicator(spec) if spec.code in _FUNCTIONS and not spec.national_only
                   else not_computable(spec, NATIONAL_REASON) for spec in group.indicators)
    points = [s.points for s in scores if s.points is not None and s.max]
    return GroupScore(group.number, group.name, group.name_en, group.max,
                      sum(points) if points else None, scores)


def score_groups(unit: Unit, weights: Weights, period: Period,
                 indicator: Callable[[IndicatorSpec], IndicatorScore]) -> UnitScore:
    """The scorecard from ``indicator``, called for each indicator this system computes (the
    others are not computable here); :func:`score_unit` computes them from the facts."""
    return UnitScore(unit, period, tuple(_group(g, indicator) for g in weights.groups))


def score_unit(unit: Unit, weights: Weights, period: Period, dossiers: Iterable[ScoredDossier],
               procedures: Iterable[ScoredProcedure] = (), feedback: Iterable[Feedback] = ()
               ) -> UnitScore:
    """The unit's scorecard for ``period`` from the facts it holds (others are ignored)."""
    inputs = _Inputs([d for d in dossiers if unit.holds(d.agency)],
                     [p for p in procedures if unit.holds(p.agency)],
                     [f for f in feedback if unit.holds(f.agency)], period)
    return score_groups(unit, weights, period, lambda spec: _FUNCTIONS[spec.code](spec, inputs))


def score_units(units: Sequence[Unit], weights: Weights, period: Period,
                dossiers: Iterable[ScoredDossier], procedures: Iterable[ScoredProcedure] = (),
                feedback: Iterable[Feedback] = ()) -> list[UnitScore]:
    """Every unit's scorecard, in the order given."""
    dossiers, procedures, feedback = list(dossiers), list(procedures), list(feedback)
    return [score_unit(u, weights, period, dossiers, procedures, feedback) for u in units]
