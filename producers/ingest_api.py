"""The ingest HTTP API: existing one-stop systems push events (ours or DVCQG records).

Stack: the standard library's ``ThreadingHTTPServer`` (no framework to keep patched).

* ``POST /v1/events`` — one structured CloudEvent (``application/cloudevents+json`` or
  ``application/json``) or an array of them (``application/cloudevents-batch+json``); lifecycle
  types only.
* ``POST /v1/dvcqg`` — one ``HoSoDongBoDVC`` snapshot or an array, mapped like ``replay``.
* ``POST /v1/calendar`` — ``{"date", "kind": "off"|"work", "source", "name"?}``: an operator's
  calendar change, published as ``calendar.changed`` (the same as ``motcua calendar set``; token
  scope ``calendar`` required).
* ``GET /healthz`` (no auth) and ``GET /openapi.json`` (the committed ``openapi.json``).

A request is validated whole: any invalid item → 400 with one ``{index, field, rule}`` per
problem and nothing stored. Otherwise all its events are committed to the outbox in one
transaction and only then answered 202 with their ids. 401 no/unknown bearer token, 403 token
without the endpoint's scope, 429 the token's request rate exceeded (``Retry-After``), 411 no
Content-Length, 413 body over the limit, 415 wrong Content-Type, 503 outbox write failed. Re-sending an event with the same id is accepted again
(idempotent; the outbox keeps one row per pending id).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import sqlite3
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from producers.calendar_change import change_event
from producers.dvcqg import Lookup, dossier_key, map_snapshot
from producers.ingest_auth import TokenTable
from producers.ingest_rate import RateLimiter
from producers.publisher import Publisher
from schemas.cloudevents import Event, from_json
from schemas.calendar import CALENDAR_KINDS, CalendarChanged
from schemas.errors import ContractError
from schemas.registry import EVENT_TYPES
from schemas.topics import FEEDBACK, LIFECYCLE

__all__ = ["OPENAPI_PATH", "IngestService", "Response", "make_server"]

log = logging.getLogger(__name__)
OPENAPI_PATH = Path(__file__).with_name("openapi.json")
MAX_ITEMS = 1000
#: One-stop systems send lifecycle events and citizen feedback (PAKN); derived types are ours.
_OTHER_TYPES = frozenset(e.type for e in EVENT_TYPES if e.topic not in (LIFECYCLE, FEEDBACK))
_EVENT_TYPES = {"application/json", "application/cloudevents+json",
                "application/cloudevents-batch+json"}


@dataclasses.dataclass(frozen=True)
class Response:
    status: int
    body: dict[str, Any]
    headers: tuple[tuple[str, str], ...] = ()


def _error(status: int, message: str, errors: list[dict] | None = None, **extra: Any) -> Response:
    body: dict[str, Any] = {"error": message}
    if errors is not None:
        body["errors"] = errors
    return Response(status, body, tuple(extra.items()))


def _items(body: bytes) -> tuple[list[Any], bool]:
    """Parsed items and whether the body was a single object; raises ContractError."""
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # deep nesting → Recursion
        raise ContractError("", f"is not valid UTF-8 JSON ({exc})") from None
    if isinstance(parsed, dict):
        return [parsed], True
    if not isinstance(parsed, list) or not parsed:
        raise ContractError("", "must be a JSON object or a non-empty array of objects")
    if len(parsed) > MAX_ITEMS:
        raise ContractError("", f"must hold at most {MAX_ITEMS} items")
    return parsed, False


def _problem(index: int | None, exc: ContractError) -> dict[str, Any]:
    return {"index": index, "field": exc.field, "rule": exc.rule}


def _lifecycle_event(obj: Any) -> Event:
    kind = obj.get("type") if isinstance(obj, dict) else None
    if isinstance(kind, str) and kind in _OTHER_TYPES:
        raise ContractError("type", f"{kind} is not a lifecycle or feedback event; not accepted here")
    return from_json(obj)


def calendar_event(obj: Any) -> Event:
    """The ``calendar.changed`` event of a request body; ContractError names the bad field."""
    if not isinstance(obj, dict):
        raise ContractError("", "must be a JSON object")
    for field in ("date", "kind", "source"):
        if not isinstance(obj.get(field), str) or not obj[field].strip():
            raise ContractError(field, "is required (a string)")
    if obj["kind"] not in CALENDAR_KINDS:
        raise ContractError("kind", "must be off or work")
    try:
        day = dt.date.fromisoformat(obj["date"])
    except ValueError:
        raise ContractError("date", "must be YYYY-MM-DD") from None
    name = obj.get("name") or f"Thay đổi lịch: {day} {obj['kind']}"
    return change_event(CalendarChanged(day, CALENDAR_KINDS[obj["kind"]],
                                        obj["source"].strip()[:300], str(name)[:300]),
                        "urn:motcua:ingest-api")


class IngestService:
    """Validation and durable acceptance, independent of HTTP."""

    def __init__(self, publisher: Publisher, lookup: Callable[[], Lookup], source: str) -> None:
        self.publisher, self._lookup_factory, self.source = publisher, lookup, source
        self._lookup: Lookup | None = None

    def accept_events(self, body: bytes) -> Response:
        try:
            items, single = _items(body)
        except ContractError as exc:
            return _error(400, "invalid request body", [_problem(None, exc)])
        events, problems = [], []
        for i, obj in enumerate(items):
            try:
                events.append(_lifecycle_event(obj))
            except ContractError as exc:
                problems.append(_problem(i, exc))
        if problems:
            return _error(400, "validation failed", problems)

        def store(db: sqlite3.Connection) -> None:
            self.publisher.publish(events, db)

        return self._commit(store, [e.id for e in events], single)

    def accept_dvcqg(self, body: bytes) -> Response:
        try:
            items, single = _items(body)
        except ContractError as exc:
            return _error(400, "invalid request body", [_problem(None, exc)])
        ids: list[str] = []
        problems: list[dict] = []

        def store(db: sqlite3.Connection) -> None:
            for i, obj in enumerate(items):
                try:
                    ids.extend(self._map_one(obj, db))
                except ContractError as exc:
                    problems.append(_problem(i, exc))
            if problems:
                raise _Rejected()

        try:
            return self._commit(store, ids, single=False)
        except _Rejected:
            return _error(400, "validation failed", problems)

    def accept_calendar(self, body: bytes) -> Response:
        try:
            items, single = _items(body)
            if not single:
                raise ContractError("", "must be one calendar change (a JSON object)")
            event = calendar_event(items[0])
        except ContractError as exc:
            return _error(400, "validation failed", [_problem(None, exc)])

        def store(db: sqlite3.Connection) -> None:
            self.publisher.publish([event], db)

        return self._commit(store, [event.id], single=True)

    def _map_one(self, obj: Any, db: sqlite3.Connection) -> list[str]:
        if self._lookup is None:
            self._lookup = self._lookup_factory()
        outbox = self.publisher.outbox
        key = f"dvcqg:{dossier_key(obj)}"
        state, events = map_snapshot(obj, outbox.load_state(key, db), self._lookup, self.source)
        outbox.save_state(key, state, db)
        self.publisher.publish(events, db)
        return [e.id for e in events]

    def _commit(self, write: Callable[[sqlite3.Connection], None], ids: list[str],
                single: bool) -> Response:
        try:
            with self.publisher.outbox.transaction() as db:
                write(db)
        except sqlite3.Error as exc:
            log.error("outbox write failed: %s", exc)
            return _error(503, "the outbox could not store the events; retry later",
                          **{"Retry-After": "5"})
        self.publisher.wake.set()
        return Response(202, {"id": ids[0]} if single else {"ids": ids})


class _Rejected(Exception):
    """Raised inside a transaction to roll back a request with invalid items."""


def make_server(service: IngestService, tokens: TokenTable, max_bytes: int, host: str, port: int,
                count: Callable[[str, int], None] = lambda endpoint, status: None,
                limiter: RateLimiter | None = None) -> ThreadingHTTPServer:
    """The HTTP server (not started). ``count(endpoint, status)`` observes each response;
    ``limiter`` caps each token's request rate (429)."""
    openapi = OPENAPI_PATH.read_bytes()
    routes = {"/v1/events": ("events", service.accept_events),
              "/v1/dvcqg": ("dvcqg", service.accept_dvcqg),
              "/v1/calendar": ("calendar", service.accept_calendar)}

    class Handler(BaseHTTPRequestHandler):
        server_version = "motcua-ingest"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            log.debug("%s " + format, self.address_string(), *args)

        def _send(self, resp: Response, endpoint: str, raw: bytes | None = None,
                  ctype: str = "application/json") -> None:
            data = raw if raw is not None else json.dumps(resp.body, ensure_ascii=False).encode()
            self.send_response(resp.status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for name, value in resp.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            count(endpoint, resp.status)

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            if self.path == "/healthz":
                pending = service.publisher.outbox.status().pending
                self._send(Response(200, {"status": "ok", "outbox_pending": pending}), "healthz")
            elif self.path == "/openapi.json":
                self._send(Response(200, {}), "openapi", raw=openapi)
            elif self.path in routes:
                self._send(_error(405, "use POST", Allow="POST"), "other")
            else:
                self._send(_error(404, "not found"), "other")

        def do_POST(self) -> None:  # noqa: N802
            if self.path not in routes:
                self._send(_error(405 if self.path in ("/healthz", "/openapi.json") else 404,
                                  "not found"), "other")
                return
            scope, accept = routes[self.path]
            resp = self._check(scope)
            if resp is None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                resp = accept(body)
            self._send(resp, scope)

        def _check(self, scope: str) -> Response | None:
            token = tokens.identify(self.headers.get("Authorization"))
            if token is None:
                self.close_connection = True
                return _error(401, "missing or unknown bearer token",
                              **{"WWW-Authenticate": 'Bearer realm="motcua-ingest"'})
            if scope not in token.scopes:
                self.close_connection = True
                return _error(403, f"token {token.name!r} may not post to {self.path}")
            wait = limiter.allow(token.name) if limiter else 0.0
            if wait:
                self._drain(int(self.headers.get("Content-Length") or 0))
                return _error(429, f"token {token.name!r} exceeds its request rate; retry later",
                              **{"Retry-After": RateLimiter.retry_after(wait)})
            return self._check_body()

        def _check_body(self) -> Response | None:
            length = self.headers.get("Content-Length")
            if length is None or not length.isdigit():
                self.close_connection = True
                return _error(411, "a Content-Length header is required")
            if int(length) > max_bytes:
                self._drain(int(length))
                return _error(413, f"body of {length} bytes exceeds the limit of {max_bytes}")
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype not in _EVENT_TYPES:
                self._drain(int(length))
                return _error(415, "Content-Type must be application/json or "
                                   "application/cloudevents(+batch)+json")
            return None

        def _drain(self, length: int) -> None:
            # Reading a moderately oversized body lets the client see the answer instead of a
            # reset connection; a huge one is not read and the connection is closed.
            self.close_connection = True
            if length <= 16 * max_bytes:
                while length > 0:
                    chunk = self.rfile.read(min(length, 65536))
                    if not chunk:
                        break
                    length -= len(chunk)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
