"""Decision 766 scorecards from running sums, one dossier added or subtracted at a time.

:func:`live.live_values` scores a unit from every fact its scope key holds. The dossier
indicators are shares and sums over the dossiers of a period, so a running view
(``core.running_views``) keeps per period the sums of what each dossier adds: the counts of
:func:`received_counts` (a dossier received in the period), :func:`resolved_counts` and
:func:`calendar_days` (resolved in it), :func:`scope_counts` (in its scope), and per procedure
the online and paid-online dossiers received (3.2, 4.2). :func:`period_values` scores the unit
from those and its catalog procedures, equal to :func:`live.live_values` over the same facts
(``tests/unit/test_running_views.py`` holds them to it). The predicates are the indicator
modules' own (``progress.on_time``; which period a dossier counts in is the caller's:
``indicators.received_in``, ``progress.in_scope``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from stream_processors.core.evaluation766 import indicators as ind
from stream_processors.core.evaluation766.facts import (Period, ScoredDossier, ScoredProcedure,
                                                       Unit)
from stream_processors.core.evaluation766.live import default_weights, flat_values
from stream_processors.core.evaluation766.progress import on_time
from stream_processors.core.evaluation766.score import IndicatorScore, not_computable, scored
from stream_processors.core.evaluation766.scorecard import score_groups
from stream_processors.core.evaluation766.weights import IndicatorSpec, Weights

__all__ = ["received_counts", "resolved_counts", "calendar_days", "scope_counts",
           "period_values"]

_DAY = 86400.0
# (indicator, count of the dossiers it is over, count of those not reporting the field,
#  count of those reporting it true, the portal field)
_DOSSIER_SHARES = (("4.3", "fee", "fee_paid_unknown", "fee_paid", "DuocThanhToanTrucTuyen"),
                   ("6.1", "resolved", "resolved_electronic_unknown", "resolved_electronic",
                    "DuongDanTepTinKetQua"),
                   ("6.2", "received", "digitised_unknown", "digitised", "HoSoCoThanhPhanSoHoa"),
                   ("6.3", "received", "reused_unknown", "reused", "DuocLayTuKhoDMQG"),
                   ("6.6", "online", "vneid_unknown", "vneid", "TaiKhoanDuocXacThucVoiVNeID"))


def _flag(counts: Counter, name: str, value: bool | None) -> None:
    if value is None:
        counts[f"{name}_unknown"] += 1
    elif value:
        counts[name] += 1


def received_counts(d: ScoredDossier) -> Counter:
    """What ``d`` adds to a period it was received in (``indicators.received_in``)."""
    c: Counter = Counter(received=1)
    _flag(c, "digitised", d.digitised)
    _flag(c, "reused", d.reused)
    if d.fees_vnd is None:
        c["fees_unknown"] += 1
    elif d.fees_vnd:
        c["fee"] += 1
        _flag(c, "fee_paid", d.paid_online)
    if d.channel == "online":
        c["online"] += 1
        _flag(c, "vneid", d.vneid)
    return c


def resolved_counts(d: ScoredDossier) -> Counter:
    """What ``d`` adds to a period it was resolved in (6.1)."""
    c: Counter = Counter(resolved=1)
    _flag(c, "resolved_electronic", d.result_electronic)
    return c


def calendar_days(d: ScoredDossier) -> float | None:
    """2.2's calendar days from receipt to end, for a period ``d`` was resolved in."""
    return None if d.received_s is None else (d.end_s - d.received_s) / _DAY


def scope_counts(d: ScoredDossier, at: datetime, at_s: float) -> Counter:
    """What ``d``, in scope of a period judged at ``at`` (``progress.in_scope``), adds to 2.1
    and 5.3: late (``progress.on_time``), disliked, both."""
    late = not on_time(d, at, at_s)
    disliked = d.complaint or d.satisfaction == "khong_hai_long"
    return Counter(scope=1, late=late, disliked=disliked, late_disliked=late and disliked)


def period_values(unit: Unit, period: Period, procedures: Sequence[ScoredProcedure],
                  c: Counter, days_total: float, days_count: int, online_by_procedure: Counter,
                  paid_by_procedure: Counter, weights: Weights | None = None
                  ) -> dict[str, float]:
    """The unit's snapshot values (``live.flat_values``) for ``period`` from the sums of the
    functions above over its dossiers of the period (``c``; ``days_total``: the exactly rounded
    sum of the calendar days; per procedure, the online and paid-online dossiers received) and
    its catalog ``procedures``."""
    costly: dict[str, int] = {}
    active = [p for p in procedures if not p.ended]
    online = [p for p in active if p.online_level != "none"]
    fee = [p for p in active if p.has_fees]
    fee_unknown = not fee and all(p.has_fees is None for p in active)

    def share(spec: IndicatorSpec, good: int, total: int) -> IndicatorScore:
        costly[spec.code] = total - good
        return scored(spec, good, total)

    def used(by_procedure: Counter, offered: list[ScoredProcedure]) -> int:
        return sum(1 for p in offered if by_procedure[p.code] > 0)

    def average_days(spec: IndicatorSpec) -> IndicatorScore:
        if not days_count:
            return scored(spec, 0, 0)
        return IndicatorScore(spec.code, spec.max, days_total, days_count,
                              days_total / days_count, 0.0)

    def dossier_share(spec: IndicatorSpec) -> IndicatorScore:
        """``indicators._dossier_share``: not computable when no dossier of the denominator
        reports the field."""
        _, total, unknown, good, national = next(s for s in _DOSSIER_SHARES if s[0] == spec.code)
        if c[total] and c[unknown] == c[total]:
            return not_computable(spec, f"no dossier reports {national}")
        return share(spec, c[good], c[total])

    def satisfaction(spec: IndicatorSpec) -> IndicatorScore:
        """5.3: the late and the disliked cost points separately; what cost points is either."""
        costly[spec.code] = c["late"] + c["disliked"] - c["late_disliked"]
        return scored(spec, max(0, c["scope"] - c["late"] - c["disliked"]), c["scope"])

    functions = {
        "1.1": lambda s: ind.published_on_time(s, procedures),
        "1.2": lambda s: ind.national_published_on_time(s, procedures),
        "1.3": lambda s: ind.disclosure_complete(s, procedures),
        "2.1": lambda s: share(s, c["scope"] - c["late"], c["scope"]),
        "2.2": average_days,
        "3.1": lambda s: ind.online_offered(s, procedures),
        "3.2": lambda s: share(s, used(online_by_procedure, online), len(online)),
        "3.3": lambda s: share(s, c["online"], c["received"]),
        "4.1": lambda s: ind.payment_integrated(s, procedures),
        "4.2": lambda s: (not_computable(s, "no fees in the catalog") if fee_unknown
                          else share(s, used(paid_by_procedure, fee), len(fee))),
        "4.3": lambda s: (not_computable(s, "no dossier reports its fees")
                          if c["received"] and c["fees_unknown"] == c["received"]
                          else dossier_share(s)),
        "5.1": lambda s: ind.feedback_on_time(s, (), period),
        "5.2": lambda s: ind.feedback_satisfaction(s, (), period),
        "5.3": satisfaction,
        **{code: dossier_share for code, *_ in _DOSSIER_SHARES[1:]},
    }
    card = score_groups(unit, weights or default_weights(), period,
                        lambda spec: functions[spec.code](spec))
    return flat_values(card, lambda i: costly.get(i.code, len(i.costly)))
