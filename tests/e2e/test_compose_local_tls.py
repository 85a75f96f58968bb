"""deploy/compose/kafka-tls-init.sh run for real (keytool, as in the apache/kafka image), and the
motcua client's TLS settings checked against a server holding a certificate it issued."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
from pathlib import Path

import pytest

from motcua.kafka import kafka_python_config
from motcua.settings import Settings
from tests.unit.test_compose import ENV_DIR

pytestmark = pytest.mark.e2e
PASSWORD = "e2e-store-pass"


def run_init(dirs: dict[str, Path]) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "BROKERS": "kafka-1 kafka-2",
           "CA_KEY_DIR": str(dirs["key"]), "SECRETS_DIR": str(dirs["secrets"]),
           "CA_DIR": str(dirs["ca"]), "KAFKA_SSL_KEYSTORE_PASSWORD": PASSWORD,
           "KAFKA_SSL_KEY_PASSWORD": PASSWORD, "KAFKA_SSL_TRUSTSTORE_PASSWORD": PASSWORD,
           "TLS_CA_KEY_SIZE": "2048", "TLS_KEY_SIZE": "2048"}
    return subprocess.run(["bash", str(ENV_DIR / "kafka-tls-init.sh")], env=env,
                          capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def material(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tls")
    dirs = {"key": root / "ca-key", "secrets": root / "secrets", "ca": root / "ca", "root": root}
    result = run_init(dirs)
    assert result.returncode == 0, result.stdout + result.stderr
    return dirs


def _pem_pair(material: dict[str, Path], name: str) -> tuple[Path, Path]:
    """Certificate chain + key of ``name`` out of its PKCS12 keystore (what the broker serves)."""
    out = material["root"] / f"{name}.pem"
    subprocess.run(["openssl", "pkcs12", "-in", str(material["secrets"] / f"{name}.keystore.p12"),
                    "-passin", f"pass:{PASSWORD}", "-nodes", "-out", str(out)], check=True,
                   capture_output=True)
    return out, out


def _handshake(material: dict[str, Path], serve_as: str, connect_as: str) -> None:
    cert, key = _pem_pair(material, serve_as)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    settings = Settings(kafka_security_protocol="SASL_SSL", kafka_sasl_username="motcua",
                        kafka_sasl_password="pw", kafka_ssl_cafile=str(material["ca"] / "ca.pem"))
    client_ctx = kafka_python_config(settings, "kafka-1:9092")["ssl_context"]
    with socket.create_server(("127.0.0.1", 0)) as listener:
        def serve() -> None:
            conn, _ = listener.accept()
            try:
                with server_ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1)
            except (ssl.SSLError, OSError):
                pass
        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            with socket.create_connection(listener.getsockname(), timeout=10) as raw, \
                    client_ctx.wrap_socket(raw, server_hostname=connect_as) as tls:
                tls.sendall(b"x")
        finally:
            thread.join(10)


def test_the_init_script_issues_broker_certificates_signed_by_the_cluster_ca(material):
    ca = material["ca"] / "ca.pem"
    assert oct(ca.stat().st_mode & 0o777) == "0o644"
    assert not (material["secrets"] / "ca.p12").exists(), "the CA key must stay out of the brokers"
    for broker in ("kafka-1", "kafka-2"):
        subprocess.run(["openssl", "verify", "-CAfile", str(ca),
                        str(material["secrets"] / f"{broker}.crt")], check=True, capture_output=True)
    props = (material["secrets"] / "admin.properties").read_text()
    assert f"ssl.keystore.location={material['secrets']}/admin.keystore.p12" in props
    assert "ScramLoginModule" in (material["secrets"] / "kafka_server_jaas.conf").read_text()


def test_the_motcua_client_trusts_a_broker_under_its_own_name(material):
    _handshake(material, serve_as="kafka-1", connect_as="kafka-1")


def test_the_motcua_client_rejects_a_certificate_for_another_host(material):
    with pytest.raises(ssl.SSLCertVerificationError):
        _handshake(material, serve_as="kafka-2", connect_as="kafka-1")


def test_running_the_script_again_keeps_the_ca(material):
    before = (material["ca"] / "ca.pem").read_text()
    result = run_init(material)
    assert result.returncode == 0, result.stderr
    assert (material["ca"] / "ca.pem").read_text() == before
