"""Security properties (issue 9 item 3) that need no broker: the ingest API and the board refuse
missing/wrong tokens, cap request sizes and rates, bind to loopback by default; letters escape
HTML and their files cannot leave the letters directory; Kafka SASL/TLS settings reach every
client the code base builds."""

from __future__ import annotations

import ast
import http.client
import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from motcua.kafka import aiokafka_config, faust_config, kafka_python_config
from motcua.settings import Settings
from producers.ingest_api import IngestService, make_server
from producers.ingest_auth import TokenTable
from producers.ingest_rate import RateLimiter
from producers.outbox import Outbox
from producers.publisher import Publisher, producer_config
from sinks.board.http import BoardHTTPServer
from sinks.board.service import BoardConfig, BoardService
from sinks.letters.content import letter_id
from sinks.letters.files import LetterFiles
from tests.unit.test_ingest_api import event

ROOT = Path(__file__).parents[2]
SECRET, OTHER = "s3cret-token-0123456789", "portal-token-0123456789"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ingest(tmp_path):
    servers = []

    def start(limiter=None, max_bytes=4096):  # noqa: ANN001, ANN202
        service = IngestService(Publisher(Outbox(tmp_path / "outbox.sqlite")), lambda: None, "u")
        tokens = TokenTable.parse(f"desk:{SECRET},portal:{OTHER}:dvcqg")
        server = make_server(service, tokens, max_bytes, "127.0.0.1", 0, limiter=limiter)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return server.server_address[1]
    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def post(port: int, body: bytes, token: str | None = SECRET, path: str = "/v1/events"):  # noqa: ANN201
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request("POST", path, body=body, headers=headers)
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


def test_ingest_refuses_missing_wrong_and_unscoped_tokens(ingest) -> None:
    port, body = ingest(), json.dumps(event()).encode()
    for token in (None, "", "wrong-token-0123456789", SECRET[:-1], SECRET + "x", f"{SECRET} x"):
        status, headers, _ = post(port, body, token)
        assert status == 401 and "Bearer" in headers["WWW-Authenticate"], token
    assert post(port, body, OTHER)[0] == 403          # a dvcqg-only token
    assert post(port, body, SECRET)[0] == 202


def test_ingest_caps_the_body_and_survives_pathological_json(ingest) -> None:
    port = ingest(max_bytes=65536)
    assert post(port, b"[" + b" " * 70000 + b"]")[0] == 413
    status, _, answer = post(port, b"[" * 30000 + b"]" * 30000)  # deep nesting: 400, no crash
    assert status == 400 and json.loads(answer)["error"]
    assert post(port, json.dumps(event(2)).encode())[0] == 202  # and the server is still up


def test_ingest_limits_each_tokens_request_rate(ingest) -> None:
    clock = Clock()
    port, body = ingest(limiter=RateLimiter(2.0, burst=3, clock=clock)), json.dumps(event()).encode()
    assert [post(port, body)[0] for _ in range(3)] == [202, 202, 202]   # the burst
    status, headers, _ = post(port, body)
    assert status == 429 and int(headers["Retry-After"]) >= 1
    assert post(port, body, OTHER)[0] == 403    # buckets are per token: portal is not limited
    clock.now += 0.5                            # one request per 0.5 s at 2/s
    assert [post(port, body)[0] for _ in range(2)] == [202, 429]


def test_rate_limiter_refills_and_zero_disables() -> None:
    clock = Clock()
    limiter = RateLimiter(10.0, burst=1, clock=clock)
    assert limiter.allow("a") == 0 and limiter.allow("a") == pytest.approx(0.1)
    clock.now = 0.1
    assert limiter.allow("a") == 0
    assert all(RateLimiter(0).allow("a") == 0 for _ in range(1000))


def test_every_listener_binds_to_loopback_by_default() -> None:
    s = Settings.from_env({})
    assert (s.ingest_host, s.board_host, s.metrics_host) == ("127.0.0.1",) * 3
    assert s.ingest_rate_per_s > 0 and s.ingest_max_bytes <= 1 << 20


def _board(tmp_path: Path, host: str = "127.0.0.1", token: str | None = None) -> BoardHTTPServer:
    (tmp_path / "letters").mkdir(exist_ok=True)
    (tmp_path / "secret.html").write_text("outside the letters directory")
    config = BoardConfig(host, 0, tmp_path / "letters", ("t",), token=token)
    server = BoardHTTPServer(BoardService(config, {}, __import__("prometheus_client").CollectorRegistry()))
    server.serve_in_thread()
    return server


def _get(url: str, headers: dict | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}),
                                    timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_board_refuses_missing_and_wrong_tokens(tmp_path) -> None:
    server = _board(tmp_path, token="board-token-0123456789")
    try:
        for path in ("", "api/state", "metrics", "events", "letters/x"):
            assert _get(server.url + path) == 401, path
            assert _get(server.url + path, {"Authorization": "Bearer nope"}) == 401, path
            assert _get(server.url + f"{path}?token=board-token-012345678") == 401, path
        assert _get(server.url + "api/state",
                    {"Authorization": "Bearer board-token-0123456789"}) == 200
        assert _get(server.url + "healthz") == 200
    finally:
        server.shutdown()
        server.server_close()


def test_board_beyond_loopback_demands_a_token(tmp_path) -> None:
    with pytest.raises(ValueError, match="MOTCUA_BOARD_TOKEN"):
        BoardService(BoardConfig("0.0.0.0", 0, tmp_path, ("t",)), {}, None)


def test_board_letter_route_cannot_leave_the_letters_directory(tmp_path) -> None:
    server = _board(tmp_path)
    try:
        for path in ("../secret", "..%2Fsecret", "%2e%2e/secret", "/etc/passwd", "....//secret"):
            assert _get(server.url + "letters/" + path) == 404, path
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("code", ["../../etc/passwd", "000.00.15.H47-250901-0007/../../x",
                                  "/abs", "000.00.15.H47-250901-0007\x00", ""])
def test_letter_files_cannot_be_steered_outside_the_directory(tmp_path, code) -> None:
    with pytest.raises(ValueError):
        letter_id(code, 1)
    with pytest.raises(ValueError):
        LetterFiles(tmp_path).path(code, "pdf")


# ----------------------------------------------------------------------- Kafka SASL / TLS

def sasl_settings() -> Settings:
    return Settings.from_env({
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KAFKA_SASL_USERNAME": "motcua", "KAFKA_SASL_PASSWORD": "pw-0123456789",
        "KAFKA_SSL_CAFILE": "/etc/ssl/certs/ca-certificates.crt"})


def _assert_secure(cfg: dict) -> None:
    assert cfg["security_protocol"] == "SASL_SSL"
    assert (cfg["sasl_mechanism"], cfg["sasl_plain_username"], cfg["sasl_plain_password"]) == (
        "SCRAM-SHA-512", "motcua", "pw-0123456789")
    assert cfg["ssl_context"].verify_mode.name == "CERT_REQUIRED"
    assert cfg["ssl_context"].check_hostname


def test_sasl_ssl_reaches_kafka_python_aiokafka_and_the_producers() -> None:
    s = sasl_settings()
    for cfg in (kafka_python_config(s, "b:9093"), aiokafka_config(s, "b:9093"),
                producer_config(s, "b:9093")):
        _assert_secure(cfg)


def test_sasl_ssl_reaches_the_faust_worker() -> None:
    from motcua.commands.worker import worker_connection
    from stream_processors.app import _app_config

    connection = worker_connection(sasl_settings(), "b1:9093,b2:9093")
    creds = _app_config(sasl_settings(), connection, "w")["broker_credentials"]
    assert (creds.username, creds.password, creds.mechanism.value) == (
        "motcua", "pw-0123456789", "SCRAM-SHA-512")
    assert creds.ssl_context.verify_mode.name == "CERT_REQUIRED"
    assert faust_config(sasl_settings(), "b:1")["broker"] == "kafka://b:1"


_CLIENTS = {"KafkaProducer", "KafkaConsumer", "KafkaAdminClient", "AIOKafkaConsumer",
            "AIOKafkaProducer", "AIOKafkaAdminClient"}
_PACKAGES = ("motcua", "producers", "sinks", "stream_processors", "schemas")


def _client_calls():  # noqa: ANN202
    for package in _PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "bench" in path.parts:  # `motcua bench` measures the embedded broker only
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "id", getattr(node.func, "attr", None))
                    if name in _CLIENTS:
                        yield path.relative_to(ROOT), node


def test_every_kafka_client_in_the_code_base_takes_the_shared_config() -> None:
    """Each client constructor gets ``**config`` built by motcua.kafka (directly or through a
    variable holding it), so a client cannot be created without the security settings."""
    calls = list(_client_calls())
    assert len(calls) >= 5, calls
    bare = [f"{path}:{node.lineno}" for path, node in calls
            if not any(k.arg is None for k in node.keywords)]
    assert not bare, f"Kafka clients built without the shared config: {bare}"
