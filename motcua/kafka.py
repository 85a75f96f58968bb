"""Kafka client configuration in one place, so that every client (kafka-python producers and
consumers, aiokafka, faust) gets the same bootstrap, security (SASL/SCRAM, TLS) and tuning.
"""

from __future__ import annotations

import ssl
from typing import Any

from motcua.settings import Settings, SettingsError

__all__ = ["aiokafka_config", "faust_config", "kafka_python_config", "FAST_GROUP_TUNING"]

_PROTOCOLS = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}

#: Consumer-group timings: Tansu completes a join after about half the session timeout, so a
#: short session makes local runs and tests start in seconds; Apache Kafka is fine with it too.
FAST_GROUP_TUNING = {"session_timeout_ms": 6000, "heartbeat_interval_ms": 1000}


def _security(settings: Settings) -> dict[str, Any]:
    proto = settings.kafka_security_protocol.upper()
    if proto not in _PROTOCOLS:
        raise SettingsError(f"KAFKA_SECURITY_PROTOCOL={proto!r}: expected one of {sorted(_PROTOCOLS)}")
    out: dict[str, Any] = {"security_protocol": proto}
    if proto.startswith("SASL"):
        if not (settings.kafka_sasl_username and settings.kafka_sasl_password):
            raise SettingsError("KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required for SASL")
        out.update(sasl_mechanism=settings.kafka_sasl_mechanism,
                   sasl_plain_username=settings.kafka_sasl_username,
                   sasl_plain_password=settings.kafka_sasl_password)
    if proto.endswith("SSL"):
        out["ssl_context"] = ssl.create_default_context(cafile=settings.kafka_ssl_cafile)
    return out


def kafka_python_config(settings: Settings, bootstrap: str) -> dict[str, Any]:
    """Common kwargs for kafka-python ``KafkaProducer`` / ``KafkaConsumer`` / admin."""
    return {"bootstrap_servers": bootstrap, **_security(settings)}


def aiokafka_config(settings: Settings, bootstrap: str) -> dict[str, Any]:
    """Common kwargs for aiokafka clients (same names as kafka-python for these options)."""
    return {"bootstrap_servers": bootstrap, **_security(settings)}


def faust_config(settings: Settings, bootstrap: str) -> dict[str, Any]:
    """kwargs for ``faust.App``: broker URL and credentials."""
    import faust  # local: only the stream processors need faust

    sec = _security(settings)
    cfg: dict[str, Any] = {"broker": "kafka://" + bootstrap.replace(",", ";kafka://")}
    proto = sec["security_protocol"]
    if proto.startswith("SASL"):
        cfg["broker_credentials"] = faust.SASLCredentials(
            username=sec["sasl_plain_username"], password=sec["sasl_plain_password"],
            mechanism=sec["sasl_mechanism"], ssl_context=sec.get("ssl_context"))
    elif proto == "SSL":
        cfg["broker_credentials"] = faust.SSLCredentials(sec["ssl_context"])
    return cfg
