"""The board's in-memory read model: pure, fed decoded events, queried for views.

Idempotent under at-least-once delivery: an event id seen before is ignored, flags are keyed by
(dossier, kind, due version), letters by letter id, snapshots by (scope, key, window) with the
latest ``as_of`` winning. No dossier's personal data is kept (no applicant fields).
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
from typing import Any

from schemas import derived, lifecycle as L
from schemas.cloudevents import Event
from stream_processors.core.registry import AgencyRegistry
from stream_processors.core.vntime import to_vn

__all__ = ["BoardModel", "DossierView"]

_ENDING = (L.DossierRejected, L.DossierWithdrawn, L.DossierSuspended, L.DossierResolved,
           L.ResultReturned)
_MAX_TIMELINE = 200
_MAX_TREND = 400
_SEEN_IDS = 500_000


@dataclasses.dataclass
class DossierView:
    code: str
    procedure_code: str = ""
    procedure_name: str = ""
    agency: str = ""
    agency_name: str = ""
    channel: str = ""
    four_step: bool = False
    received_at: dt.datetime | None = None
    due_at: dt.datetime | None = None
    due_version: int = 1
    closed: bool = False
    apology_issued: bool = False
    at_risk: derived.DossierAtRisk | None = None
    overdue: derived.DossierOverdue | None = None
    classification: str | None = None
    letters: dict[str, derived.LetterDrafted] = dataclasses.field(default_factory=dict)
    timeline: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    #: Decision 766 points this dossier costs its unit besides lateness: not_digitised,
    #: not_paid_online, no_electronic_result
    costs: set[str] = dataclasses.field(default_factory=set)


class BoardModel:
    """What the board shows; :meth:`apply` is the only writer."""

    def __init__(self, agencies: AgencyRegistry | None = None) -> None:
        self.agencies = agencies  # the map: which agencies exist on the board's day
        self.dossiers: dict[str, DossierView] = {}
        self.snapshots: dict[tuple[str, str, str], derived.MetricSnapshot] = {}
        self.trend: dict[str, list[tuple[float, dict[str, float]]]] = {}
        self.agency_names: dict[str, str] = {}
        self.dead_letters: collections.Counter[str] = collections.Counter()
        self.flag_counts: collections.Counter[str] = collections.Counter()
        self.lifecycle_events = 0
        self.letters = 0
        self.watermark: dt.datetime | None = None
        self.version = 0
        self._seen: collections.OrderedDict[str, None] = collections.OrderedDict()

    def exists_now(self, agency: str) -> bool:
        """Whether ``agency`` exists on the board's day (the watermark's, Vietnam time); True
        without a registry, before any event, or for a code the registry does not know."""
        if self.agencies is None or self.watermark is None or not self.agencies.knows(agency):
            return True
        return self.agencies.valid_on(agency, to_vn(self.watermark, "watermark").date())

    def apply(self, event: Event) -> bool:
        """Apply one event; returns False for a duplicate (same event id) or an ignored type."""
        if event.id in self._seen:
            return False
        self._remember(event.id)
        handler = _HANDLERS.get(type(event.data))
        if handler is None:
            return False
        if self.watermark is None or event.time > self.watermark:
            self.watermark = event.time
        handler(self, event)
        self.version += 1
        return True

    def _remember(self, event_id: str) -> None:
        self._seen[event_id] = None
        if len(self._seen) > _SEEN_IDS:
            self._seen.popitem(last=False)

    def dossier(self, code: str) -> DossierView:
        d = self.dossiers.get(code)
        if d is None:
            d = self.dossiers[code] = DossierView(code)
        return d

    # --- handlers -------------------------------------------------------------------------
    def _lifecycle(self, event: Event) -> None:
        data = event.data
        if isinstance(data, L.ClockHeartbeat):
            return
        self.lifecycle_events += 1
        d = self.dossier(data.dossier_code)
        if isinstance(data, L.DossierReceived):
            _received(d, data, event.time)
            self.agency_names.setdefault(data.handling_agency, data.handling_agency_name)
        elif isinstance(data, L.DossierTransferred):
            d.agency, d.agency_name = data.to_agency, data.to_agency_name
            self.agency_names.setdefault(data.to_agency, data.to_agency_name)
        elif isinstance(data, L.ApologyIssued):
            d.apology_issued, d.due_at = True, data.new_appointment_at
            d.due_version = max(d.due_version, 2)
        elif isinstance(data, _ENDING):
            d.closed = True
        _costs(d, data)
        _note(d, event.time, event.type, _describe(data))

    def _at_risk(self, event: Event) -> None:
        data: derived.DossierAtRisk = event.data
        d = self.dossier(data.dossier_code)
        key = f"at_risk:{data.dossier_code}:{data.due_version}"
        if d.at_risk is None or d.at_risk.due_version < data.due_version:
            d.at_risk = data
        self._flag(key, "at_risk")
        self._adopt(d, data)
        _note(d, event.time, event.type, data.responsible_agency_name)

    def _overdue(self, event: Event) -> None:
        data: derived.DossierOverdue = event.data
        d = self.dossier(data.dossier_code)
        if data.scope == derived.FlagScope.STEP:
            self._flag(f"overdue_step:{data.dossier_code}:{data.step}", "overdue_step")
        else:
            if d.overdue is None or d.overdue.due_version < data.due_version:
                d.overdue = data
            self._flag(f"overdue:{data.dossier_code}:{data.due_version}", "overdue")
            self._adopt(d, data)
        _note(d, event.time, event.type, f"{data.scope} {data.responsible_agency_name}")

    def _withdrawn(self, event: Event) -> None:
        """A calendar change re-issued the due: the old version's flags leave the lists."""
        data: derived.DossierFlagsWithdrawn = event.data
        d = self.dossier(data.dossier_code)
        if data.new_due_version > d.due_version:
            d.due_version, d.due_at = data.new_due_version, data.due_at
        _note(d, event.time, event.type, data.reason)

    def _flag(self, key: str, kind: str) -> None:
        if key not in self._seen:
            self._remember(key)
            self.flag_counts[kind] += 1

    def _adopt(self, d: DossierView, flag: Any) -> None:
        d.agency, d.agency_name = flag.responsible_agency, flag.responsible_agency_name
        d.procedure_code = d.procedure_code or flag.procedure_code
        d.procedure_name = d.procedure_name or flag.procedure_name
        d.received_at = d.received_at or flag.received_at
        d.due_at = d.due_at if d.due_version > flag.due_version else flag.due_at
        d.due_version = max(d.due_version, flag.due_version)
        self.agency_names.setdefault(flag.responsible_agency, flag.responsible_agency_name)

    def _classified(self, event: Event) -> None:
        data: derived.DossierClassified = event.data
        d = self.dossier(data.dossier_code)
        d.classification, d.closed = str(data.classification), True
        _note(d, event.time, event.type, str(data.classification))

    def _letter(self, event: Event) -> None:
        data: derived.LetterDrafted = event.data
        d = self.dossier(data.dossier_code)
        if data.letter_id not in d.letters:
            d.letters[data.letter_id] = data
            self.letters += 1
            _note(d, event.time, event.type, data.letter_id)

    def _snapshot(self, event: Event) -> None:
        s: derived.MetricSnapshot = event.data
        key = (s.scope, s.key, s.window)
        old = self.snapshots.get(key)
        if old is not None and old.as_of > s.as_of:
            return
        self.snapshots[key] = s
        if s.scope == "province":
            series = self.trend.setdefault(s.window, [])
            point = (s.as_of.timestamp(), dict(s.values))
            if series and series[-1][0] >= point[0]:
                series[-1] = point if series[-1][0] == point[0] else series[-1]
            else:
                series.append(point)
                del series[:-_MAX_TREND]

    def _dead_letter(self, event: Event) -> None:
        self.dead_letters[event.data.reason] += 1


def _received(d: DossierView, data: L.DossierReceived, time: dt.datetime) -> None:
    d.procedure_code, d.procedure_name = data.procedure_code, data.procedure_name
    d.agency, d.agency_name = data.handling_agency, data.handling_agency_name
    d.channel, d.four_step = str(data.channel), data.four_step
    d.due_at = d.due_at if d.due_version > 1 else data.appointment_at
    d.received_at = time


def _costs(d: DossierView, data: Any) -> None:
    """What the dossier costs its unit in Decision 766 groups 4 and 6 (only what was reported)."""
    if isinstance(data, L.DossierReceived) and data.digitised is False:
        d.costs.add("not_digitised")
    elif isinstance(data, L.FeePaid):
        (d.costs.discard if data.online else d.costs.add)("not_paid_online")
    elif isinstance(data, L.DossierResolved) and data.result_digitised is not None \
            and data.result_link is None:
        d.costs.add("no_electronic_result")


def _note(d: DossierView, time: dt.datetime, ce_type: str, detail: str) -> None:
    if len(d.timeline) < _MAX_TIMELINE:
        d.timeline.append({"time": time.isoformat(), "type": ce_type, "detail": detail})


def _describe(data: Any) -> str:
    """A short, person-free description for the timeline."""
    for name in ("to_agency_name", "handling_agency_name", "reason", "method", "satisfaction"):
        value = getattr(data, name, None)
        if value:
            return str(value)
    return ""


_HANDLERS = {
    **{m: BoardModel._lifecycle for m in (
        L.DossierSubmitted, L.DossierReceived, L.DossierRejected, L.DossierTransferred,
        L.SupplementRequested, L.SupplementReceived, L.FinancialObligationRequested,
        L.FinancialObligationFulfilled, L.DossierWithdrawn, L.DossierSuspended, L.DossierResolved,
        L.ResultReturned, L.ApologyIssued, L.FeedbackGiven, L.FeePaid, L.ClockHeartbeat)},
    derived.DossierAtRisk: BoardModel._at_risk,
    derived.DossierOverdue: BoardModel._overdue,
    derived.DossierFlagsWithdrawn: BoardModel._withdrawn,
    derived.DossierClassified: BoardModel._classified,
    derived.LetterDrafted: BoardModel._letter,
    derived.MetricSnapshot: BoardModel._snapshot,
    derived.DeadLettered: BoardModel._dead_letter,
}
