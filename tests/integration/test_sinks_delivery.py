"""Letter delivery against a real local SMTP server (aiosmtpd) and a local signed-webhook server."""

from __future__ import annotations

import datetime as dt
import email
import hashlib
import hmac
import http.server
import json
import threading
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from prometheus_client import CollectorRegistry
from sqlalchemy import select

from sinks.base import Envelope
from sinks.db.tables import deliveries
from sinks.letters.delivery import DeliveryWorker, SmtpSender, WebhookSender
from sinks.letters.files import LetterFiles
from sinks.letters.sink import LetterSink
from sinks.metrics import DeliveryMetrics
from motcua.orchestrator import free_port as _free_port
from tests.unit.test_letter_sink import CODE, DEADLINE, apology, at_risk, received

pytestmark = pytest.mark.integration
SECRET = "s3cret"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


class Gateway(http.server.BaseHTTPRequestHandler):
    received: list[dict] = []
    fail_first = 1

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        good = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        if self.headers["X-Motcua-Signature"] != good:
            self.send_response(401)
        elif Gateway.fail_first > 0:
            Gateway.fail_first -= 1
            self.send_response(503)
        else:
            Gateway.received.append(json.loads(body))
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:  # noqa: ANN002
        pass


def test_email_and_webhook_delivery_once(tmp_path: Path) -> None:
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    sink = LetterSink(f"sqlite:///{tmp_path / 'db.sqlite'}", LetterFiles(tmp_path / "letters"))
    sink.setup()
    try:
        sink.write([Envelope(e, "t", 0, i) for i, e in enumerate(
            [received(), at_risk(), apology(DEADLINE - dt.timedelta(hours=1))])])
        registry = CollectorRegistry()
        worker = DeliveryWorker(sink.engine, [
            SmtpSender("127.0.0.1", smtp.port, "motcua@test.vn"),
            WebhookSender(f"http://127.0.0.1:{web.server_port}/hook", SECRET)],
            DeliveryMetrics(registry), backoff=(1.0, 4.0))
        now = dt.datetime.now(dt.timezone.utc)
        assert worker.run_once(now) == 2          # email sent, webhook 503 → retry later
        assert worker.run_once(now) == 0          # the retry is not due yet
        assert worker.run_once(now + dt.timedelta(seconds=2)) == 1
        assert worker.run_once(now + dt.timedelta(hours=1)) == 0  # acknowledged: never again
        with sink.engine.connect() as conn:
            states = {r.channel: (r.state, r.attempts) for r in conn.execute(select(deliveries))}
        assert states == {"email": ("sent", 1), "webhook": ("sent", 2)}
        [msg] = inbox.messages
        assert msg["To"] == "anh@example.vn" and CODE in msg["Subject"]
        [pdf] = [p for p in msg.walk() if p.get_content_type() == "application/pdf"]
        assert pdf.get_payload(decode=True).startswith(b"%PDF")
        [hook] = Gateway.received
        assert hook["dossier_code"] == CODE and hook["phone"] == "0905 123 456"
        assert registry.get_sample_value("motcua_letter_deliveries_total",
                                         {"channel": "webhook", "outcome": "retry"}) == 1
    finally:
        sink.close()
        smtp.stop()
        web.shutdown()
        web.server_close()
