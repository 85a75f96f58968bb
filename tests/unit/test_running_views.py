"""Running views (deltas) equal a recomputation from scratch (``compute_views``) over random
sequences of fact changes, removals (expiry) and advances of ``as_of`` — across window
boundaries, due minutes passing, receipts in the future and a clock set back."""

from __future__ import annotations

import datetime as dt
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stream_processors.core.compliance import compute_views
from stream_processors.core.running_views import RunningViews

VN = dt.timezone(dt.timedelta(hours=7))
START = dt.datetime(2025, 1, 1, tzinfo=VN)
KEYS = ("province:all", "agency:A", "agency:B", "channel:online", "procedure:P1")


def _moment(minutes: int, micro: int = 0) -> dt.datetime:
    return START + dt.timedelta(minutes=minutes, microseconds=micro)


# moments near midnights, due minutes and month ends matter most: minutes on a coarse grid
# (whole days and hours) with an occasional odd minute or microsecond
minutes = st.one_of(st.integers(0, 300).map(lambda d: d * 1440),
                    st.integers(0, 300 * 24).map(lambda h: h * 60),
                    st.integers(0, 300 * 1440))
maybe = st.none() | st.booleans()


@st.composite
def dossier(draw) -> dict:
    received = draw(minutes)
    ended = draw(st.none() | st.integers(0, 120 * 1440).map(lambda d: received + d))
    due = received + draw(st.integers(0, 40 * 1440))
    resolved = ended is not None and draw(st.booleans())
    apology = draw(st.sampled_from([None, "on_time", "late", "never"]))
    supplements = draw(st.integers(0, 3))
    iso = lambda m, u=0: None if m is None else _moment(m, u).isoformat()  # noqa: E731
    return {
        "agency": draw(st.sampled_from("AB")), "procedure": draw(st.sampled_from(["P1", "P2"])),
        "field": "F", "channel": draw(st.sampled_from(["online", "in_person", "post"])),
        "level": 2, "four_step": draw(st.booleans()),
        "responsible": None if ended is not None else draw(st.sampled_from("AB")),
        "received_at": iso(received, draw(st.sampled_from([0, 0, 1, 999999]))),
        "due_at": iso(due), "paused_at": iso(draw(st.none() | st.just(received + 30))),
        "ended_at": iso(ended), "end_status": (draw(st.sampled_from([9, 10])) if resolved
                                               else 11 if ended is not None else None),
        "class": draw(st.sampled_from(["truoc_han", "dung_han", "qua_han"])) if resolved else None,
        "used": draw(st.integers(0, 5000)) if resolved else None,
        "statutory": draw(st.sampled_from([0, 2400, 4800])) if resolved else None,
        "supplements": supplements, "agencies": draw(st.integers(1, 4)),
        "steps_late": draw(st.integers(0, 2)), "steps_equal": draw(st.integers(0, 1)),
        "apology": apology,
        "apology_at": None if apology is None else iso(received + draw(st.integers(0, 30 * 1440))),
        "at_risk_open": draw(st.booleans()), "overdue_open": draw(st.booleans()),
        "supplement_open_at": iso(draw(st.none() | st.just(received + 60))),
        "satisfaction": draw(st.sampled_from([None, "rat_hai_long", "khong_hai_long"])),
        "complaint": draw(st.booleans()),
        "services": draw(st.none() | st.fixed_dictionaries({
            "fees_vnd": st.sampled_from([None, 0, 50000]), "paid_online": maybe,
            "digitised": maybe, "reused": maybe, "vneid": maybe,
            "result_electronic": maybe})),
    }


procedure = st.fixed_dictionaries({
    "kind": st.just("procedure"), "procedure": st.sampled_from(["P1", "P2", "P3"]),
    "agency": st.sampled_from("AB"), "four_step": st.booleans(), "complete": st.booleans(),
    "missing": st.just([]), "ended": st.booleans(),
    "online_level": st.sampled_from([None, "none", "partial", "full"]),
    "has_fees": maybe, "payment_integrated": maybe,
    "effective_on": st.sampled_from([None, "2025-01-10"]),
    "published_on": st.sampled_from([None, "2025-01-05", "2025-02-01"]),
    "national_published_on": st.sampled_from([None, "2025-01-05"])})

codes = st.sampled_from([f"D{i}" for i in range(8)] + ["proc:P1", "proc:P2"])
advance = st.tuples(st.just("advance"), st.one_of(st.integers(0, 120), st.integers(0, 10 * 1440),
                                                 st.integers(0, 60 * 1440)),
                    st.sampled_from([0, 0, 1, -1]))
# jump to around a moment of a held fact: its receipt, end, due or apology, a whole number of
# days after its midnight (29, 30, 31: rolling_30d) or the first of a later month (a month or
# a quarter ends), give or take a microsecond or a minute
jump = st.tuples(st.just("jump"), st.tuples(
    codes, st.sampled_from(["received_at", "ended_at", "due_at", "apology_at"]),
    st.sampled_from(["at", "day+1", "day+29", "day+30", "day+31", "month+1", "month+2",
                     "month+3"])), st.sampled_from([0, 0, 1, -1, 60_000_000, -60_000_000]))
operation = st.one_of(
    st.tuples(st.just("set"), codes, dossier()),
    st.tuples(st.just("drop"), codes, st.none()),
    advance, jump, jump, jump,
    st.tuples(st.just("back"), st.integers(1, 3 * 1440), st.none()))


def _target(held: dict, code: str, field: str, where: str) -> dt.datetime | None:
    moment = held.get(code, {}).get(field)
    if moment is None:
        return None
    moment = dt.datetime.fromisoformat(moment)
    if where == "at":
        return moment
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    unit, n = where.split("+")
    if unit == "day":
        return midnight + dt.timedelta(days=int(n))
    month = moment.month - 1 + int(n)
    return midnight.replace(year=moment.year + month // 12, month=month % 12 + 1, day=1)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(KEYS), ops=st.lists(operation, min_size=10, max_size=60),
       procs=st.lists(procedure, max_size=2), start=minutes)
def test_running_views_equal_a_recomputation_from_scratch(key, ops, procs, start):
    held: dict[str, dict] = {f"proc:P{i + 1}": p for i, p in enumerate(procs)}
    as_of = _moment(start)
    running = RunningViews(key, dict(held), as_of)
    for op, arg, extra in ops:
        if op == "set":
            if arg.startswith("proc:"):
                continue
            held[arg] = extra
            running.change(arg, extra)
        elif op == "drop":
            held.pop(arg, None)
            running.change(arg, None)
        else:
            if op == "jump":
                target = _target(held, *arg)
                if target is None:
                    continue
                as_of = max(as_of, target + dt.timedelta(microseconds=extra))
            else:  # advance, sometimes to a microsecond around a whole minute; or go back
                as_of = (as_of + dt.timedelta(minutes=arg, microseconds=extra)
                         if op == "advance" else as_of - dt.timedelta(minutes=arg))
            assert running.views(as_of) == compute_views(key, held.values(), as_of), (op, arg)
    assert running.views(as_of) == compute_views(key, held.values(), as_of)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(KEYS), pool=st.lists(dossier(), min_size=30, max_size=30),
       seed=st.integers(0, 2**32))
def test_a_long_walk_matches_at_every_step(key, pool, seed):
    """Half a year in steps of a few hours (so as_of lands between most steps of most facts),
    facts set, replaced and dropped along the way."""
    rng = random.Random(seed)
    held: dict[str, dict] = {}
    as_of = START
    running = RunningViews(key, {}, as_of)
    while as_of < START + dt.timedelta(days=200):
        for _ in range(rng.choice([0, 0, 1, 2])):
            code = f"D{rng.randrange(12)}"
            facts = rng.choice(pool) if rng.random() < 0.8 else None
            if facts is None:
                held.pop(code, None)
            else:
                held[code] = facts
            running.change(code, facts)
        as_of += dt.timedelta(minutes=rng.randrange(1, 9 * 60))
        assert running.views(as_of) == compute_views(key, held.values(), as_of), as_of


def test_a_snapshot_reevaluates_only_what_changed_or_crossed_a_step():
    """Many facts held, one changed: advancing a minute re-evaluates one fact, not all."""
    facts = {f"D{i}": {**_fixed(i)} for i in range(300)}
    as_of = _moment(200 * 1440)
    running = RunningViews("province:all", facts, as_of)
    running.views(as_of)
    derived = []
    original = running._derive
    running._derive = lambda facts: (derived.append(facts), original(facts))[1]
    changed = {**_fixed(7), "supplements": 1}
    running.change("D7", changed)
    running.views(as_of + dt.timedelta(minutes=1))
    assert derived == [facts["D7"], changed]  # what it added before, what it adds now


def _fixed(i: int) -> dict:
    received = (i % 150) * 1440 + 8 * 60
    return {"agency": "A", "procedure": "P1", "field": "F", "channel": "online", "level": 2,
            "four_step": False, "responsible": None,
            "received_at": _moment(received).isoformat(),
            "due_at": _moment(received + 5 * 1440).isoformat(), "paused_at": None,
            "ended_at": _moment(received + 2 * 1440).isoformat(), "end_status": 10,
            "class": "truoc_han", "used": 900, "statutory": 2400, "supplements": 0,
            "agencies": 1, "steps_late": 0, "steps_equal": 0, "apology": None,
            "apology_at": None, "at_risk_open": False, "overdue_open": False,
            "supplement_open_at": None, "satisfaction": None, "complaint": False,
            "services": None}


def test_what_the_running_views_hold_stays_bounded_over_time():
    """Two years of dossiers, each changed a few times and dropped 100 days after its end (as
    expiry does): the days, the heap and the facts held follow what is held, not the time."""
    running = RunningViews("province:all", {}, START)
    rng = random.Random(3)
    ends: dict[str, int] = {}
    sizes = []
    for day in range(730):
        for n in range(10):
            code, received = f"D{day}-{n}", day * 1440 + 8 * 60
            facts = {**_fixed(0), "received_at": _moment(received).isoformat(),
                     "due_at": _moment(received + 5 * 1440).isoformat(),
                     "ended_at": _moment(received + 2 * 1440).isoformat()}
            for supplements in range(rng.randrange(1, 4)):  # a few versions
                running.change(code, {**facts, "supplements": supplements})
            ends[code] = day + 2
        for code in [c for c, end in ends.items() if end < day - 100]:
            running.change(code, None)
            del ends[code]
        running.views(_moment(day * 1440 + 20 * 60))
        sizes.append((len(running.facts), len(running.days), len(running.heap)))
    facts, days, heap = map(max, zip(*sizes[365:]))
    assert facts <= 10 * 104 and days <= 106 and heap <= 2 * facts + 64
    assert sizes[-1][:2] == sizes[400][:2]  # a steady state, not a slow climb
