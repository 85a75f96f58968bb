"""docker-compose.security.yml: SASL/SCRAM-SHA-512 + TLS for every client, TLS between brokers."""

from __future__ import annotations

import subprocess

import pytest

from motcua.kafka import kafka_python_config
from motcua.settings import Settings
from tests.unit.test_compose import (BROKERS, COMPOSE, ENV_DIR, LONG_RUNNING, ONE_SHOT, ROOT,
                                     SECURITY, load, motcua_services, service_env)


@pytest.fixture(scope="module")
def base() -> dict:
    return load(COMPOSE)["services"]


@pytest.fixture(scope="module")
def override() -> dict:
    return load(SECURITY)["services"]


def merged_env(base: dict, override: dict, name: str) -> dict[str, str]:
    """A service's env once the override is applied (compose merges environment by key)."""
    return {**service_env(base[name]), **service_env(override.get(name, {}))}


def test_every_motcua_client_connects_with_sasl_ssl_and_trusts_the_cluster_ca(base, override):
    clients = motcua_services(base)
    assert set(clients) == set(LONG_RUNNING) | set(ONE_SHOT)
    for name in clients:
        if name == "db-migrate":
            continue  # talks to PostgreSQL only
        env = merged_env(base, override, name)
        assert env["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL", name
        assert env["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512", name
        assert env["KAFKA_SSL_CAFILE"] == "/etc/motcua/tls/ca.pem", name
        assert "kafka-ca:/etc/motcua/tls:ro" in override[name]["volumes"], name


def test_the_client_settings_build_a_scram_tls_kafka_config(base, override, tmp_path):
    env = merged_env(base, override, "worker")
    ca = tmp_path / "ca.pem"
    ca.write_text(_self_signed_pem(tmp_path))
    env.update(KAFKA_SSL_CAFILE=str(ca), KAFKA_SASL_PASSWORD="pw")
    config = kafka_python_config(Settings.from_env(env), env["KAFKA_BOOTSTRAP_SERVERS"])
    assert config["security_protocol"] == "SASL_SSL"
    assert config["sasl_mechanism"] == "SCRAM-SHA-512"
    assert config["sasl_plain_username"] == "motcua"
    assert config["ssl_context"].check_hostname


def test_brokers_offer_sasl_ssl_to_clients_and_mutual_tls_inside(base, override):
    for broker in BROKERS:
        env = merged_env(base, override, broker)
        protocols = dict(p.split(":") for p in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
        assert protocols == {"CLIENT": "SASL_SSL", "CONTROLLER": "SSL", "INTERNAL": "SSL"}
        assert env["KAFKA_SASL_ENABLED_MECHANISMS"] == "SCRAM-SHA-512"
        assert env["KAFKA_SSL_CLIENT_AUTH"] == "required"
        assert env["KAFKA_SSL_KEYSTORE_LOCATION"] == f"/etc/kafka/secrets/{broker}.keystore.p12"
        assert set(read_example("kafka-tls.env")) <= set(env)
        assert override[broker]["depends_on"]["kafka-tls-init"]["condition"] == \
            "service_completed_successfully"
        assert "admin.properties" in " ".join(override[broker]["healthcheck"]["test"])


def test_the_scram_user_exists_before_any_client_starts(override):
    assert override["kafka-scram-users"]["depends_on"] == {
        b: {"condition": "service_healthy"} for b in BROKERS}
    assert override["topic-init"]["depends_on"]["kafka-scram-users"]["condition"] == \
        "service_completed_successfully"


@pytest.mark.parametrize("script", ["kafka-tls-init.sh", "kafka-scram-users.sh"])
def test_bootstrap_scripts_are_mounted_and_valid_bash(override, script):
    path = ENV_DIR / script
    mounted = [v for s in override.values() for v in s.get("volumes", [])
               if isinstance(v, str) and v.startswith(f"./deploy/compose/{script}:")]
    assert mounted, f"{script} is not mounted by any service"
    subprocess.run(["bash", "-n", str(path)], check=True)
    assert path.stat().st_mode & 0o111, f"{script} is not executable"


def test_the_ca_key_never_reaches_a_broker(override):
    for name, service in override.items():
        if any(str(v).startswith("kafka-ca-key:") for v in service.get("volumes", [])):
            assert name == "kafka-tls-init"


def read_example(name: str) -> dict[str, str]:
    from tests.unit.test_compose import read_env_file
    return read_env_file(ENV_DIR / f"{name}.example")


def _self_signed_pem(tmp_path) -> str:
    key, crt = tmp_path / "k.pem", tmp_path / "c.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(crt), "-days", "1", "-subj", "/CN=test-ca"], check=True,
                   capture_output=True)
    return crt.read_text()


def test_docs_describe_how_to_turn_security_on():
    doc = (ROOT / "docs" / "deployment.md").read_text()
    assert "docker-compose.security.yml" in doc
    assert "SCRAM-SHA-512" in doc
