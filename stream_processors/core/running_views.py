"""Running views of one metric scope key: every window's values kept by deltas, not recomputed.

:func:`compliance.compute_views` computes a scope key's views from every fact the key holds,
so a snapshot that called it cost O(facts held), every round, for every changed key (the
province key holds every open dossier and a quarter of the ended ones). :class:`RunningViews`
keeps the sums the views are made of, equal to that recomputation:

* **per day**, what the facts add to that day: the daily-bucket counts of their receipt, end
  and apology (with how many facts touched each count, so a count is present exactly when the
  recomputation has it), the resolved dossiers' time ratios, their exact sum, the used
  minutes; and the Decision 766 parts (``evaluation766.running``) of a receipt or an end once
  ``as_of`` has passed it, and of an ended dossier's scope (on its end day);
* **per window**, the sums of the days it spans (time ratios kept in order, for p50/p90);
* **globally**, the current counts (open dossiers held here, catalog procedures) and the 766
  scope of the dossiers open at ``as_of``, which count in every period.

**A fact changes** (arrives, is replaced, leaves the key, expires): what the old version adds
at the current ``as_of`` is subtracted and what the new one adds is added, to its days, the
windows spanning them, and the global sums (pieces both versions add cancel out).
**Time passes** (``as_of`` grows): each window subtracts the days that left it and adds those
that entered it, O(days moved). What a single fact adds changes with time only at a few
moments known from the fact (:func:`_steps`: its receipt, just after its receipt and its end,
the minute after its due minute); each fact with such a moment ahead waits in a heap by it,
and only facts whose moment was passed are re-evaluated.

So a snapshot costs O(facts changed or passed one of their moments since the last one, × log
n) plus O(days the windows moved) and O(catalog procedures of the scope) for the 766 catalog
indicators — not O(facts held). An ``as_of`` that goes back (a wall clock set back) rebuilds
the sums from the facts held, as a new :class:`RunningViews` builds them: a restarted or
reassigned aggregator builds one lazily per scope key from what its Table holds.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterator

from stream_processors.core.compliance import (WINDOWS, Bucket, DailyBuckets, Targets,
                                               current_values, derive, window_bounds,
                                               window_values)
from stream_processors.core.evaluation766.facts import RESOLVED, evaluation_period
from stream_processors.core.evaluation766.live import (LIVE_WINDOWS, scored_dossier,
                                                      scored_procedure, unit_of)
from stream_processors.core.evaluation766.running import (calendar_days, period_values,
                                                         received_counts, resolved_counts,
                                                         scope_counts)
from stream_processors.core.vntime import VN_TZ

__all__ = ["RunningViews"]

_NEVER = math.inf
_SCALE = 1100  # 2**-1074 is the smallest float: every float times 2**1100 is an integer


def _exact(x: float) -> int:
    """``x`` times 2**_SCALE, exactly: sums of these are exact, in any order."""
    n, d = x.as_integer_ratio()
    return n << (_SCALE + 1 - d.bit_length())


def _rounded(total: int) -> float:
    """The float nearest an exact sum (int / int is correctly rounded, like ``math.fsum``)."""
    return total / (1 << _SCALE)


def _day(moment: float) -> date:
    return datetime.fromtimestamp(moment, VN_TZ).date()


# What one fact adds, as hashable pieces, so that what an old and a new version of a fact
# both add cancels out instead of being subtracted and added again:
# one dossier's daily-bucket counts on one day ((name, value) pairs, time ratios, used minutes)
PartDaily = tuple[tuple, tuple, tuple]
# one dossier's Decision 766 part on one day: (name, count) pairs, 2.2's calendar days, and the
# procedure it adds an online / a paid-online dossier to
Part766 = tuple[tuple, float | None, str | None, str | None]


def _frozen(counts: Counter) -> tuple:
    return tuple(sorted(counts.items()))


@dataclass(slots=True)
class _Sums:
    """What the facts add to one day, or to one window (its days' sums; ratios in order)."""
    counts: dict[str, list] = field(default_factory=dict)  # name -> [sum, facts touching it]
    ratios: list[float] = field(default_factory=list)
    ratio_total: int = 0  # exact (_exact)
    used_total: int = 0
    used_count: int = 0
    e766: Counter = field(default_factory=Counter)
    days_total: int = 0  # exact (_exact)
    days_count: int = 0
    online: Counter = field(default_factory=Counter)  # procedure -> online dossiers received
    paid: Counter = field(default_factory=Counter)  # procedure -> paid-online dossiers received
    parts: int = 0  # parts added (a day with none is dropped)

    def add_bucket(self, part: PartDaily, sign: int, ordered: bool) -> None:
        counts, ratios, used_minutes = part
        _add_counts(self.counts, counts, sign, 1)
        for ratio in ratios:
            self._ratio(ratio, sign, ordered)
            self.ratio_total += sign * _exact(ratio)
        for used in used_minutes:
            self.used_total += sign * used
            self.used_count += sign
        self.parts += sign

    def add_766(self, part: Part766, sign: int) -> None:
        counts, days, online, paid = part
        for name, n in counts:
            self.e766[name] += sign * n
        if days is not None:
            self.days_total += sign * _exact(days)
            self.days_count += sign
        if online is not None:
            self.online[online] += sign
        if paid is not None:
            self.paid[paid] += sign
        self.parts += sign

    def add_sums(self, other: "_Sums", sign: int) -> None:
        """Add (subtract) a day's sums to (from) a window's."""
        _add_counts(self.counts, ((k, s) for k, (s, _) in other.counts.items()), sign,
                    {k: n for k, (_, n) in other.counts.items()})
        for ratio in other.ratios:
            self._ratio(ratio, sign, True)
        self.ratio_total += sign * other.ratio_total
        self.used_total += sign * other.used_total
        self.used_count += sign * other.used_count
        for target, source in ((self.e766, other.e766), (self.online, other.online),
                               (self.paid, other.paid)):
            for name, n in source.items():
                target[name] += sign * n
        self.days_total += sign * other.days_total
        self.days_count += sign * other.days_count

    def _ratio(self, ratio: float, sign: int, ordered: bool) -> None:
        if sign > 0:
            bisect.insort(self.ratios, ratio) if ordered else self.ratios.append(ratio)
        elif ordered:
            del self.ratios[bisect.bisect_left(self.ratios, ratio)]
        else:
            self.ratios.remove(ratio)

    def values(self) -> dict[str, float]:
        return window_values({k: float(s) for k, (s, _) in self.counts.items()}, self.ratios,
                             _rounded(self.ratio_total), self.used_total, self.used_count)


def _add_counts(counts: dict[str, list], items: Any, sign: int, touches: Any) -> None:
    """Add ``sign`` × each (name, value) of ``items``, and ``sign`` × its touches (a number,
    or name -> number); a name no fact touches any more is removed."""
    for name, value in items:
        entry = counts.get(name)
        if entry is None:
            entry = counts[name] = [0, 0]
        entry[0] += sign * value
        entry[1] += sign * (touches if isinstance(touches, int) else touches[name])
        if not entry[1]:
            del counts[name]


@dataclass(slots=True)
class _Frame:
    """What the windows are at one ``as_of``."""
    as_of: datetime
    moment: float
    day: date
    starts: dict[str, date]
    periods: dict[str, Any]


@dataclass(slots=True, eq=False)
class _Fact:
    """A fact held: only its facts and its next step, since a key holds many (what it adds is
    derived again when it changes or crosses a step, :meth:`RunningViews._derive`)."""
    code: str
    facts: dict[str, Any]
    next: float = _NEVER


@dataclass(slots=True)
class _Derived:
    facts: dict[str, Any]
    parts: list[tuple[date, Bucket]]
    scored: Any  # evaluation766 ScoredDossier, for a unit scope that handles it; else None


class RunningViews:
    """The views of one scope key (``compute_views``) over the facts it holds, by deltas."""

    def __init__(self, scope_key: str, facts: dict[str, dict[str, Any]], as_of: datetime,
                 targets: Targets = Targets()) -> None:
        """``facts``: dossier code (or ``proc:`` code) -> the facts counting in the key now."""
        self.scope_key, self.targets = scope_key, targets
        self.buckets = DailyBuckets(scope_key)
        self.unit = unit_of(scope_key)
        self.facts: dict[str, _Fact] = {}
        self._seq = itertools.count()
        self._reset(as_of)
        for code, f in facts.items():
            self.change(code, f)

    def holds(self, code: str) -> dict[str, Any] | None:
        """The facts counted for ``code`` (None if none)."""
        fact = self.facts.get(code)
        return None if fact is None else fact.facts

    def change(self, code: str, facts: dict[str, Any] | None) -> None:
        """``code``'s facts are now ``facts`` (None: it no longer counts in the key)."""
        old = self.facts.pop(code, None)
        removed, added = [], []
        if old is not None:
            removed = self._pieces(self._derive(old.facts), timed_only=False)
            self._procedures_changed |= old.facts.get("kind") == "procedure"
        if facts is not None:
            fact = self.facts[code] = _Fact(code, facts)
            derived = self._derive(facts)
            added = self._pieces(derived, timed_only=False)
            self._schedule(fact, derived)
            self._procedures_changed |= facts.get("kind") == "procedure"
        removed, added = _cancel(removed, added)
        self._apply(removed, -1)
        self._apply(added, 1)

    def views(self, as_of: datetime) -> dict[str, dict[str, float]]:
        """Every window's values at ``as_of``: equal to ``compute_views`` over the facts held."""
        self._advance(as_of)
        current = current_values(Counter({k: s for k, (s, _) in self.current.items()}))
        views = {}
        for name, window in self.windows.items():
            values = window.values()
            values.update(current)
            derive(values, self.targets)
            views[name] = values
        if self.unit is not None:
            procedures = self._procedures()
            for name, period in self.frame.periods.items():
                w = self.windows[name]
                counts = w.e766.copy()
                counts.update(self.open_scope)
                views[name].update(period_values(self.unit, period, procedures, counts,
                                                 _rounded(w.days_total), w.days_count,
                                                 w.online, w.paid))
        return views

    # ------------------------------------------------------------------ time
    def _frame(self, as_of: datetime) -> _Frame:
        local = as_of.astimezone(VN_TZ)
        periods = {} if self.unit is None else {
            w: evaluation_period(label(local), as_of) for w, label in LIVE_WINDOWS.items()}
        return _Frame(as_of, as_of.timestamp(), local.date(),
                      {w: window_bounds(w, as_of)[0].date() for w in WINDOWS}, periods)

    def _reset(self, as_of: datetime) -> None:
        self.frame = self._frame(as_of)
        self.days: dict[date, _Sums] = {}
        self.windows = {w: _Sums() for w in WINDOWS}
        self.ranges = {w: (start, self.frame.day) for w, start in self.frame.starts.items()}
        self.current: dict[str, list] = {}  # name -> [sum, facts touching it]
        self.open_scope: Counter = Counter()  # 766: dossiers open at as_of, in every period
        self.heap: list[tuple[float, int, _Fact]] = []
        self._procedures_changed, self._procedure_list = True, []

    def _advance(self, as_of: datetime) -> None:
        moment = as_of.timestamp()
        if moment == self.frame.moment:
            return
        if moment < self.frame.moment:  # time went back: rebuild at as_of
            facts = list(self.facts.values())
            self.facts = {}
            self._reset(as_of)
            for fact in facts:
                self.change(fact.code, fact.facts)
            return
        due = []
        while self.heap and self.heap[0][0] <= moment:
            step, _, fact = heapq.heappop(self.heap)
            if self.facts.get(fact.code) is fact and fact.next == step:
                derived = self._derive(fact.facts)
                # what it adds at the old as_of is what it has added so far
                due.append((fact, derived, self._pieces(derived, timed_only=True)))
        self.frame = self._frame(as_of)
        changes = []
        for fact, derived, removed in due:
            changes.append(_cancel(removed, self._pieces(derived, timed_only=True)))
            self._schedule(fact, derived)
        for removed, _ in changes:  # from the days and windows they were added to
            self._apply(removed, -1)
        self._move_windows()
        for _, added in changes:
            self._apply(added, 1)

    def _move_windows(self) -> None:
        """Subtract the days that left each window, add those that entered it."""
        for name, (lo, hi) in self.ranges.items():
            new_lo, new_hi = self.frame.starts[name], self.frame.day
            window = self.windows[name]
            for day in self._held_days(lo, min(hi, new_lo - timedelta(days=1))):
                window.add_sums(self.days[day], -1)
            for day in self._held_days(max(new_lo, hi + timedelta(days=1)), new_hi):
                window.add_sums(self.days[day], 1)
            self.ranges[name] = (new_lo, new_hi)

    def _held_days(self, first: date, last: date) -> Iterator[date]:
        if first > last:
            return iter(())
        if (last - first).days < len(self.days):
            days = (first + timedelta(days=n) for n in range((last - first).days + 1))
            return (d for d in days if d in self.days)
        return (d for d in list(self.days) if first <= d <= last)

    def _schedule(self, fact: _Fact, derived: _Derived) -> None:
        fact.next = min((s for s in _steps(derived) if s > self.frame.moment), default=_NEVER)
        if fact.next is not _NEVER:
            heapq.heappush(self.heap, (fact.next, next(self._seq), fact))
            if len(self.heap) > 2 * len(self.facts) + 64:
                self._compact()

    def _compact(self) -> None:
        """Drop the heap entries of facts replaced since (they are skipped when they surface,
        but a dossier whose facts change often would pile them up until then)."""
        self.heap = [e for e in self.heap
                     if self.facts.get(e[2].code) is e[2] and e[2].next == e[0]]
        heapq.heapify(self.heap)

    # ------------------------------------------------------------------ one fact
    def _derive(self, facts: dict[str, Any]) -> _Derived:
        if facts.get("kind") == "procedure":
            return _Derived(facts, [], None)
        scored = None
        if self.unit is not None and self.unit.holds(facts["agency"]):
            scored = scored_dossier(0, facts)
        return _Derived(facts, self.buckets.parts(facts), scored)

    def _pieces(self, fact: _Derived, timed_only: bool) -> list[tuple]:
        """What ``fact`` adds at the current ``as_of``: the daily-bucket counts (the same at any
        ``as_of``, left out if ``timed_only``); the current counts; for the 766 periods, its
        receipt and end once past (before ``as_of``, not only on its day), and its 2.1/5.3
        scope (open: in every period, judged at ``as_of``; ended: in the periods its end day
        lies in)."""
        pieces: list[tuple] = [] if timed_only else [
            ("daily", day, (_frozen(part.counts), tuple(part.ratios), tuple(part.used)))
            for day, part in fact.parts]
        current = self.buckets.current_part(fact.facts, self.frame.as_of)
        if current:
            pieces.append(("current", _frozen(current)))
        d, at = fact.scored, self.frame.moment
        if d is None:
            return pieces
        if d.received_s is not None and d.received_s < at:
            pieces.append(("766", _day(d.received_s), (
                _frozen(received_counts(d)), None,
                d.procedure if d.channel == "online" else None,
                d.procedure if d.paid_online else None)))
        ended = d.end_s is not None and d.end_s < at
        if ended and d.end_status in RESOLVED:
            pieces.append(("766", _day(d.end_s), (_frozen(resolved_counts(d)),
                                                 calendar_days(d), None, None)))
        if d.started_s is not None and d.started_s < at:
            scope = _frozen(scope_counts(d, self.frame.as_of, at))
            if ended:
                pieces.append(("766", _day(d.end_s), (scope, None, None, None)))
            else:
                pieces.append(("open", scope))
        return pieces

    def _apply(self, pieces: list[tuple], sign: int) -> None:
        for kind, *rest in pieces:
            if kind == "daily" or kind == "766":
                self._to_day(rest[0], sign, kind, rest[1])
            elif kind == "current":
                _add_counts(self.current, rest[0], sign, 1)
            else:
                for name, n in rest[0]:
                    self.open_scope[name] += sign * n

    def _to_day(self, day: date, sign: int, kind: str, part: Any) -> None:
        sums = self.days.get(day)
        if sums is None:
            sums = self.days[day] = _Sums()
        targets = [(sums, False)] + [(self.windows[w], True) for w, (lo, hi)
                                     in self.ranges.items() if lo <= day <= hi]
        for target, ordered in targets:
            if kind == "daily":
                target.add_bucket(part, sign, ordered)
            else:
                target.add_766(part, sign)
        if not sums.parts:
            del self.days[day]

    def _procedures(self) -> list:
        if self._procedures_changed:
            self._procedure_list = [
                p for p in (scored_procedure(f.facts) for f in self.facts.values()
                            if f.facts.get("kind") == "procedure")
                if self.unit.holds(p.agency)]
            self._procedures_changed = False
        return self._procedure_list


def _cancel(removed: list[tuple], added: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    """Leave out the pieces both lists have (as many times as both have them)."""
    if not removed or not added:
        return removed, added
    both = Counter(removed) & Counter(added)
    if not both:
        return removed, added
    return list((Counter(removed) - both).elements()), list((Counter(added) - both).elements())


def _steps(fact: _Derived) -> Iterator[float]:
    """The moments at which what a fact adds in :meth:`RunningViews._pieces` may change
    (a superset): its receipt (in progress from then) and just after its receipt and end
    (``received_s < at``, ``end_s < at``), and the minute after its due minute (late from
    then)."""
    facts, d = fact.facts, fact.scored
    if facts.get("kind") == "procedure":
        return
    if facts["ended_at"] is None:
        received = datetime.fromisoformat(facts["received_at"]).timestamp()
        yield received
        if facts["due_at"] is not None:
            yield (datetime.fromisoformat(facts["due_at"]).timestamp() // 60 + 1) * 60
    if d is not None:
        for moment in (d.started_s, d.end_s):
            if moment is not None:
                yield math.nextafter(moment, _NEVER)
        if d.due_minute is not None:
            yield (d.due_minute + 1) * 60.0
