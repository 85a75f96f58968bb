"""Headless Chromium on the live board: `motcua up`, a new at-risk dossier arrives over SSE
(no reload), follow it to its dossier page and its letter, save a screenshot.

Chromium is Debian's (`apt-get install chromium`, done by the Makefile), driven over the
DevTools protocol with `websockets`; nothing is downloaded at run time.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.uprun import UpRun, simulator_ready

pytestmark = pytest.mark.e2e
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-dev-shm-usage", "--window-size=1400,1000"]


class Navigated(Exception):
    """Chromium dropped an evaluation because its page navigated away meanwhile."""


class Browser:
    """One headless Chromium page over CDP (synchronous)."""

    def __init__(self, profile: Path) -> None:
        from websockets.sync.client import connect

        self.proc = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        port = self._devtools_port()
        page = next(t for t in self._json(port, "list") if t["type"] == "page")
        self._conn = connect(page["webSocketDebuggerUrl"], max_size=50_000_000, open_timeout=10)
        self.ws = self._conn.__enter__()
        self._id = 0

    def _devtools_port(self) -> int:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            m = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if m:
                return int(m.group(1))
            if not line and self.proc.poll() is not None:
                break
        raise AssertionError("chromium did not open its DevTools port")

    @staticmethod
    def _json(port: int, what: str) -> list[dict]:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/{what}", timeout=5) as r:
            return json.load(r)

    def call(self, method: str, **params) -> dict:
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv(timeout=30))
            if msg.get("id") == self._id:
                if "navigated or closed" in msg.get("error", {}).get("message", ""):
                    raise Navigated(msg["error"]["message"])
                assert "error" not in msg, msg
                return msg["result"]

    def js(self, expression: str):
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                        awaitPromise=True)
        assert "exceptionDetails" not in res, res
        return res["result"].get("value")

    def until(self, expression: str, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = self.js(expression)
            except Navigated:  # the page was left while evaluating: ask the next one
                value = None
            if value:
                return value
            time.sleep(0.25)
        raise AssertionError(f"timed out waiting for {what}")

    def goto(self, url: str) -> None:
        self.call("Page.navigate", url=url)
        self.until("document.readyState === 'complete' && location.href !== 'about:blank'", 15,
                   "page load")

    def screenshot(self, path: Path) -> None:
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc.stderr.close()


def _feed_at_risk(bootstrap: str, n: int) -> str:
    """Without the simulator: publish one received dossier whose apology deadline has passed,
    so the real worker flags it and the real letter sink drafts its letter."""
    from kafka import KafkaProducer

    from schemas.cloudevents import to_record
    from sinks.board import scenario as S

    code = S.dossier_code(S.AGENCY_XD, n)
    now = dt.datetime.now(S.VN).replace(microsecond=0)
    event = S.received(code, S.AGENCY_XD, now - dt.timedelta(days=10), days=5)
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    rec = to_record(event)
    producer.send("dossier-lifecycle", key=rec.key, value=rec.value, headers=rec.headers)
    producer.flush()
    producer.close()
    return code


ROWS = "[...document.querySelectorAll('#at-risk tbody tr')].map(r => r.dataset.code)"


def _check_evaluation(browser: Browser, tmp_path: Path) -> None:
    """The Decision 766 panel, live: every unit with its six groups (maxima 18, 20, 12, 10, 18,
    22), a unit opened on its indicators and the dossiers that cost points, in both languages."""
    browser.until("document.querySelectorAll('#e766 details.unit766').length > 0", 120,
                  "a unit's Decision 766 score on the board")
    maxima = browser.js("[...document.querySelectorAll('#e766 details.unit766')].map(d =>"
                        " [...d.querySelectorAll('.u-group')].map(g => g.textContent.split('/')[1]))")
    assert maxima and all(m == ["18", "20", "12", "10", "18", "22"] for m in maxima), maxima
    browser.js("document.querySelector('#e766 details.unit766').open = true")
    rows = browser.until("(() => { const d = document.querySelector('#e766 details[open]');"
                         " return d && [...d.querySelectorAll('table.indicators tr[data-code]')]"
                         ".map(r => r.innerText); })()", 10, "the indicator breakdown")
    assert len(rows) == 22 and rows[0].startswith("1.1") and any(
        r.startswith("2.1 Dossiers on time") for r in rows), rows
    assert any("Not computable here" in r for r in rows if r.startswith("1.4")), rows
    assert browser.js("document.querySelector('#e766 details[open] h4').textContent") == \
        "Dossiers that cost points"
    browser.js("document.querySelector('#e766 details[open]').scrollIntoView()")
    browser.screenshot(tmp_path / "evaluation.png")
    browser.js("document.querySelector('#lang').click()")
    browser.until("document.querySelector('#e766 details[open] h4') &&"
                  " document.querySelector('#e766 details[open] h4').textContent"
                  " === 'Hồ sơ làm mất điểm'", 10, "the panel in Vietnamese, still open")
    assert browser.js("document.querySelector('[data-i18n=evalTitle]').textContent").startswith(
        "Đánh giá theo Quyết định 766")


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian chromium (the Makefile installs it)")
def test_live_board_in_chromium_follows_a_new_at_risk_dossier_to_its_letter(tmp_path):
    sim = simulator_ready()
    up = UpRun(tmp_path / "var", "--duration", "240", *(() if sim else ("--no-simulator",)))
    browser = None
    try:
        up.wait_line("ready: motcua up", timeout=120)
        info = up.run_info()
        browser = Browser(tmp_path / "profile")
        browser.goto(info["board_url"])
        browser.until("document.body.dataset.version !== undefined", 20, "the first SSE update")
        assert browser.js("document.documentElement.lang") == "vi"
        browser.js("window.__sameDocument = 1")
        before = set(browser.js(ROWS))
        if not sim:
            _feed_at_risk(info["kafka_bootstrap"], 4242)
        # find a row that arrived after the page loaded, read its countdown, click through to
        # its dossier page: one evaluation, since a fast simulation moves rows on quickly
        found = browser.until(
            f"(() => {{ const known = new Set({json.dumps(sorted(before))});"
            "  const row = [...document.querySelectorAll('#at-risk tbody tr')]"
            "               .find(r => !known.has(r.dataset.code));"
            "  if (!row) return null;"
            "  const out = [row.dataset.code, row.querySelector('td.countdown').textContent];"
            "  row.querySelector('a.dossier-link').click(); return out; })()", 150,
            "a new at-risk dossier on the board")
        code, countdown = found
        assert browser.js("window.__sameDocument") == 1, "the page reloaded"
        assert re.search(r"(còn|đã qua) ", countdown), countdown
        browser.until(f"!document.querySelector('#view-dossier').hidden && "
                      f"document.querySelector('#d-code').textContent === {json.dumps(code)}", 10,
                      "the dossier page")
        browser.until("document.querySelectorAll('#d-timeline li').length > 0", 10, "its timeline")
        href = browser.until("(document.querySelector('#d-letters a.letter-link') || {}).href", 90,
                             "the dossier's letter link")
        browser.screenshot(tmp_path / "dossier.png")
        browser.js("history.back()")
        browser.until("!document.querySelector('#view-home').hidden", 10, "back to the board")
        browser.screenshot(tmp_path / "board.png")
        browser.js("history.forward()")
        browser.until(f"fetch({json.dumps(href)}).then(r => r.ok)", 60, "the letter file")
        # found and clicked in one evaluation: the dossier view re-renders after history.forward(),
        # so a link found by one call can be gone by the next
        browser.until("(() => { const a = document.querySelector('#d-letters a.letter-link');"
                      "  if (!a) return null; a.click(); return true; })()", 10, "the letter link")
        browser.until(f"location.href === {json.dumps(href)} && document.readyState === 'complete'",
                      15, "the letter page")
        text = browser.js("document.body.innerText")
        assert code in text and "xin lỗi" in text.lower(), text[:500]
        browser.screenshot(tmp_path / "letter.png")

        browser.goto(info["board_url"])
        browser.js("document.querySelector('#lang').click()")
        assert browser.js("document.querySelector('h1').textContent") == "One-stop operations board"
        _check_evaluation(browser, tmp_path)
    finally:
        if browser:
            browser.close()
        up.proc.send_signal(2)
        try:
            up.wait(timeout=90)
        finally:
            up.kill()
    assert (tmp_path / "letter.png").stat().st_size > 10_000
    assert up.wait_line("summary:", timeout=1)
