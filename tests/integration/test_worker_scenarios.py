"""``motcua worker`` on the embedded broker, event-time mode: scripted scenarios, exact outputs."""

from __future__ import annotations

import datetime as dt

import pytest

from schemas.cloudevents import to_record
from schemas.derived import FlagScope
from tests.dossier_events import (SO_TNMT, SO_XD, UBND, apology, at, code, heartbeat, received,
                                  resolved, supplement_received, supplement_requested,
                                  transferred, withdrawn)
from tests.worker_harness import Deployment

pytestmark = pytest.mark.integration
D = {n: code(n) for n in range(1, 9)}


def scenario():
    """(events in send order, poison records). Out-of-order items are placed deliberately."""
    t = at
    ordered = [
        received(D[1], t("2025-08-04", "09:30"), four_step=True),
        resolved(D[1], t("2025-08-05", "09:00")),
        received(D[2], t("2025-08-04", "09:30")),
        transferred(D[2], t("2025-08-04", "10:00"), SO_TNMT, 1, 1),
        transferred(D[2], t("2025-08-05", "09:00"), UBND, 2, 1, frm=SO_TNMT),
        resolved(D[2], t("2025-08-07", "09:00"), agency=UBND),
        received(D[3], t("2025-08-27", "09:30"), days=3),
        supplement_requested(D[3], t("2025-08-28", "09:30")),
        supplement_received(D[3], t("2025-09-03", "09:30")),
        resolved(D[3], t("2025-09-04", "09:00")),
        received(D[4], t("2025-08-04", "09:30")),
        apology(D[4], t("2025-08-07", "10:00"), t("2025-08-11", "09:30"), t("2025-08-15", "09:30")),
        resolved(D[4], t("2025-08-14", "09:00")),
        received(D[5], t("2025-08-04", "09:30")),
        apology(D[5], t("2025-08-08", "17:01"), t("2025-08-11", "09:30"), t("2025-08-18", "09:30")),
        resolved(D[5], t("2025-08-19", "09:00")),
        received(D[6], t("2025-08-04", "09:30")),
        withdrawn(D[6], t("2025-08-05", "09:00")),
        # after withdrawal, within the eviction retention (a later one would find D6 evicted)
        resolved(D[6], t("2025-08-05", "10:00")),
        received(D[7], t("2025-08-04", "09:30")),
        received(D[8], t("2025-08-04", "09:30")),
        supplement_requested(D[8], t("2025-08-06", "09:00")),
    ] + [heartbeat(t(day, "08:00")) for day in ("2025-08-06", "2025-08-08", "2025-08-09",
                                                 "2025-08-12", "2025-08-19", "2025-09-06")]
    ordered.sort(key=lambda e: e.time)
    dup = ordered[[e.subject for e in ordered].index(D[7])]
    late_transfer = transferred(D[7], t("2025-08-04", "11:00"), SO_TNMT, 1, 2)
    tail = [
        resolved(D[7], t("2025-08-04", "11:30"), agency=SO_TNMT), late_transfer, dup,
        supplement_received(D[8], t("2025-08-05", "09:00")),         # a day too late
    ]
    # the late transfer must come before the heartbeat that passes 11:30 on its partition: put
    # D7's tail right after its receipt, before any heartbeat
    first_hb = next(i for i, e in enumerate(ordered) if e.type == "clock.heartbeat")
    events = ordered[:first_hb] + tail[:3] + ordered[first_hb:] + tail[3:]
    key, value, headers = to_record(received(code(9), t("2025-08-04")))
    unknown = [(k, b"dossier.teleported" if k == "ce_type" else v) for k, v in headers]
    poison = [(key, b"\xff not json", headers), (key, value, unknown), (b"x", b"{}", [])]
    return events, poison


@pytest.fixture
def deployment(kafka_bootstrap, unique, state_dir):
    dep = Deployment(kafka_bootstrap, unique, state_dir)
    yield dep
    dep.close()


def test_scripted_scenarios(deployment):
    events, poison = scenario()
    deployment.start_worker("a")
    deployment.send(events)
    for record in poison:
        deployment.send_raw(record)
    deployment.producer.flush()

    flags = deployment.read("dossier-flags", lambda r: len(r) >= 3)
    got = sorted((f.subject, f.type, getattr(f.data, "scope", None), f.data.due_version,
                  f.data.due_at, f.data.responsible_agency) for f in flags)
    assert got == sorted([
        (D[2], "dossier.overdue", FlagScope.STEP, 1, at("2025-08-06", "09:00"), UBND),
        (D[5], "dossier.at_risk", None, 1, at("2025-08-11", "09:30"), SO_XD),
        (D[5], "dossier.overdue", FlagScope.DOSSIER, 2, at("2025-08-18", "09:30"), SO_XD),
    ])
    at_risk = next(f for f in flags if f.type == "dossier.at_risk")
    assert at_risk.data.apology_deadline == at("2025-08-08", "17:00")  # the end of the day before

    classified = deployment.read("dossier-classifications", lambda r: len(r) >= 7)
    by_code = {c.subject: c.data for c in classified}
    assert len(classified) == 7
    assert {k: (v.classification.value, v.due_version, v.end_status) for k, v in by_code.items()} == {
        D[1]: ("truoc_han", 1, 9), D[2]: ("truoc_han", 1, 9), D[3]: ("truoc_han", 1, 9),
        D[4]: ("truoc_han", 2, 9), D[5]: ("qua_han", 2, 9), D[6]: ("truoc_han", 1, 7),
        D[7]: ("truoc_han", 1, 9)}
    # the supplement pause spanned 30/8–2/9 (days off): the due moved by 2 working days only
    assert by_code[D[3]].due_at == at("2025-09-05", "09:30")
    assert [(a.agency, a.step, a.used_minutes) for a in by_code[D[2]].agencies] == [
        (SO_TNMT, 1, 420), (UBND, 2, 960)]
    # D7's transfer arrived after its resolution but within tolerance: reordered, not dead-
    # lettered (the DLQ list below has no second illegal_transition). The classification was
    # already published at the resolution and is not re-issued (documented limitation).

    dead = deployment.read("dead-letters", lambda r: len(r) >= 5)
    assert sorted(d.data.reason for d in dead) == [
        "illegal_transition", "invalid_record", "invalid_record", "out_of_order", "unknown_type"]
    assert all(d.data.source_topic == deployment.topic("dossier-lifecycle") for d in dead)

    def final(records):
        latest = {}
        for r in records:
            latest[r.subject] = r.data
        return latest

    snaps = deployment.read("compliance-metrics", lambda r: final(r).get(
        "province:all:quarter_to_date") is not None and final(r)[
        "province:all:quarter_to_date"].values["received"] == 8)
    q = final(snaps)["province:all:quarter_to_date"].values
    assert (q["received"], q["resolved"], q["resolved_truoc_han"], q["resolved_qua_han"]) == (8, 6, 5, 1)
    assert (q["in_progress"], q["ended_unresolved"], q["apology_on_time"], q["apology_late"]) == (1, 1, 1, 1)
    assert q["four_step_dossier_share"] == pytest.approx(1 / 6)
    # Decision 766 2.1: the withdrawn D6 counts (on time, by its end); D8's one open supplement
    # request ended its clock at the request, before its due: 7 of 8, only D5 late
    assert (q["e766_2_1_numerator"], q["e766_2_1_denominator"]) == (7, 8)
