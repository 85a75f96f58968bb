"""Rolling compliance metrics of one scope key, in the aggregator shape ``initialize/agg/result``.

Input is the latest **facts** of each dossier (``metric_facts``) and each catalog procedure
(``{"kind": "procedure", ...}``) counting in the scope key. :class:`DailyBuckets` spreads them
into **daily buckets** by the Vietnam date of what happened (receipt, end, apology), and
:meth:`DailyBuckets.result` merges the buckets of a window — ``day``, ``rolling_30d``,
``month_to_date``, ``quarter_to_date`` ending at ``as_of`` — with the *current* counts (in
progress trong/quá hạn, open flags, catalog shares) judged at ``as_of``. Every value name is
listed in docs/stream-processors.md; a ratio whose denominator is 0 is left out, never NaN.
The ``province`` and ``agency`` scopes also carry their Decision 766 scorecard (``e766_*``, see
``evaluation766.live``) in the ``rolling_30d``, ``month_to_date`` and ``quarter_to_date`` windows.

In an ``agency:X`` scope, volume and grading count dossiers *handled* by X; open at-risk/overdue
and in-progress counts dossiers X *holds now* (the agency that must act).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Iterable

from stream_processors.core.classification import classify_in_progress, Outcome
from stream_processors.core.evaluation766.live import live_values
from stream_processors.core.vntime import VN_TZ, parse_moment

__all__ = ["DailyBuckets", "Bucket", "WINDOWS", "window_bounds", "Targets", "compute_views",
           "window_values", "current_values", "derive"]

WINDOWS = ("day", "rolling_30d", "month_to_date", "quarter_to_date")


@dataclass(frozen=True)
class Targets:
    """The seed letter's four-step targets (≥ 50% of procedures, ≥ 50% of dossiers); the
    Decision 766 thresholds are data (``data/evaluation766.csv``)."""
    four_step_procedures: float = 0.5
    four_step_dossiers: float = 0.5


def window_bounds(window: str, as_of: datetime) -> tuple[datetime, datetime]:
    """[start, as_of] of ``window`` in Vietnam time (rolling_30d: the 30 days up to as_of)."""
    local = as_of.astimezone(VN_TZ)
    day = local.date()
    if window == "day":
        start = day
    elif window == "rolling_30d":
        start = day - timedelta(days=29)
    elif window == "month_to_date":
        start = day.replace(day=1)
    elif window == "quarter_to_date":
        start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    else:
        raise ValueError(f"window must be one of {WINDOWS}, got {window!r}")
    return datetime.combine(start, time(0), tzinfo=VN_TZ), local


@dataclass
class Bucket:
    """Counts of one day (or window), and its resolved dossiers' time ratios and used minutes."""
    counts: Counter = field(default_factory=Counter)
    ratios: list[float] = field(default_factory=list)
    used: list[int] = field(default_factory=list)

    def merge(self, other: "Bucket") -> None:
        self.counts.update(other.counts)
        self.ratios.extend(other.ratios)
        self.used.extend(other.used)


def _day(moment: str | None) -> date | None:
    return None if moment is None else parse_moment(moment, "moment").date()


class DailyBuckets:
    """Aggregator: ``acc = initialize(); acc = agg(acc, facts)...; result(acc, ...)``."""

    def __init__(self, scope_key: str) -> None:
        self.scope, _, self.key = scope_key.partition(":")

    def initialize(self) -> dict[str, Any]:
        return {"days": {}, "current": []}

    def agg(self, acc: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any]:
        acc["current"].append(facts)
        days = acc["days"]
        for day, part in self.parts(facts):
            days.setdefault(day, Bucket()).merge(part)
        return acc

    def parts(self, facts: dict[str, Any]) -> list[tuple[date, "Bucket"]]:
        """What one fact adds to the daily buckets: (day, counts) of its receipt, end and
        apology; nothing for a procedure or a dossier handled by another agency."""
        if facts.get("kind", "dossier") != "dossier" or not self._handled_here(facts):
            return []
        received = Bucket()
        _count_received(received, facts)
        out = [(_day(facts["received_at"]), received)]
        if facts["ended_at"] is not None:
            ended = Bucket()
            _count_ended(ended, facts)
            out.append((_day(facts["ended_at"]), ended))
        if facts["apology"] is not None:
            apology = Bucket()
            apology.counts[f"apology_{facts['apology']}"] += 1
            out.append((_day(facts["apology_at"]), apology))
        return out

    def result(self, acc: dict[str, Any], window: str, as_of: datetime,
               targets: Targets = Targets()) -> dict[str, float]:
        start, end = window_bounds(window, as_of)
        total = Bucket()
        for day, bucket in acc["days"].items():
            if start.date() <= day <= end.date():
                total.merge(bucket)
        values = _window_values(total)
        values.update(self._current_at(acc, as_of, targets))
        derive(values, targets)
        return values

    def _handled_here(self, facts: dict[str, Any]) -> bool:
        return self.scope != "agency" or facts["agency"] == self.key

    def _held_here(self, facts: dict[str, Any]) -> bool:
        return self.scope != "agency" or facts["responsible"] == self.key

    def _current_at(self, acc: dict[str, Any], as_of: datetime,
                    targets: Targets) -> dict[str, float]:
        """The current counts at ``as_of``, computed once for all windows of one ``as_of``."""
        key = (as_of, len(acc["current"]), targets)
        cached = acc.get("current_at")
        if cached is None or cached[0] != key:
            cached = acc["current_at"] = (key, self._current(acc["current"], as_of, targets))
        return cached[1]

    def _current(self, all_facts: list[dict[str, Any]], as_of: datetime,
                 targets: Targets) -> dict[str, float]:
        c: Counter = Counter()
        for f in all_facts:
            c.update(self.current_part(f, as_of))
        return current_values(c)

    def current_part(self, f: dict[str, Any], as_of: datetime) -> Counter:
        """What one fact adds to the current counts at ``as_of`` (a catalog procedure, or a
        dossier open and held here)."""
        c: Counter = Counter()
        if f.get("kind") == "procedure":
            _count_procedure(c, f)
        elif f["ended_at"] is None and self._held_here(f):
            _count_open(c, f, as_of)
        return c


def current_values(c: Counter) -> dict[str, float]:
    """The current values from the current counts (a name no fact touched is absent, but the
    open counts are always there)."""
    return {k: float(v) for k, v in c.items()} | {
        k: 0.0 for k in ("in_progress", "in_progress_trong_han", "in_progress_qua_han",
                         "open_at_risk", "open_overdue") if k not in c}


def _count_received(b: Bucket, f: dict[str, Any]) -> None:
    c = b.counts
    c["received"] += 1
    c[f"received_{f['channel']}"] += 1
    c["received_four_step"] += f["four_step"]
    c["received_with_supplement"] += f["supplements"] > 0
    c["supplement_requests"] += f["supplements"]


def _count_ended(b: Bucket, f: dict[str, Any]) -> None:
    c = b.counts
    if f["class"] is None:
        c["ended_unresolved"] += 1  # withdrawn, suspended, rejected
        return
    c["resolved"] += 1
    c[f"resolved_{f['class']}"] += 1
    c["resolved_four_step"] += f["four_step"]
    used, statutory = f["used"], f["statutory"]
    b.used.append(used)
    if statutory:
        b.ratios.append(used / statutory)
    c["ct01_total_time_points"] += 2 if used < statutory else 1 if used == statutory else 0
    steps = 0 if f["steps_late"] else 1 if f["steps_equal"] else 2
    c["ct01_agency_time_points"] += steps
    c["ct01_supplement_points"] += max(0, 2 - f["supplements"])
    c["ct01_agencies_points"] += max(0, 3 - f["agencies"])
    c["ct01_online_points"] += 2 if f["channel"] == "online" else 0


def _count_open(c: Counter, f: dict[str, Any], as_of: datetime) -> None:
    if parse_moment(f["received_at"], "received_at") > as_of:
        return
    at = parse_moment(f["paused_at"], "paused_at") if f["paused_at"] else as_of
    outcome = classify_in_progress(parse_moment(f["due_at"], "due_at"), at,
                                   supplement_requests=f["supplements"])
    c["in_progress"] += 1
    c["in_progress_trong_han" if outcome is Outcome.TRONG_HAN else "in_progress_qua_han"] += 1
    c["open_at_risk"] += f["at_risk_open"]
    c["open_overdue"] += f["overdue_open"]


def _count_procedure(c: Counter, f: dict[str, Any]) -> None:
    if f.get("ended"):
        return
    c["procedures"] += 1
    c["procedures_four_step"] += f["four_step"]
    c["disclosure_complete"] += f["complete"]


def _percentile(ordered: list[float], q: float) -> float:
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _window_values(b: Bucket) -> dict[str, float]:
    # fsum is exactly rounded, so the mean does not depend on the order facts arrived in
    # (a restarted worker restores them in another order than an uninterrupted one)
    return window_values({k: float(v) for k, v in b.counts.items()}, sorted(b.ratios),
                         math.fsum(b.ratios), sum(b.used), len(b.used))


def window_values(values: dict[str, float], ratios: list[float], ratio_total: float,
                  used_total: int, used_count: int) -> dict[str, float]:
    """A window's values from its merged counts (``values``, updated in place), its resolved
    dossiers' time ratios in ascending order and their exactly rounded sum, and the total and
    count of their used minutes."""
    for name in ("received", "resolved", "resolved_truoc_han", "resolved_dung_han",
                 "resolved_qua_han", "apology_on_time", "apology_late", "apology_never"):
        values.setdefault(name, 0.0)
    if ratios:
        values.update(time_ratio_mean=ratio_total / len(ratios),
                      time_ratio_p50=_percentile(ratios, 0.5),
                      time_ratio_p90=_percentile(ratios, 0.9))
    if used_count:
        values["used_minutes_mean"] = used_total / used_count
    return values


def _share(values: dict[str, float], name: str, num: float, den: float) -> None:
    if den:
        values[name] = num / den


def derive(v: dict[str, float], t: Targets) -> None:
    """Add the rates, shares and target flags derived from a window's counts (in place)."""
    on_time = v["resolved_truoc_han"] + v["resolved_dung_han"]
    _share(v, "on_time_rate", on_time, v["resolved"])
    _share(v, "online_share", v.get("received_online", 0.0), v["received"])
    _share(v, "supplement_rate", v.get("received_with_supplement", 0.0), v["received"])
    _share(v, "four_step_dossier_share", v.get("resolved_four_step", 0.0), v["resolved"])
    _share(v, "four_step_procedure_share", v.get("procedures_four_step", 0.0),
           v.get("procedures", 0.0))
    _share(v, "disclosure_complete_share", v.get("disclosure_complete", 0.0),
           v.get("procedures", 0.0))
    v["apology_needed"] = v["apology_on_time"] + v["apology_late"] + v["apology_never"]
    _share(v, "apology_compliance_rate", v["apology_on_time"], v["apology_needed"])
    for name, target in (("four_step_dossier_share", t.four_step_dossiers),
                         ("four_step_procedure_share", t.four_step_procedures)):
        if name in v:
            v[name.replace("_share", "_target_met")] = float(v[name] >= target)
    for index in ("total_time", "agency_time", "supplement", "agencies", "online"):
        points = v.pop(f"ct01_{index}_points", None)
        if points is not None and v["resolved"]:
            v[f"ct01_{index}_points"] = points / v["resolved"]


def compute_views(scope_key: str, facts: Iterable[dict[str, Any]], as_of: datetime,
                  targets: Targets = Targets()) -> dict[str, dict[str, float]]:
    """Every window's values for one scope key, as of ``as_of``."""
    facts = list(facts)
    agg = DailyBuckets(scope_key)
    acc = agg.initialize()
    for f in facts:
        acc = agg.agg(acc, f)
    views = {w: agg.result(acc, w, as_of, targets) for w in WINDOWS}
    for window, values in live_values(scope_key, facts, as_of).items():
        views[window].update(values)
    return views
