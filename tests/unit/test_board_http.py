"""The board's HTTP layer on a local socket: page, API, SSE, letters, token, /metrics."""

import json
import shutil
import subprocess
import threading
import urllib.error
import urllib.request

import pytest

from motcua.observability import new_registry
from sinks.board import scenario as S
from sinks.board.http import BoardHTTPServer
from sinks.board.service import BoardConfig, BoardService

A = S.dossier_code(S.AGENCY_XD, 1)


@pytest.fixture
def board(tmp_path):
    servers = []

    def make(token=None, events=None):
        (tmp_path / "letters").mkdir(exist_ok=True)
        config = BoardConfig("127.0.0.1", 0, tmp_path / "letters", ("t",), token=token,
                             min_push_interval_s=0.05)
        service = BoardService(config, {}, new_registry())
        service.apply([("t", e) for e in (S.scenario() if events is None else events)])
        server = BoardHTTPServer(service)
        server.serve_in_thread()
        servers.append((server, service))
        return server, service
    yield make
    for server, service in servers:
        service.stopping.set()
        server.shutdown()
        server.server_close()


def _get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_page_and_static_assets_are_served_without_any_cdn(board):
    server, _ = board()
    status, headers, body = _get(server.url)
    assert status == 200 and "Bảng điều hành".encode() in body
    assert b"http://" not in body and b"https://" not in body
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    for asset in ("board.js", "i18n.js", "board.css", "uplot.iife.min.js", "uplot.LICENSE.txt"):
        assert _get(server.url + "static/" + asset)[0] == 200, asset
    assert _get(server.url + "static/../http.py")[0] == 404


def test_state_and_dossier_api(board):
    server, _ = board()
    state = json.loads(_get(server.url + "api/state")[2])
    assert [r["code"] for r in state["at_risk"]] == [A]
    detail = json.loads(_get(server.url + "api/dossier/" + A)[2])
    assert detail["letters"][0]["letter_id"] == f"L-{A}-1"
    assert _get(server.url + "api/dossier/000.00.15.H47-251103-9999")[0] == 404


def test_sse_pushes_a_new_at_risk_dossier_without_polling(board):
    server, service = board()
    got = []
    with urllib.request.urlopen(server.url + "events", timeout=5) as stream:
        def read():
            for line in stream:
                if line.startswith(b"data: "):
                    got.append(json.loads(line[6:]))
                    if len(got) == 2:
                        return
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        new = S.dossier_code(S.AGENCY_XD, 42)
        for _ in range(50):
            if got:
                break
            reader.join(0.05)
        service.apply([("t", S.at_risk(new, S.AGENCY_XD, S.T0 + 2 * S.dt.timedelta(days=1)))])
        reader.join(5)
    assert len(got) == 2
    assert new not in {r["code"] for r in got[0]["at_risk"]}
    assert new in {r["code"] for r in got[1]["at_risk"]}


def test_letter_file_is_served_by_letter_id_only(board, tmp_path):
    server, _ = board()
    assert _get(server.url + f"letters/L-{A}-1")[0] == 404
    (tmp_path / "letters" / f"L-{A}-1.html").write_text("<p>Phiếu xin lỗi</p>", encoding="utf-8")
    status, headers, body = _get(server.url + f"letters/L-{A}-1")
    assert status == 200 and "Phiếu xin lỗi".encode() in body
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert _get(server.url + "letters/..%2Fhttp")[0] == 404


def test_token_is_required_when_configured(board):
    server, _ = board(token="s3cret")
    assert _get(server.url)[0] == 401
    assert _get(server.url + "api/state", {"Authorization": "Bearer wrong"})[0] == 401
    assert _get(server.url + "api/state", {"Authorization": "Bearer s3cret"})[0] == 200
    status, headers, _ = _get(server.url + "?token=s3cret")
    assert status == 200 and "HttpOnly" in headers["Set-Cookie"]
    assert _get(server.url + "api/state", {"Cookie": "motcua_board_token=s3cret"})[0] == 200
    assert _get(server.url + "api/state", {"Cookie": "motcua_board_token=nope"})[0] == 401
    assert _get(server.url + "healthz")[0] == 200


def test_binding_beyond_loopback_without_token_is_refused(tmp_path):
    with pytest.raises(ValueError, match="MOTCUA_BOARD_TOKEN"):
        BoardService(BoardConfig("0.0.0.0", 0, tmp_path, ("t",)), {}, new_registry())
    assert BoardConfig("::1", 0, tmp_path, ("t",)).needs_token is False
    assert BoardConfig("10.1.2.3", 0, tmp_path, ("t",)).needs_token is True


def test_metrics_page_passes_promtool(board):
    server, _ = board()
    status, _, page = _get(server.url + "metrics")
    assert status == 200 and b"motcua_dossiers_at_risk_open" in page
    promtool = shutil.which("promtool")
    assert promtool, "promtool missing: apt-get install prometheus (the Makefile does)"
    res = subprocess.run([promtool, "check", "metrics"], input=page, capture_output=True)
    assert res.returncode == 0, res.stdout + res.stderr
