"""Delivering issued letters: e-mail (SMTP, PDF attached) and a signed webhook (SMS/Zalo gateway).

A :class:`DeliveryWorker` loops over the ``deliveries`` table in its own thread, never in the
consumer loop, so a slow or dead gateway never blocks the pipeline. Each row is claimed
(``pending`` → ``sending``) with a conditional update, then ends ``sent`` (acknowledged: never
attempted again) or goes back to ``pending`` with exponential backoff, ``failed`` after
``max_attempts``. A row left ``sending`` by a crash is retried on start (the gateway is told the
delivery id, ``X-Motcua-Delivery``, to drop that one possible duplicate).

Webhook body: JSON; header ``X-Motcua-Signature: sha256=<hex HMAC-SHA256 of the raw body>``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import smtplib
import threading
import urllib.request
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine, select, update

from sinks.db.tables import deliveries, letter_dossiers, letters
from sinks.letters.content import vn_moment
from sinks.metrics import DeliveryMetrics

__all__ = ["DeliveryWorker", "SmtpSender", "WebhookSender", "sign", "Letter"]

log = logging.getLogger(__name__)


class Letter(Protocol):
    letter_id: str
    dossier_code: str
    pdf_path: str | None
    new_appointment_at: dt.datetime | None


def sign(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of ``body`` with ``secret``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class SmtpSender:
    channel = "email"

    def __init__(self, host: str, port: int, sender: str, timeout: float = 10.0) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout

    def send(self, delivery_id: int, letter: Any, applicant: dict[str, Any]) -> None:
        msg = EmailMessage()
        msg["From"], msg["To"] = self.sender, applicant["email"]
        msg["Subject"] = f"Phiếu xin lỗi và hẹn lại ngày trả kết quả — hồ sơ {letter.dossier_code}"
        msg["X-Motcua-Delivery"] = str(delivery_id)
        msg.set_content(_text(letter, applicant))
        pdf = Path(letter.pdf_path).read_bytes()
        msg.add_attachment(pdf, maintype="application", subtype="pdf",
                           filename=f"{letter.letter_id}.pdf")
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(msg)


class WebhookSender:
    channel = "webhook"

    def __init__(self, url: str, secret: str, timeout: float = 10.0) -> None:
        self.url, self.secret, self.timeout = url, secret, timeout

    def send(self, delivery_id: int, letter: Any, applicant: dict[str, Any]) -> None:
        body = json.dumps({"delivery_id": delivery_id, "letter_id": letter.letter_id,
                           "dossier_code": letter.dossier_code, "phone": applicant.get("phone"),
                           "name": applicant.get("name"), "text": _text(letter, applicant)},
                          ensure_ascii=False).encode()
        req = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Motcua-Signature": sign(self.secret, body), "X-Motcua-Delivery": str(delivery_id)})
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - configured URL
            if not 200 <= resp.status < 300:
                raise OSError(f"webhook answered {resp.status}")


def _text(letter: Any, applicant: dict[str, Any]) -> str:
    when = vn_moment(letter.new_appointment_at) if letter.new_appointment_at else "(sẽ thông báo)"
    return (f"Kính gửi {applicant.get('name') or 'Ông/Bà'}: hồ sơ {letter.dossier_code} chậm so với ngày hẹn. "
            f"Cơ quan xin lỗi và hẹn trả kết quả vào {when}. Phiếu xin lỗi đính kèm.")


class DeliveryWorker:
    def __init__(self, engine: Engine, senders: list[Any], metrics: DeliveryMetrics, *,
                 max_attempts: int = 8, backoff: tuple[float, float] = (5.0, 900.0)) -> None:
        self.engine, self.metrics = engine, metrics
        self.senders = {s.channel: s for s in senders}
        self.max_attempts, self.backoff = max_attempts, backoff

    def recover(self) -> None:
        """Rows a crash left ``sending`` go back to ``pending`` (see the module docstring)."""
        with self.engine.begin() as conn:
            conn.execute(update(deliveries).where(deliveries.c.state == "sending")
                         .values(state="pending"))

    def run_once(self, now: dt.datetime) -> int:
        """Attempt every due delivery of a configured channel; returns how many were attempted."""
        if not self.senders:
            return 0
        q = (select(deliveries.c.id).where(deliveries.c.state == "pending",
                                           deliveries.c.next_attempt_at <= now,
                                           deliveries.c.channel.in_(list(self.senders)))
             .order_by(deliveries.c.id).limit(100))
        with self.engine.connect() as conn:
            ids = [r.id for r in conn.execute(q)]
        return sum(self._attempt(i, now) for i in ids)

    def _claim(self, delivery_id: int) -> Any:
        with self.engine.begin() as conn:
            claimed = conn.execute(update(deliveries).where(
                deliveries.c.id == delivery_id, deliveries.c.state == "pending")
                .values(state="sending")).rowcount
            if claimed != 1:
                return None
            return conn.execute(
                select(deliveries, letters.c.dossier_code, letters.c.pdf_path,
                       letters.c.new_appointment_at, letter_dossiers.c.applicant)
                .join(letters, letters.c.letter_id == deliveries.c.letter_id)
                .join(letter_dossiers, letter_dossiers.c.dossier_code == letters.c.dossier_code)
                .where(deliveries.c.id == delivery_id)).first()

    def _attempt(self, delivery_id: int, now: dt.datetime) -> int:
        row = self._claim(delivery_id)
        if row is None:
            return 0
        try:
            self.senders[row.channel].send(row.id, row, row.applicant)
        except Exception as exc:  # noqa: BLE001 - any failure is a retry
            self._failed(row, now, f"{type(exc).__name__}: {exc}")
            return 1
        with self.engine.begin() as conn:
            conn.execute(update(deliveries).where(deliveries.c.id == row.id).values(
                state="sent", attempts=row.attempts + 1, acknowledged_at=now, last_error=None))
        self.metrics.outcome(row.channel, "sent")
        return 1

    def _failed(self, row: Any, now: dt.datetime, error: str) -> None:
        attempts = row.attempts + 1
        final = attempts >= self.max_attempts
        delay = min(self.backoff[0] * 2 ** (attempts - 1), self.backoff[1])
        with self.engine.begin() as conn:
            conn.execute(update(deliveries).where(deliveries.c.id == row.id).values(
                state="failed" if final else "pending", attempts=attempts, last_error=error[:2000],
                next_attempt_at=now + dt.timedelta(seconds=delay)))
        self.metrics.outcome(row.channel, "failed" if final else "retry")
        log.warning("delivery %s via %s failed (attempt %d): %s", row.id, row.channel, attempts,
                    error.split(":")[0])

    def run(self, stop: threading.Event, interval: float = 1.0) -> None:
        """Loop until ``stop``; DB outages are logged and retried at the next tick."""
        recovered = False
        while not stop.is_set():
            try:
                if not recovered:
                    self.recover()
                    recovered = True
                self.run_once(dt.datetime.now(dt.timezone.utc))
            except Exception as exc:  # noqa: BLE001 - keep delivering after a DB outage
                log.warning("delivery loop: %s", type(exc).__name__)
            stop.wait(interval)
