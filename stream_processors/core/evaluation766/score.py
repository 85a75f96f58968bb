"""One indicator's score: numerator, denominator, ratio and points, or why there is none."""

from __future__ import annotations

from dataclasses import dataclass

from stream_processors.core.evaluation766.weights import IndicatorSpec

__all__ = ["IndicatorScore", "scored", "not_computable"]


@dataclass(frozen=True)
class IndicatorScore:
    """``points`` None = no score: a zero denominator, or data this system does not hold
    (``reason`` says which). ``costly`` lists the dossier/procedure/feedback ids that cost points."""

    code: str
    max: float
    numerator: float | None
    denominator: float | None
    ratio: float | None
    points: float | None
    reason: str | None = None
    costly: tuple[str, ...] = ()


def scored(spec: IndicatorSpec, numerator: float, denominator: float,
           costly: tuple[str, ...] = (), empty: str = "nothing to count in the period"
           ) -> IndicatorScore:
    """points = max × min(1, ratio ÷ T) (T = 1 when the indicator has no threshold)."""
    if not denominator:
        return IndicatorScore(spec.code, spec.max, numerator, denominator, None, None,
                              f"no score: {empty}")
    ratio = numerator / denominator
    points = spec.max * min(1.0, ratio / (spec.threshold or 1.0))
    return IndicatorScore(spec.code, spec.max, numerator, denominator, ratio, points,
                          costly=tuple(sorted(costly)))


def not_computable(spec: IndicatorSpec, reason: str) -> IndicatorScore:
    return IndicatorScore(spec.code, spec.max, None, None, None, None,
                          f"not computable here: {reason}")
