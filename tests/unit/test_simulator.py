"""The province simulator: determinism, contract validity, calendar realism, tendencies."""

from __future__ import annotations

import collections
import datetime as dt
import json

import pytest

from producers.simulator import SimConfig, Simulator
from producers.workload import BEHAVIOUR
from schemas.cloudevents import from_json, from_record, to_json, to_record
from stream_processors.core.calendar import default_calendar
from stream_processors.core.catalog_loader import load_catalog
from stream_processors.core.classification import Outcome, classify_resolved
from stream_processors.core.clock import PauseReason, start
from stream_processors.core.durations import Duration
from stream_processors.core.office_hours import is_open
from stream_processors.core.vntime import VN_TZ

START = dt.datetime(2025, 3, 3, tzinfo=VN_TZ)
CAL = default_calendar()
WORSE = ("000.00.15.H47", "000.00.16.H47", "000.00.10.H47")  # Xây dựng, TN&MT, KH&ĐT


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def simulate(catalog, seed=7, dossiers=300, **kw):  # noqa: ANN001
    sim = Simulator(SimConfig(seed=seed, start=START, **kw), catalog, CAL)
    return list(sim.events(dossiers=dossiers))


def ndjson(events) -> bytes:  # noqa: ANN001
    return b"".join(json.dumps(to_json(e), ensure_ascii=False).encode() + b"\n" for e in events)


@pytest.fixture(scope="module")
def big(catalog):
    return simulate(catalog, seed=11, dossiers=3000)


def test_same_seed_same_bytes_other_seed_other_events(catalog):
    assert ndjson(simulate(catalog)) == ndjson(simulate(catalog))
    assert ndjson(simulate(catalog, seed=8)) != ndjson(simulate(catalog))


def test_every_event_passes_the_contract(catalog):
    for event in simulate(catalog, dossiers=200):
        assert from_json(json.loads(json.dumps(to_json(event)))) == event
        assert from_record(*to_record(event)) == event


def test_time_order_unique_ids_and_regular_heartbeats(big):
    assert [e.time for e in big] == sorted(e.time for e in big)
    assert len({e.id for e in big}) == len(big)
    beats = [e.time for e in big if e.type == "clock.heartbeat"]
    gaps = {b - a for a, b in zip(beats, beats[1:-1])}
    assert gaps == {dt.timedelta(minutes=15)} and beats[0] == START


def test_desk_filings_in_office_hours_online_any_time(big):
    channels = collections.Counter()
    for e in big:
        if e.type == "dossier.submitted":
            channels[e.data.channel.value] += 1
            if e.data.channel.value != "online":
                assert is_open(e.time, CAL), e.time
        if e.type in ("dossier.received", "dossier.resolved", "dossier.transferred"):
            assert CAL.is_working_day(e.time.date()), (e.type, e.time)
    assert channels["online"] > channels["post"] > 0 and channels["in_person"] > channels["post"]
    assert 0.3 < channels["online"] / sum(channels.values()) < 0.6


def test_every_dossier_has_a_coherent_lifecycle(big):
    by_code = collections.defaultdict(list)
    pakn = collections.defaultdict(list)
    for e in big:
        if e.type.startswith("feedback."):
            pakn[e.subject].append(getattr(e.data, "action", None))
        elif e.type != "clock.heartbeat":
            by_code[e.subject].append(e.type)
    assert pakn and all(steps == [None, "handled", "published"] for steps in pakn.values())
    ends = {"dossier.rejected", "dossier.withdrawn", "dossier.result_returned",
            "dossier.feedback_given"}
    for code, types in by_code.items():
        assert types[0] == "dossier.submitted" and types[-1] in ends, (code, types)
        assert types.count("dossier.supplement_requested") == types.count(
            "dossier.supplement_received")
    kinds = collections.Counter(t for types in by_code.values() for t in types)
    for kind in ("dossier.rejected", "dossier.withdrawn", "dossier.apology_issued",
                 "dossier.financial_obligation_requested", "dossier.feedback_given",
                 "dossier.fee_paid"):
        assert kinds[kind] > 0, kind
    seconds = [types.count("dossier.supplement_requested") for types in by_code.values()]
    assert seconds.count(2) > 0


def test_lien_thong_chains_transfer_step_by_step(big, catalog):
    chains = {p.code: len(p.chain) for p in catalog if p.chain}
    steps = collections.defaultdict(list)
    procedure = {}
    for e in big:
        if e.type == "dossier.received":
            procedure[e.subject] = e.data.procedure_code
        if e.type == "dossier.transferred":
            steps[e.subject].append(e.data.step)
    chained = [c for c, p in procedure.items() if p in chains and c in steps]
    assert chained
    for code in chained:
        assert steps[code] == list(range(1, chains[procedure[code]] + 1))


def late_share_by_agency(events) -> dict[str, float]:  # noqa: ANN001
    """Classify each resolved dossier with the deadline engine, as the stream processors will."""
    clocks, pauses, outcomes = {}, {}, collections.defaultdict(list)
    for e in events:
        d, code = e.data, e.subject
        if e.type == "dossier.received":
            clocks[code] = start(e.time, Duration(int(d.duration.amount), d.duration.unit.value),
                                 CAL, cutoff=dt.time.fromisoformat(d.cutoff) if d.cutoff else None)
            pauses[code] = (d.handling_agency, d.pauses_on_financial_obligation)
        elif e.type == "dossier.supplement_requested":
            clocks[code] = clocks[code].pause(e.time, PauseReason.SUPPLEMENT)
        elif e.type == "dossier.financial_obligation_requested" and pauses[code][1]:
            clocks[code] = clocks[code].pause(e.time, PauseReason.FINANCIAL_OBLIGATION)
        elif e.type in ("dossier.supplement_received", "dossier.financial_obligation_fulfilled") \
                and clocks[code].is_paused:
            clocks[code] = clocks[code].resume(e.time, CAL)
            if e.type == "dossier.supplement_received":
                assert d.appointment_at == clocks[code].due_at  # the simulator used the engine
        elif e.type == "dossier.apology_issued":
            clocks[code] = clocks[code].reschedule(d.new_appointment_at, CAL)
        elif e.type == "dossier.resolved":
            c = clocks[code]
            outcome = classify_resolved(e.time, c.due_at, supplement_requests=c.supplement_requests)
            outcomes[pauses[code][0]].append(outcome is Outcome.QUA_HAN)
    return {agency: sum(v) / len(v) for agency, v in outcomes.items()}


def test_department_tendencies_order_as_designed(big):
    share = late_share_by_agency(big)
    assert set(share) == set(BEHAVIOUR)
    others = [a for a in share if a not in WORSE]
    assert min(share[a] for a in WORSE) > max(share[a] for a in others), share
    assert share["000.00.16.H47"] > share["000.00.14.H47"] * 4


def test_until_bounds_event_time(catalog):
    until = START + dt.timedelta(days=3)
    sim = Simulator(SimConfig(seed=3, start=START), catalog, CAL)
    events = list(sim.events(until=until))
    assert events and max(e.time for e in events) < until
    assert sum(e.type == "dossier.submitted" for e in events) > 100


def test_with_the_registry_each_dossier_is_filed_on_the_map_of_its_day(catalog):
    from schemas.lifecycle import DossierReceived
    from stream_processors.core.registry_loader import load_registry

    registry = load_registry()

    def received(start: dt.datetime) -> list:
        sim = Simulator(SimConfig(seed=5, start=start), catalog, CAL, registry)
        return [e.data for e in sim.events(dossiers=150) if isinstance(e.data, DossierReceived)]

    for start, suffix in ((dt.datetime(2025, 4, 1, tzinfo=VN_TZ), ".H47"),
                          (dt.datetime(2026, 12, 1, tzinfo=VN_TZ), ".H15")):
        for d in received(start):
            day = d.appointment_at.date()
            for code in (d.handling_agency, d.receiving_agency, d.dossier_code[:13]):
                assert code.endswith(suffix) and registry.knows(code), code
            assert registry.version(d.handling_agency, day).name == d.handling_agency_name
    in_2026 = {d.handling_agency for d in received(dt.datetime(2026, 12, 1, tzinfo=VN_TZ))}
    assert "000.00.10.H47" not in in_2026 and "000.00.11.H15" in in_2026


def test_766_values_differ_by_department(big, catalog):
    """Finance pays and digitises far more online than Construction (workload.SERVICES)."""
    def share(agency: str, pick) -> float:  # noqa: ANN001
        items = [pick(e.data) for e in big if e.subject.startswith(agency)
                 and e.type == "dossier.received"]
        return sum(items) / len(items)
    assert share("000.00.11.H47", lambda d: d.digitised) > share("000.00.15.H47",
                                                               lambda d: d.digitised) + 0.2
    paid = [e.data.online for e in big if e.type == "dossier.fee_paid"]
    assert 0 < sum(paid) < len(paid)
    records = {p.code: p for p in catalog}
    from producers.simulator import procedure_record
    assert procedure_record(records["1.009972"]).online_level is not None
