"""Groups 1, 3, 4, 5 (feedback) and 6: one pure function per indicator.

Catalog indicators count the unit's procedures in force; dossier shares count dossiers
**received** in the period (``period.start <= received_at < period.at``), 6.1 those resolved in
it. A dossier field no dossier in the denominator reports (``None``: an old record) makes the
indicator "not computable here" rather than zero; where some report it, ``None`` counts as no.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence


from stream_processors.core.evaluation766.facts import (RESOLVED, Feedback, Period,
                                                       ScoredDossier, ScoredProcedure)
from stream_processors.core.evaluation766.score import IndicatorScore, not_computable, scored
from stream_processors.core.evaluation766.weights import IndicatorSpec

__all__ = ["published_on_time", "national_published_on_time", "disclosure_complete",
           "online_offered", "online_used", "online_filed", "payment_integrated",
           "payment_used", "paid_online", "feedback_on_time", "feedback_satisfaction",
           "electronic_result", "digitised", "reused", "vneid", "received_in"]


def received_in(dossiers: Iterable[ScoredDossier], period: Period) -> list[ScoredDossier]:
    start, at = period.start_s, period.at_s
    return [d for d in dossiers if d.received_s is not None and start <= d.received_s < at]


def _active(procedures: Iterable[ScoredProcedure]) -> list[ScoredProcedure]:
    return [p for p in procedures if not p.ended]


def _share(spec: IndicatorSpec, items: Sequence, ok: Callable, key: Callable,
           empty: str) -> IndicatorScore:
    bad = tuple(key(i) for i in items if not ok(i))
    return scored(spec, len(items) - len(bad), len(items), bad, empty)


def _dossier_share(spec: IndicatorSpec, items: list[ScoredDossier], field: str, national: str,
                   empty: str) -> IndicatorScore:
    if items and all(getattr(d, field) is None for d in items):
        return not_computable(spec, f"no dossier reports {national}")
    return _share(spec, items, lambda d: bool(getattr(d, field)), lambda d: d.code, empty)


def _published(spec: IndicatorSpec, procedures: Iterable[ScoredProcedure], attr: str,
               where: str) -> IndicatorScore:
    dated = [p for p in _active(procedures) if p.effective_on is not None]
    if not dated:
        return not_computable(spec, "the catalog carries no publication decision dates")
    if all(getattr(p, attr) is None for p in dated):
        return not_computable(spec, f"the catalog carries no {where} publication dates")
    on_time: Callable[[ScoredProcedure], bool] = (
        lambda p: getattr(p, attr) is not None and getattr(p, attr) <= p.effective_on)
    return _share(spec, dated, on_time, lambda p: p.code, "no procedure")


def published_on_time(spec: IndicatorSpec, procedures: Iterable[ScoredProcedure]
                      ) -> IndicatorScore:
    """1.1: procedures publicised no later than their publication decision takes effect."""
    return _published(spec, procedures, "published_on", "local")


def national_published_on_time(spec: IndicatorSpec, procedures: Iterable[ScoredProcedure]
                               ) -> IndicatorScore:
    """1.2: the same on the national TTHC database."""
    return _published(spec, procedures, "national_published_on", "national-database")


def disclosure_complete(spec: IndicatorSpec, procedures: Iterable[ScoredProcedure]
                        ) -> IndicatorScore:
    """1.3: procedures disclosing all 7 parts of Decree 63/2010 art. 8(2)."""
    return _share(spec, _active(procedures), lambda p: not p.disclosure_missing,
                  lambda p: p.code, "the unit has no procedure")


def online_offered(spec: IndicatorSpec, procedures: Iterable[ScoredProcedure]) -> IndicatorScore:
    """3.1: procedures offered as online public services (toàn trình or một phần)."""
    return _share(spec, _active(procedures), lambda p: p.online_level != "none",
                  lambda p: p.code, "the unit has no procedure")


def online_used(spec: IndicatorSpec, procedures: Iterable[ScoredProcedure],
                dossiers: Iterable[ScoredDossier], period: Period) -> IndicatorScore:
    """3.2: online services that received at least one online dossier in the period."""
    used = {d.procedure for d in received_in(dossiers, period) if d.channel == "online"}
    online = [p for p in _active(procedures) if p.online_level != "none"]
    return _share(spec, online, lambda p: p.code in used, lambda p: p.code,
                  "the unit offers no online service")


def online_filed(spec: IndicatorSpec, dossiers: Iterable[ScoredDossier],
                 period: Period) -> IndicatorScore:
    """3.3: dossiers filed online (KenhThucHien 2) among those received in the period."""
    return _share(spec, received_in(dossiers, period), lambda d: d.channel == "online",
                  lambda d: d.code, "no dossier received in the period")


def payment_integrated(spec: IndicatorSpec, procedures: Iterable[ScoredProcedure]
                       ) -> IndicatorScore:
    """4.1: procedures with fees whose payment is integrated with the payment platform."""
    fee = [p for p in _active(procedures) if p.has_fees]
    if not fee and all(p.has_fees is None for p in _active(procedures)):
        return not_computable(spec, "the catalog does not say which procedures have fees")
    return _share(spec, fee, lambda p: bool(p.payment_integrated), lambda p: p.code,
                  "the unit has no procedure with fees")


def payment_used(spec: IndicatorSpec, procedures: Iterable[ScoredProcedure],
                 dossiers: Iterable[ScoredDossier], period: Period) -> IndicatorScore:
    """4.2: procedures with fees that received at least one online payment in the period."""
    paid = {d.procedure for d in received_in(dossiers, period) if d.paid_online}
    fee = [p for p in _active(procedures) if p.has_fees]
    if not fee and all(p.has_fees is None for p in _active(procedures)):
        return not_computable(spec, "the catalog does not say which procedures have fees")
    return _share(spec, fee, lambda p: p.code in paid, lambda p: p.code,
                  "the unit has no procedure with fees")


def paid_online(spec: IndicatorSpec, dossiers: Iterable[ScoredDossier],
                period: Period) -> IndicatorScore:
    """4.3: dossiers paid online among dossiers with non-zero fees received in the period."""
    received = received_in(dossiers, period)
    if received and all(d.fees_vnd is None for d in received):
        return not_computable(spec, "no dossier reports its fees (DanhSachPhiLePhi)")
    fee = [d for d in received if d.fees_vnd]
    return _dossier_share(spec, fee, "paid_online", "DuocThanhToanTrucTuyen",
                          "no dossier with fees received in the period")


def feedback_on_time(spec: IndicatorSpec, feedback: Iterable[Feedback],
                     period: Period) -> IndicatorScore:
    """5.1: feedback received in the period whose every step met its working-day limit; an
    open step counts late once its deadline has passed at ``period.at``."""
    items = [f for f in feedback if period.start <= f.received_at < period.at]
    return _share(spec, items, lambda f: _feedback_on_time(f, period), lambda f: f.id,
                  "no feedback received in the period")


def _feedback_on_time(f: Feedback, period: Period) -> bool:
    done = dict(f.actions)
    for action, deadline in f.due:
        at = done.get(action)
        if (at is not None and at > deadline) or (at is None and deadline < period.at):
            return False
    return True


def feedback_satisfaction(spec: IndicatorSpec, feedback: Iterable[Feedback],
                          period: Period) -> IndicatorScore:
    """5.2: rated feedback whose author was satisfied with its handling."""
    rated = [f for f in feedback if f.satisfied is not None
             and period.start <= f.received_at < period.at]
    return _share(spec, rated, lambda f: f.satisfied, lambda f: f.id,
                  "no rated feedback in the period")


def electronic_result(spec: IndicatorSpec, dossiers: Iterable[ScoredDossier],
                      period: Period) -> IndicatorScore:
    """6.1: dossiers resolved in the period with an electronic result (DuongDanTepTinKetQua)."""
    done = [d for d in dossiers if d.end_status in RESOLVED and d.end_s is not None
            and period.start_s <= d.end_s < period.at_s]
    return _dossier_share(spec, done, "result_electronic", "DuongDanTepTinKetQua",
                          "no dossier resolved in the period")


def digitised(spec: IndicatorSpec, dossiers: Iterable[ScoredDossier],
              period: Period) -> IndicatorScore:
    """6.2: dossiers received in the period with digitised components (HoSoCoThanhPhanSoHoa)."""
    return _dossier_share(spec, received_in(dossiers, period), "digitised",
                          "HoSoCoThanhPhanSoHoa", "no dossier received in the period")


def reused(spec: IndicatorSpec, dossiers: Iterable[ScoredDossier],
           period: Period) -> IndicatorScore:
    """6.3: dossiers reusing digitised data (a component DuocLayTuKhoDMQG)."""
    return _dossier_share(spec, received_in(dossiers, period), "reused", "DuocLayTuKhoDMQG",
                          "no dossier received in the period")


def vneid(spec: IndicatorSpec, dossiers: Iterable[ScoredDossier],
          period: Period) -> IndicatorScore:
    """6.6: online dossiers filed from a VNeID-authenticated account."""
    online = [d for d in received_in(dossiers, period) if d.channel == "online"]
    return _dossier_share(spec, online, "vneid", "TaiKhoanDuocXacThucVoiVNeID",
                          "no online dossier received in the period")


