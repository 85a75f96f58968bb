"""`motcua calendar set` of a Tết 2027 swap on a running pipeline: the affected open dossier gets
a new due version, its old flags are withdrawn, the new ones follow, and nothing doubles when the
same change is published again."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from tests.dossier_events import heartbeat, received
from tests.worker_harness import Deployment

pytestmark = pytest.mark.integration
VN = dt.timezone(dt.timedelta(hours=7))
CODE = "000.00.15.H47-270201-0001"
OTHER = "000.00.15.H47-270104-0002"  # due before Tết: untouched


def at(day: str, hhmm: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hhmm}:00+07:00")


@pytest.fixture
def deployment(kafka_bootstrap, unique, state_dir):
    dep = Deployment(kafka_bootstrap, unique, state_dir)
    yield dep
    dep.close()


def calendar_set(deployment: Deployment) -> None:
    run = subprocess.run([sys.executable, "-m", "motcua", "calendar", "set", "2027-02-15", "off",
                          "--source", "TB thử nghiệm/TB-BNV (ví dụ)"], env=deployment.env(),
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr


def flags_of(records) -> list[tuple]:
    return sorted((r.type, r.data.due_version, getattr(r.data, "new_due_version", None))
                  for r in records if r.subject == CODE)


def test_a_calendar_change_reissues_the_open_dossiers_due(deployment):
    deployment.start_worker("a")
    deployment.send([received(CODE, at("2027-02-01", "09:00"), days=10),  # due Mon 22/2 09:00
                     received(OTHER, at("2027-01-04", "09:00"), days=2),
                     heartbeat(at("2027-02-22", "10:00"))])
    deployment.read("dossier-flags", lambda r: len(flags_of(r)) >= 2)

    calendar_set(deployment)  # Mon 15/2 off: due Tue 23/2 09:00
    records = deployment.read("dossier-flags", lambda r: len(flags_of(r)) >= 4)
    withdrawn = [r.data for r in records if r.type == "dossier.flags_withdrawn"]
    assert [(w.dossier_code, w.due_version, w.new_due_version, w.due_at, sorted(w.withdrawn))
            for w in withdrawn] == [(CODE, 1, 2, at("2027-02-23", "09:00"),
                                     ["at_risk", "overdue"])]
    assert "TB thử nghiệm/TB-BNV" in withdrawn[0].reason

    calendar_set(deployment)  # the same change again: nothing re-issued
    deployment.send([heartbeat(at("2027-02-23", "10:00"))])
    records = deployment.read("dossier-flags", lambda r: len(flags_of(r)) >= 5)
    assert flags_of(records) == [("dossier.at_risk", 1, None), ("dossier.at_risk", 2, None),
                                 ("dossier.flags_withdrawn", 1, 2),
                                 ("dossier.overdue", 1, None), ("dossier.overdue", 2, None)]
    assert not any(r.type == "dossier.flags_withdrawn" and r.subject == OTHER for r in records)
    history = subprocess.run([sys.executable, "-m", "motcua", "calendar", "history"],
                             env=deployment.env(), capture_output=True, text=True, timeout=60)
    lines = history.stdout.splitlines()
    assert len(lines) == 2 and all("\t2027-02-15\tday_off\tprovince\tTB thử nghiệm" in x
                                   for x in lines)
