"""The ingest API over a real loopback socket, with a temporary outbox and no broker."""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import sqlite3
import threading
from pathlib import Path

import pytest

from motcua.settings import SettingsError
from producers.catalog_lookup import CatalogLookup
from producers.ingest_api import OPENAPI_PATH, IngestService, make_server
from producers.ingest_auth import TokenTable
from producers.openapi import render
from producers.outbox import Outbox
from producers.publisher import Publisher
from schemas.cloudevents import Event, from_record, to_json
from schemas.lifecycle import DossierResolved
from stream_processors.core.calendar import default_calendar
from stream_processors.core.catalog_loader import load_catalog

FIXTURE = Path(__file__).parents[1] / "fixtures" / "dvcqg_snapshots.ndjson"
T0 = dt.datetime(2024, 5, 6, 8, tzinfo=dt.timezone(dt.timedelta(hours=7)))
FULL, EVENTS_ONLY = "full-token-0123456789", "events-token-0123456789"
CALENDAR = "calendar-token-0123456789"
TOKENS = f"desk:{FULL},portal:{EVENTS_ONLY}:events,ops:{CALENDAR}:calendar"
LIMIT = 4096


def event(i: int = 1) -> dict:
    code = f"000.00.15.H47-240506-{i:04d}"
    return to_json(Event(id=f"api-{i}", source="urn:desk", time=T0, subject=code,
                         data=DossierResolved(code, "000.00.15.H47")))


class BrokenOutbox(Outbox):
    @contextlib.contextmanager
    def transaction(self):  # noqa: ANN201
        raise sqlite3.OperationalError("disk I/O error")
        yield


@pytest.fixture
def api(tmp_path):
    def start(outbox_cls=Outbox):
        outbox = outbox_cls(tmp_path / "outbox.sqlite")
        service = IngestService(Publisher(outbox), lambda: CatalogLookup(
            load_catalog(), default_calendar()), "urn:ingest")
        server = make_server(service, TokenTable.parse(TOKENS), LIMIT, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return server.server_address[1], outbox
    servers = []
    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def call(port, method, path, body=None, token=FULL, ctype="application/cloudevents+json",
         headers=None):  # noqa: ANN001
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    hdrs = {"Content-Type": ctype, **(headers or {})}
    if token:
        hdrs["Authorization"] = f"Bearer {token}"
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    conn.request(method, path, body=data, headers=hdrs)
    resp = conn.getresponse()
    raw = resp.read()
    conn.close()
    return resp.status, (json.loads(raw) if raw and path != "/openapi.json" else raw), resp


def test_202_only_after_the_outbox_holds_the_event(api):
    port, outbox = api()
    status, body, _ = call(port, "POST", "/v1/events", event(1))
    assert (status, body) == (202, {"id": "api-1"})
    row = outbox.pending()[0]
    assert from_record(row.key, row.value, list(row.headers)).id == "api-1"


def test_batch_and_resend_are_accepted_idempotently(api):
    port, outbox = api()
    batch = [event(1), event(2)]
    assert call(port, "POST", "/v1/events", batch, ctype="application/cloudevents-batch+json")[:2] \
        == (202, {"ids": ["api-1", "api-2"]})
    assert call(port, "POST", "/v1/events", event(2))[0] == 202
    assert outbox.status().pending == 2


def test_malformed_json_is_400(api):
    port, outbox = api()
    status, body, _ = call(port, "POST", "/v1/events", b'{"id": ')
    assert status == 400 and body["errors"][0]["field"] == "" and "JSON" in body["errors"][0]["rule"]
    assert outbox.status().pending == 0


def test_field_errors_name_item_and_field_and_store_nothing(api):
    port, outbox = api()
    bad = event(2)
    bad["data"]["dossier_code"] = "nope"
    status, body, _ = call(port, "POST", "/v1/events", [event(1), bad, {"specversion": "1.0"}])
    assert status == 400
    assert [(e["index"], e["field"]) for e in body["errors"]] == [
        (1, "data.dossier_code"), (2, "ce_id")]
    assert outbox.status().pending == 0


def test_non_lifecycle_types_are_refused(api):
    port, _ = api()
    status, body, _ = call(port, "POST", "/v1/events", dict(event(), type="dossier.at_risk"))
    assert status == 400 and body["errors"][0]["field"] == "type"


@pytest.mark.parametrize("token", [None, "wrong-token-0123456789", FULL[:-1], FULL + "x"])
def test_missing_or_wrong_token_is_401(api, token):
    port, outbox = api()
    status, _, resp = call(port, "POST", "/v1/events", event(), token=token)
    assert status == 401 and resp.getheader("WWW-Authenticate", "").startswith("Bearer")
    assert outbox.status().pending == 0


def test_basic_auth_scheme_is_401(api):
    port, _ = api()
    status, *_ = call(port, "POST", "/v1/events", event(), token=None,
                      headers={"Authorization": f"Basic {FULL}"})
    assert status == 401


def test_token_without_scope_is_403(api):
    port, _ = api()
    assert call(port, "POST", "/v1/events", event(), token=EVENTS_ONLY)[0] == 202
    rec = json.loads(FIXTURE.read_text().splitlines()[0])
    assert call(port, "POST", "/v1/dvcqg", rec, token=EVENTS_ONLY, ctype="application/json")[0] == 403


def test_oversize_body_is_413(api):
    port, outbox = api()
    status, body, _ = call(port, "POST", "/v1/events", b"[" + b" " * (LIMIT * 2) + b"]")
    assert status == 413 and str(LIMIT) in body["error"]
    assert outbox.status().pending == 0


def test_missing_length_is_411_and_wrong_type_is_415(api):
    port, _ = api()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest("POST", "/v1/events")
    conn.putheader("Authorization", f"Bearer {FULL}")
    conn.endheaders()
    assert conn.getresponse().status == 411
    conn.close()
    assert call(port, "POST", "/v1/events", event(), ctype="text/plain")[0] == 415


def test_outbox_failure_is_503(api):
    port, _ = api(BrokenOutbox)
    status, _, resp = call(port, "POST", "/v1/events", event())
    assert status == 503 and resp.getheader("Retry-After") == "5"


def test_unknown_path_404_wrong_method_405(api):
    port, _ = api()
    assert call(port, "POST", "/v2/nothing", event())[0] == 404
    assert call(port, "GET", "/v1/events")[0] == 405


def test_dvcqg_snapshots_map_and_commit_state(api):
    port, outbox = api()
    lines = [json.loads(x) for x in FIXTURE.read_text().splitlines() if x.strip()]
    status, body, _ = call(port, "POST", "/v1/dvcqg", lines[:2], ctype="application/json")
    assert status == 202 and len(body["ids"]) == 2  # submitted, received
    status, body, _ = call(port, "POST", "/v1/dvcqg", lines[3], ctype="application/json")
    assert status == 202 and len(body["ids"]) == 1  # the supplement request only
    bad = dict(lines[6], NgayTra="31/12/2024")
    status, body, _ = call(port, "POST", "/v1/dvcqg", [lines[4], bad], ctype="application/json")
    assert status == 400 and body["errors"] == [
        {"index": 1, "field": "NgayTra", "rule": body["errors"][0]["rule"]}]
    assert outbox.status().pending == 3  # the valid item of a rejected request is not stored


def test_healthz_and_openapi(api):
    port, _ = api()
    status, body, _ = call(port, "GET", "/healthz", token=None)
    assert (status, body) == (200, {"status": "ok", "outbox_pending": 0})
    status, raw, _ = call(port, "GET", "/openapi.json", token=None)
    assert status == 200 and raw == OPENAPI_PATH.read_bytes()
    doc = json.loads(raw)
    assert {"/v1/events", "/v1/dvcqg", "/healthz"} <= set(doc["paths"])
    assert set(doc["paths"]["/v1/events"]["post"]["responses"]) >= {"202", "400", "401", "403", "413"}


def test_committed_openapi_is_current():
    assert OPENAPI_PATH.read_text(encoding="utf-8") == render(), "run python -m producers.openapi"


@pytest.mark.parametrize("text", ["desk", "desk:short", f"desk:{FULL}:admin", f":{FULL}"])
def test_bad_token_config_is_refused_without_echoing_secrets(text):
    with pytest.raises(SettingsError) as err:
        TokenTable.parse(text)
    assert FULL not in str(err.value)


def test_citizen_feedback_and_fee_payment_are_accepted_onto_their_topics(api):
    from schemas.feedback import FeedbackReceived
    from schemas.lifecycle import FeePaid

    port, outbox = api()
    code = "000.00.15.H47-240506-0001"
    pakn = to_json(Event(id="pakn-1", source="urn:pakn", time=T0, subject="PAKN-1",
                         data=FeedbackReceived("PAKN-1", "000.00.15.H47", "Chậm trả kết quả")))
    paid = to_json(Event(id="paid-1", source="urn:desk", time=T0, subject=code,
                         data=FeePaid(code, True, 150000)))
    status, body, _ = call(port, "POST", "/v1/events", [pakn, paid],
                           ctype="application/cloudevents-batch+json")
    assert (status, body) == (202, {"ids": ["pakn-1", "paid-1"]})
    assert sorted(r.topic for r in outbox.pending()) == ["citizen-feedback", "dossier-lifecycle"]


def test_a_calendar_change_needs_the_calendar_scope_and_is_idempotent(api):
    port, outbox = api()
    change = {"date": "2027-02-15", "kind": "off", "source": "TB 1/TB-BNV (ví dụ)"}
    assert call(port, "POST", "/v1/calendar", change, ctype="application/json")[0] == 403
    status, body, _ = call(port, "POST", "/v1/calendar", change, token=CALENDAR,
                           ctype="application/json")
    again = call(port, "POST", "/v1/calendar", change, token=CALENDAR, ctype="application/json")
    assert status == 202 and again[1] == body and outbox.status().pending == 1
    row = outbox.pending()[0]
    event = from_record(row.key, row.value, list(row.headers))
    assert (event.type, event.subject, event.data.kind) == (
        "calendar.changed", "2027-02-15:province", "day_off")
    assert row.topic == "calendar-changes"
    bad = call(port, "POST", "/v1/calendar", {**change, "kind": "maybe"}, token=CALENDAR,
               ctype="application/json")
    assert bad[0] == 400 and bad[1]["errors"][0]["field"] == "kind"
