"""HTTP layer of the board (stdlib ``http.server``): page, JSON API, SSE, letters, /metrics.

Read-only: every route is GET/HEAD. When bound beyond loopback every route but ``/healthz``
needs the token — ``Authorization: Bearer <token>``, or ``?token=`` once, which sets an HttpOnly
cookie so the page's EventSource (which cannot send headers) is authorised too.
"""

from __future__ import annotations

import hmac
import http.server
import json
import threading
import urllib.parse
from http import HTTPStatus
from http.cookies import SimpleCookie
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from sinks.board.service import BoardService

__all__ = ["BoardHTTPServer"]

STATIC = Path(__file__).with_name("static")
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8", ".txt": "text/plain; charset=utf-8"}
_PAGE_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'"
_LETTER_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data: 'self'"
_COOKIE = "motcua_board_token"


class BoardHTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, service: BoardService) -> None:
        self.service = service
        super().__init__((service.config.host, service.config.port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"

    def serve_in_thread(self) -> threading.Thread:
        t = threading.Thread(target=self.serve_forever, name="board-http", daemon=True)
        t.start()
        return t


class _Handler(http.server.BaseHTTPRequestHandler):
    server: BoardHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *_args: object) -> None:  # access logs would carry dossier codes
        pass

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        path = urllib.parse.unquote(url.path)
        if path == "/healthz":
            return self._send(200, b"ok\n", _TYPES[".txt"])
        if not self._authorised(query):
            return self._send(401, b"token required\n", _TYPES[".txt"],
                              {"WWW-Authenticate": 'Bearer realm="motcua-board"'})
        route = self._route(path)
        if route is None:
            return self._send(404, b"not found\n", _TYPES[".txt"])
        route(path)

    def _route(self, path: str):  # noqa: ANN202
        if path in ("/", "/index.html"):
            return lambda _p: self._static("index.html")
        for prefix, fn in (("/static/", lambda p: self._static(p[len("/static/"):])),
                           ("/api/dossier/", self._dossier), ("/letters/", self._letter)):
            if path.startswith(prefix):
                return fn
        return {"/api/state": self._state, "/api/summary": self._summary, "/events": self._events,
                "/metrics": self._metrics}.get(path)

    # --- auth -----------------------------------------------------------------------------
    def _authorised(self, query: dict[str, list[str]]) -> bool:
        token = self.server.service.config.token
        if not self.server.service.config.needs_token and not token:
            return True
        offered = [v for v in query.get("token", [])]
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            offered.append(auth[7:])
        cookie = SimpleCookie(self.headers.get("Cookie", ""))
        if _COOKIE in cookie:
            offered.append(cookie[_COOKIE].value)
        ok = any(hmac.compare_digest(o.encode(), (token or "").encode()) for o in offered)
        if ok and query.get("token"):
            self._set_cookie = f"{_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"
        return ok

    # --- routes ---------------------------------------------------------------------------
    def _static(self, name: str) -> None:
        files = {p.name: p for p in STATIC.iterdir() if p.is_file()}
        path = files.get(name)
        if path is None:
            return self._send(404, b"not found\n", _TYPES[".txt"])
        ctype = _TYPES.get(path.suffix, "application/octet-stream")
        self._send(200, path.read_bytes(), ctype, {"Content-Security-Policy": _PAGE_CSP})

    def _state(self, _path: str) -> None:
        self._send(200, self.server.service.state_json()[1], "application/json")

    def _summary(self, _path: str) -> None:
        self._json(200, self.server.service.summary())

    def _dossier(self, path: str) -> None:
        detail = self.server.service.dossier(path[len("/api/dossier/"):])
        self._json(200, detail) if detail else self._json(404, {"error": "unknown dossier"})

    def _letter(self, path: str) -> None:
        found = self.server.service.letter_file(path[len("/letters/"):])
        if found is None:
            return self._send(404, b"letter file not written yet\n", _TYPES[".txt"])
        self._send(200, found.read_bytes(), _TYPES[".html"], {"Content-Security-Policy": _LETTER_CSP})

    def _metrics(self, _path: str) -> None:
        self.server.service.refresh_metrics()
        self._send(200, generate_latest(self.server.service.registry), CONTENT_TYPE_LATEST)

    def _events(self, _path: str) -> None:
        """Server-sent events: one ``state`` message per model change, throttled."""
        service = self.server.service
        self.send_response(200)
        for k, v in {"Content-Type": "text/event-stream", "Cache-Control": "no-store",
                     "Connection": "close", "X-Accel-Buffering": "no"}.items():
            self.send_header(k, v)
        self.end_headers()
        self.close_connection = True
        service.metrics.sse_clients.inc()
        try:
            self._stream(service)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            service.metrics.sse_clients.dec()

    def _stream(self, service: BoardService) -> None:
        version = -1
        while not service.stopping.is_set():
            if service.wait_change(version, timeout=15.0):
                if service.stopping.is_set():
                    return
                version, body = service.state_json()
                self.wfile.write(b"event: state\ndata: " + body + b"\n\n")
            else:
                self.wfile.write(b": keep-alive\n\n")
            self.wfile.flush()
            service.stopping.wait(service.config.min_push_interval_s)

    # --- helpers --------------------------------------------------------------------------
    def _json(self, status: int, obj: object) -> None:
        self._send(status, json.dumps(obj, ensure_ascii=False).encode(), "application/json")

    def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(HTTPStatus(status))
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        if getattr(self, "_set_cookie", None):
            self.send_header("Set-Cookie", self._set_cookie)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
