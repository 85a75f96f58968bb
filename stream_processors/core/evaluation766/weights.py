"""The Decision 766 groups, indicators, maxima and thresholds, read from a data file.

``data/evaluation766.csv`` (one row per indicator) names for each row its group (number, names,
maximum), the indicator code, names, maximum points, threshold T (points = max × min(1, ratio ÷ T);
empty = no threshold), ``computable`` (``yes``, or ``national`` when only the national portal holds
the data), its source document, a confidence (high / medium / low: the point split of groups 3 and
4 is unsettled in public sources) and validity dates. Loading checks that every group's
indicators add up to the group maximum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from stream_processors.core.datafile import DATA_DIR, read_rows

__all__ = ["DEFAULT_WEIGHTS", "Group", "IndicatorSpec", "Weights", "load_weights"]

DEFAULT_WEIGHTS = DATA_DIR / "evaluation766.csv"
_COLUMNS = ("group", "group_name", "group_name_en", "group_max", "code", "name", "name_en", "max",
            "threshold", "computable", "source", "confidence", "valid_from", "valid_to")


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    group: int
    name: str
    name_en: str
    max: float
    threshold: float | None
    national_only: bool
    source: str
    confidence: str


@dataclass(frozen=True)
class Group:
    number: int
    name: str
    name_en: str
    max: float
    indicators: tuple[IndicatorSpec, ...]


@dataclass(frozen=True)
class Weights:
    groups: tuple[Group, ...]

    @property
    def indicators(self) -> tuple[IndicatorSpec, ...]:
        return tuple(i for g in self.groups for i in g.indicators)

    def spec(self, code: str) -> IndicatorSpec:
        for i in self.indicators:
            if i.code == code:
                return i
        raise KeyError(code)


def _threshold(raw: str) -> float:
    value = float(raw)
    if not 0 < value <= 1:
        raise ValueError("must be in (0, 1]")
    return value


def load_weights(path: Path = DEFAULT_WEIGHTS, on: date | None = None) -> Weights:
    """The rows valid ``on`` (default: all rows); DataFileError naming line and field if bad."""
    groups: dict[int, tuple[str, str, float, list[IndicatorSpec]]] = {}
    last = None
    for row in read_rows(Path(path), _COLUMNS):
        start = row.parse("valid_from", date.fromisoformat)
        end = row.parse("valid_to", date.fromisoformat, required=False)
        if on is not None and not (start <= on and (end is None or on <= end)):
            continue
        number = row.parse("group", int)
        computable = row.get("computable")
        if computable not in ("yes", "national"):
            row.fail("computable", f"{computable!r}: expected yes or national")
        spec = IndicatorSpec(row.get("code"), number, row.get("name"), row.get("name_en"),
                             row.parse("max", float), row.parse("threshold", _threshold, required=False),
                             computable == "national", row.get("source"), row.get("confidence"))
        g = groups.setdefault(number, (row.get("group_name"), row.get("group_name_en"),
                                       row.parse("group_max", float), []))
        g[3].append(spec)
        last = row
    result = Weights(tuple(Group(n, name, en, mx, tuple(specs))
                           for n, (name, en, mx, specs) in sorted(groups.items())))
    for g in result.groups:
        if not math.isclose(sum(i.max for i in g.indicators), g.max):
            last.fail("max", f"indicators of group {g.number} add up to "
                             f"{sum(i.max for i in g.indicators)}, not its maximum {g.max}")
    return result
