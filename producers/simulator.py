"""The province simulator: a deterministic stream of lifecycle events and heartbeats.

Given a seed, a start moment and the catalog, :class:`Simulator` yields events in event-time
order. Nothing depends on the wall clock: ids are uuid5 of (seed, dossier, n), times come from
the simulated calendar, each dossier draws from its own ``Random(f"{seed}:{code}")``, so the
same seed and arguments give byte-identical output. Deadlines come from the deadline engine
(:mod:`stream_processors.core.clock`), so a dossier planned "late" ends after the due moment
the stream processors will compute; the department tendencies are in :mod:`producers.workload`.
With an agency registry, each dossier is filed on the map of its own day: the catalog's agencies
(and the one-stop centre) followed through the registry's successor links, so a run in 2026
files at Đà Nẵng's departments and a replay of 2025-Q2 at Quảng Nam's.

A heartbeat (``clock.heartbeat``) is emitted at every ``heartbeat_every`` boundary of event time
once every earlier event has been emitted.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import random
import uuid
from collections.abc import Iterator
from typing import Any

from producers.replay import heartbeat
from producers.workload import (BEHAVIOUR, CENTER, DEFAULT_SERVICES, SERVICES, apology_choice,
                                arrival_times, channel_for, draw_applicant)
from schemas import catalog as cat, feedback as fb, lifecycle as lc
from schemas.cloudevents import Event, natural_key
from schemas.codes import dossier_code
from schemas.fields import Channel, Duration, DurationUnit, Fee, Level
from stream_processors.core.calendar import WorkingCalendar
from stream_processors.core.catalog import Catalog, Procedure
from stream_processors.core.clock import DossierClock, PauseReason, start
from stream_processors.core.office_hours import add_working_minutes, next_opening, working_minutes_between
from stream_processors.core.registry import AgencyRegistry
from stream_processors.core.vntime import VN_TZ

__all__ = ["SIM_NAMESPACE", "SimConfig", "Simulator", "procedure_record"]

SIM_NAMESPACE = uuid.UUID("3c1a7e0e-6b55-4a8e-bd0b-8f6f0f4f9a11")
DAY = 480  # working minutes per working day (default office hours)
_RETURN = {Channel.IN_PERSON: "in_person", Channel.POST: "post", Channel.ONLINE: "electronic"}


@dataclasses.dataclass(frozen=True)
class SimConfig:
    seed: int
    start: dt.datetime
    source: str = "urn:motcua:simulator"
    per_day: float = 120.0  # dossiers filed per weekday, province-wide
    heartbeat_every: dt.timedelta = dt.timedelta(minutes=15)
    producer: str = "simulator"


def _duration(p: Procedure) -> Duration:
    return Duration(float(p.duration.amount), DurationUnit(p.duration.unit.value))


class _Dossier:
    """Plans one dossier's lifecycle: a list of (time, data) in causal order."""

    def __init__(self, sim: "Simulator", code: str, p: Procedure, submitted: dt.datetime,
                 online: bool) -> None:
        self.sim, self.code, self.p, self.cal = sim, code, p, sim.calendar
        self.b = BEHAVIOUR[p.agency.code]
        day = submitted.astimezone(VN_TZ).date()
        self.handler = sim.agency_on(p.agency.code, p.agency.name, day, p)
        self.center = sim.agency_on(CENTER, "", day, p)[0]
        self.chain = [(*sim.agency_on(s.agency.code, s.agency.name, day, p), s.allowance)
                      for s in p.chain]
        self.rng = random.Random(f"{sim.config.seed}:{code}")
        self.channel = channel_for(self.rng, online)
        self.submitted = submitted
        self.out: list[tuple[dt.datetime, Any]] = []
        self.clock: DossierClock | None = None
        # the Decision 766 draws use their own stream, so the lifecycle above stays as it was
        self.srng = random.Random(f"{sim.config.seed}:{code}:766")
        self.s = SERVICES.get(p.agency.code, DEFAULT_SERVICES)

    def at(self, moment: dt.datetime, data: Any) -> dt.datetime:
        self.out.append((moment.replace(second=0, microsecond=0), data))
        return moment

    def work(self, moment: dt.datetime, minutes: float) -> dt.datetime:
        return add_working_minutes(moment, max(1, int(minutes)), self.cal)

    def plan(self) -> list[tuple[dt.datetime, Any]]:
        rng, b = self.rng, self.b
        self.at(self.submitted, lc.DossierSubmitted(self.code, self.p.code, self.channel,
                                                    draw_applicant(rng)))
        received = self.receipt_time()
        if rng.random() < b.rejection:
            self.at(received, lc.DossierRejected(self.code, self.center, "Hồ sơ không đủ điều kiện"))
            return self.out
        self.receive(received)
        last = self.transfer(received)
        last = self.supplements(last)
        if rng.random() < b.withdrawal:
            self.at(self.work(last, rng.uniform(60, 3 * DAY)),
                    lc.DossierWithdrawn(self.code, "Công dân xin rút hồ sơ"))
            return self.out
        last = self.financial(last)
        self.resolve(last)
        return self.out

    def receipt_time(self) -> dt.datetime:
        rng, t = self.rng, self.submitted
        if self.channel is Channel.ONLINE:
            return self.work(next_opening(t, self.cal), rng.uniform(5, 240))
        if self.channel is Channel.POST:
            return self.work(t, rng.uniform(DAY, 2 * DAY))
        return t + dt.timedelta(minutes=rng.randint(5, 25))

    def receive(self, at: dt.datetime) -> None:
        p = self.p
        self.clock = start(at, p.duration, self.cal, cutoff=p.cutoff)
        self.at(at, lc.DossierReceived(
            dossier_code=self.code, procedure_code=p.code, procedure_name=p.name[:300],
            field_code=p.field[:64], receiving_agency=self.center, handling_agency=self.handler[0],
            handling_agency_name=self.handler[1], level=Level.PROVINCE, channel=self.channel,
            duration=_duration(p), appointment_at=self.clock.due_at, four_step=p.four_step,
            applicant=draw_applicant(random.Random(f"{self.sim.config.seed}:{self.code}:a")),
            cutoff=p.cutoff.strftime("%H:%M") if p.cutoff else None,
            pauses_on_financial_obligation=bool(p.pauses_on_financial_obligation),
            **self.services()))
        if p.has_fees:
            online = self.channel is Channel.ONLINE and self.srng.random() < self.s.paid_online
            self.at(at, lc.FeePaid(self.code, online, self.fee))  # paid at receipt

    def services(self) -> dict[str, Any]:
        r, s = self.srng, self.s
        self.fee = r.randrange(1, 20) * 50_000 if self.p.has_fees else 0
        fees = (Fee(self.p.disclosure.fees[0][:300], self.fee),) if self.p.has_fees else ()
        return {"fees": fees, "digitised": r.random() < s.digitised,
                "reused_components": r.random() < s.reused,
                "vneid_authenticated": self.channel is Channel.ONLINE and r.random() < s.vneid}
    def transfer(self, received: dt.datetime) -> dt.datetime:
        """Hand the dossier to the department (or the liên thông chain); four-step stays."""
        if self.p.four_step:
            return received
        t = self.work(received, self.rng.uniform(15, 240))
        if not self.chain:
            self.at(t, lc.DossierTransferred(self.code, self.center, *self.handler, 1,
                                             _duration(self.p)))
            return t
        previous = self.center
        for n, (code, name, step_allowance) in enumerate(self.chain, start=1):
            allowance = Duration(float(step_allowance.amount),
                                 DurationUnit(step_allowance.unit.value))
            self.at(t, lc.DossierTransferred(self.code, previous, code, name, n, allowance))
            previous = code
            minutes = step_allowance.working_minutes() or DAY
            t = self.work(t, minutes * self.rng.uniform(0.3, 0.8))
        return t

    def supplements(self, last: dt.datetime) -> dt.datetime:
        rng, b = self.rng, self.b
        if rng.random() >= b.supplement:
            return last
        for n in range(2 if rng.random() < b.second_supplement else 1):
            asked = self.work(last, rng.uniform(60, 3 * DAY))
            self.at(asked, lc.SupplementRequested(self.code, self.handler[0],
                                                  "Bổ sung giấy tờ còn thiếu",
                                                  ("Bản sao giấy tờ pháp lý",)))
            self.clock = self.clock.pause(asked, PauseReason.SUPPLEMENT)
            last = self.work(asked, rng.uniform(DAY / 2, 5 * DAY))
            self.clock = self.clock.resume(last, self.cal)
            self.at(last, lc.SupplementReceived(self.code, self.clock.due_at))
        return last

    def financial(self, last: dt.datetime) -> dt.datetime:
        p, rng = self.p, self.rng
        if not (p.pauses_on_financial_obligation or p.field == "Đất đai") or rng.random() < 0.5:
            return last
        asked = self.work(last, rng.uniform(60, DAY))
        self.at(asked, lc.FinancialObligationRequested(self.code, self.handler[0],
                                                       "Lệ phí trước bạ, thuế",
                                                       rng.randrange(5, 500) * 100_000))
        if p.pauses_on_financial_obligation:
            self.clock = self.clock.pause(asked, PauseReason.FINANCIAL_OBLIGATION)
        paid = self.work(asked, rng.uniform(DAY / 4, 3 * DAY))
        if p.pauses_on_financial_obligation:
            self.clock = self.clock.resume(paid, self.cal)
        self.at(paid, lc.FinancialObligationFulfilled(self.code))
        return paid

    def resolve(self, last: dt.datetime) -> None:
        rng, b = self.rng, self.b
        due = self.clock.due_at
        late = rng.random() < (b.late * (0.5 if self.p.four_step else 1.0))
        if late:
            end = self.work(max(due, last), rng.uniform(30, 6 * DAY))
            self.apology(last, due, end)
        else:
            room = working_minutes_between(last, max(due, last), self.cal)
            end = self.work(last, room * rng.uniform(0.2, 0.97)) if room > 1 else last
        electronic = self.srng.random() < self.s.electronic_result
        link = f"https://dichvucong.quangnam.gov.vn/ketqua/{self.code}.pdf" if electronic else None
        self.at(end, lc.DossierResolved(self.code, self.handler[0], result_link=link,
                                        result_digitised=electronic))
        returned = self.work(end, rng.uniform(10, 2 * DAY))
        self.at(returned, lc.ResultReturned(self.code, _RETURN[self.channel]))
        if rng.random() < 0.3:
            self.feedback(returned + dt.timedelta(hours=rng.uniform(1, 72)), late)

    def apology(self, last: dt.datetime, due: dt.datetime, end: dt.datetime) -> None:
        choice = apology_choice(self.rng, self.b)
        deadline = self.clock.apology_deadline
        if choice == "never" or deadline is None:
            return
        if choice == "on_time":
            at = max(last, deadline - dt.timedelta(minutes=self.rng.randint(10, 180)))
        else:
            at = self.work(max(deadline, last), self.rng.uniform(30, 2 * DAY))
        if at >= end:
            return
        promised = working_minutes_between(due, end, self.cal) * self.rng.uniform(0.6, 1.4)
        new_due = self.work(due, promised).replace(second=0, microsecond=0)
        self.at(at, lc.ApologyIssued(self.code, self.handler[0], "Hồ sơ cần xin ý kiến sở ngành",
                                     due, new_due))

    def feedback(self, at: dt.datetime, late: bool) -> None:
        weights = (0.1, 0.4, 0.5) if late else (0.5, 0.45, 0.05)
        mood = self.rng.choices(("rat_hai_long", "hai_long", "khong_hai_long"), weights)[0]
        complaint = mood == "khong_hai_long" and self.rng.random() < 0.3
        self.at(at, lc.FeedbackGiven(self.code, mood, complaint))
        if complaint:
            self.pakn(at + dt.timedelta(hours=1), late)

    def pakn(self, at: dt.datetime, late: bool) -> None:
        """The complaint as a PAKN: handled within its 15 working days, or (slow departments,
        late dossiers) after them; its answer published 2 working days later."""
        r, agency = self.srng, self.handler[0]
        fid = f"PAKN-{self.code}"
        self.at(at, fb.FeedbackReceived(fid, agency, f"Phản ánh về hồ sơ {self.code}"[:300],
                                        self.code))
        days = r.uniform(3, 12) if not late or r.random() < 0.6 else r.uniform(16, 25)
        handled = self.work(at, days * DAY)
        self.at(handled, fb.FeedbackStepTaken(fid, agency, fb.FeedbackAction.HANDLED))
        self.at(self.work(handled, r.uniform(0.2, 2.5) * DAY), fb.FeedbackStepTaken(
            fid, agency, fb.FeedbackAction.PUBLISHED, satisfied=r.random() < (0.5 if late else 0.85)))


class Simulator:
    """Yields the province's events in event-time order (see module docstring)."""

    def __init__(self, config: SimConfig, catalog: Catalog, calendar: WorkingCalendar,
                 registry: AgencyRegistry | None = None) -> None:
        if config.start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self.config, self.catalog, self.calendar = config, catalog, calendar
        self.registry = registry
        self._by_agency = {a: catalog.by_agency(a) for a in BEHAVIOUR if catalog.by_agency(a)}
        self._sequence: dict[tuple[str, dt.date], int] = {}

    def events(self, dossiers: int | None = None, until: dt.datetime | None = None
               ) -> Iterator[Event]:
        """All events of ``dossiers`` dossiers, or everything before ``until`` (or forever)."""
        cfg, rng = self.config, random.Random(self.config.seed)
        heap: list[tuple[dt.datetime, int, Event]] = []
        start = cfg.start.astimezone(VN_TZ)
        next_beat, day, made, order, last = start, start.date(), 0, 0, start
        while dossiers is None or made < dossiers or heap:
            horizon = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), VN_TZ)
            if dossiers is None or made < dossiers:
                for moment, online in arrival_times(rng, day, cfg.per_day, VN_TZ):
                    if moment < start or (dossiers is not None and made >= dossiers):
                        continue
                    for event in self._dossier(rng, moment, online):
                        heapq.heappush(heap, (event.time, order, event))
                        order += 1
                    made += 1
            else:
                horizon = heap[0][0] + dt.timedelta(days=1) if heap else horizon
            while heap and heap[0][0] < horizon:
                moment, _, event = heapq.heappop(heap)
                if until is not None and moment >= until:
                    yield from self._beats(next_beat, until, final=True)
                    return
                for beat in self._beats(next_beat, moment):
                    next_beat = beat.time + cfg.heartbeat_every
                    yield beat
                last = moment
                yield event
            day += dt.timedelta(days=1)
            if until is not None and horizon >= until and not heap:
                yield from self._beats(next_beat, until, final=True)
                return
        if last > next_beat - cfg.heartbeat_every:
            yield heartbeat(cfg.producer, last, cfg.source)  # event time reached the last event

    def _beats(self, next_beat: dt.datetime, upto: dt.datetime, final: bool = False
               ) -> Iterator[Event]:
        step = self.config.heartbeat_every
        while next_beat <= upto and not (final and next_beat == upto):
            yield heartbeat(self.config.producer, next_beat, self.config.source)
            next_beat += step

    def agency_on(self, code: str, name: str, day: dt.date, p: Procedure) -> tuple[str, str]:
        """(code, name) of the agency doing catalog agency ``code``'s work for ``p`` on ``day``."""
        if self.registry is None:
            return code, name
        current = self.registry.continuing(code, day, p.code, p.field)
        return current, self.registry.version(current, day).name

    def catalog_events(self, at: dt.datetime) -> list[Event]:
        """The catalog as ``procedure.published`` records at ``at`` (the 766 catalog facts)."""
        return [Event(id=str(uuid.uuid5(SIM_NAMESPACE, f"{self.config.seed}:catalog:{p.code}")),
                      source=self.config.source, time=at, subject=p.code,
                      data=procedure_record(p, self.agency_on(p.agency.code, p.agency.name,
                                                              at.date(), p)[0]))
                for p in self.catalog]

    def _dossier(self, rng: random.Random, submitted: dt.datetime, online: bool) -> list[Event]:
        agencies = list(self._by_agency)
        agency = rng.choices(agencies, weights=[BEHAVIOUR[a].weight for a in agencies])[0]
        procedure = rng.choice(self._by_agency[agency])
        day = submitted.date()
        agency = self.agency_on(agency, "", day, procedure)[0]
        seq = self._sequence.get((agency, day), 0) + 1
        self._sequence[(agency, day)] = seq
        code = dossier_code(agency, day, seq)
        plan = _Dossier(self, code, procedure, submitted, online).plan()
        return [Event(id=str(uuid.uuid5(SIM_NAMESPACE, f"{self.config.seed}:{code}:{n}")),
                      source=self.config.source, time=moment, subject=natural_key(data),
                      data=data) for n, (moment, data) in enumerate(plan)]


def procedure_record(p: Procedure, agency: str | None = None) -> cat.ProcedurePublished:
    """A catalog procedure as its ``procedure.published`` record (``agency``: the code doing
    its work now, when the map changed since the catalog was published)."""
    d, sv = p.disclosure, p.service

    def joined(items: tuple[str, ...]) -> str | None:
        return "; ".join(items)[:4000] or None

    return cat.ProcedurePublished(
        p.code, p.name[:300], p.field[:64], agency or p.agency.code, p.four_step,
        components=joined(d.components), fees=joined(d.fees), legal_basis=joined(d.legal_basis),
        result=d.result or None, processing_time=f"{p.duration.amount} {p.duration.unit.value}",
        steps=d.steps or None, method=d.method or None, applicant=d.applicant or None,
        online_level=cat.OnlineLevel(sv.online_level), has_fees=p.has_fees,
        payment_integrated=sv.payment_integrated, decision=sv.decision or None,
        effective_on=sv.effective_on, published_on=sv.published_on,
        national_published_on=sv.national_published_on)
