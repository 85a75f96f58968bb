"""The one settings object, built once at each entry point from environment variables.

Nothing below an entry point reads ``os.environ``: it receives a :class:`Settings`.
Every variable is listed in :data:`ENV_VARS` (documented in the README's configuration table).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stream_processors.core.registry import AgencyRegistry

__all__ = ["Settings", "SettingsError", "ENV_VARS"]

#: env var name -> (Settings field, help text)
ENV_VARS: dict[str, tuple[str, str]] = {
    "KAFKA_BOOTSTRAP_SERVERS": ("kafka_bootstrap_servers",
                                "Kafka bootstrap list; unset = start/reuse the embedded broker"),
    "MOTCUA_STATE_DIR": ("state_dir", "where a local run keeps everything (default ./var)"),
    "MOTCUA_DATABASE_URL": ("database_url",
                            "SQLAlchemy URL; default SQLite at STATE_DIR/motcua.db"),
    "MOTCUA_BROKER_PORT": ("broker_port", "port of the embedded broker (default 19092)"),
    "MOTCUA_TOPIC_PARTITIONS": ("topic_partitions", "partitions per topic created (default 6)"),
    "MOTCUA_TOPIC_REPLICATION_FACTOR": ("topic_replication_factor",
                                        "replicas of every topic created, incl. faust's (default 1)"),
    "MOTCUA_LOG_LEVEL": ("log_level", "DEBUG, INFO, WARNING (default) or ERROR; logs go to stderr"),
    "MOTCUA_SOURCE": ("event_source", "CloudEvents `source` of events this deployment publishes"),
    "KAFKA_SECURITY_PROTOCOL": ("kafka_security_protocol",
                                "PLAINTEXT (default), SSL, SASL_PLAINTEXT or SASL_SSL"),
    "KAFKA_SASL_MECHANISM": ("kafka_sasl_mechanism", "SCRAM-SHA-512 (default), SCRAM-SHA-256 or PLAIN"),
    "KAFKA_SASL_USERNAME": ("kafka_sasl_username", "SASL user"),
    "KAFKA_SASL_PASSWORD": ("kafka_sasl_password", "SASL password (secret: use an env file)"),
    "KAFKA_SSL_CAFILE": ("kafka_ssl_cafile", "CA bundle that signed the brokers' certificates"),
    "MOTCUA_METRICS_HOST": ("metrics_host",
                            "address --metrics-port binds (default 127.0.0.1; 0.0.0.0 in containers)"),
    "MOTCUA_BOARD_HOST": ("board_host", "address the operations board binds (default 127.0.0.1)"),
    "MOTCUA_BOARD_PORT": ("board_port", "port of the operations board (default 8080)"),
    "MOTCUA_BOARD_TOKEN": ("board_token",
                           "token the board requires when bound beyond loopback (secret)"),
    "MOTCUA_APOLOGY_EXTENSION_DAYS": ("apology_extension_days",
                                      "working days an apology letter proposes after the due (default 5)"),
    "MOTCUA_REGISTRY_DIR": ("registry_dir",
                            "agency registry (agencies.csv, successors.csv) letters, flags and reports follow; default the shipped Đà Nẵng one"),
    "MOTCUA_SMTP_HOST": ("smtp_host", "SMTP server for e-mailed letters; unset = e-mail not sent"),
    "MOTCUA_SMTP_PORT": ("smtp_port", "SMTP port (default 25)"),
    "MOTCUA_SMTP_FROM": ("smtp_from", "sender address of e-mailed letters"),
    "MOTCUA_WEBHOOK_URL": ("webhook_url", "SMS/Zalo gateway webhook; unset = not sent"),
    "MOTCUA_WEBHOOK_SECRET": ("webhook_secret", "HMAC-SHA256 key signing webhook bodies (secret)"),
    "MOTCUA_INGEST_HOST": ("ingest_host", "address `motcua ingest-api` binds (default 127.0.0.1)"),
    "MOTCUA_INGEST_PORT": ("ingest_port", "port of `motcua ingest-api` (default 8088)"),
    "MOTCUA_INGEST_TOKENS": ("ingest_tokens",
                             "ingest API bearer tokens: name:secret[:events+dvcqg],... (secret)"),
    "MOTCUA_INGEST_MAX_BYTES": ("ingest_max_bytes", "largest ingest API request body (default 1 MiB)"),
    "MOTCUA_INGEST_RATE": ("ingest_rate_per_s",
                           "ingest API requests per second per token, bursts of twice that (default 50; 0 = no limit)"),
    "MOTCUA_TOPIC_PREFIX": ("topic_prefix", "prefix of every topic name (test isolation; default none)"),
    "MOTCUA_TIME_SOURCE": ("time_source", "worker clock: wall (live, default) or event (replays)"),
    "MOTCUA_WORKER_APP_ID": ("worker_app_id", "faust app id = consumer group of `motcua worker`"),
    "MOTCUA_WORKER_STORE": ("worker_store", "worker table store: rocksdb (default) or memory"),
    "MOTCUA_STANDBY_REPLICAS": ("standby_replicas", "standby table replicas per worker (default 0)"),
    "MOTCUA_OUT_OF_ORDER_TOLERANCE_S": ("out_of_order_tolerance_s",
                                        "event-time seconds a late event may be reordered (3600)"),
    "MOTCUA_SNAPSHOT_INTERVAL_S": ("snapshot_interval_s", "seconds between metric snapshots (5)"),
    "MOTCUA_DEADLINE_INTERVAL_S": ("deadline_interval_s", "seconds between deadline checks, wall mode (1)"),
}


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


@dataclasses.dataclass(frozen=True)
class Settings:
    kafka_bootstrap_servers: str | None = None
    state_dir: Path = Path("var")
    database_url: str | None = None
    broker_port: int = 19092
    topic_partitions: int = 6
    topic_replication_factor: int = 1
    event_source: str = "urn:motcua:local"
    log_level: str = "WARNING"
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: str | None = dataclasses.field(default=None, repr=False)
    kafka_ssl_cafile: str | None = None
    metrics_host: str = "127.0.0.1"
    board_host: str = "127.0.0.1"
    board_port: int = 8080
    board_token: str | None = dataclasses.field(default=None, repr=False)
    topic_prefix: str = ""
    ingest_host: str = "127.0.0.1"
    ingest_port: int = 8088
    ingest_tokens: str | None = dataclasses.field(default=None, repr=False)
    ingest_max_bytes: int = 1_048_576
    ingest_rate_per_s: float = 50.0
    time_source: str = "wall"
    worker_app_id: str = "motcua-worker"
    worker_store: str = "rocksdb"
    standby_replicas: int = 0
    out_of_order_tolerance_s: int = 3600
    snapshot_interval_s: int = 5
    deadline_interval_s: int = 1
    apology_extension_days: int = 5
    registry_dir: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "motcua@localhost"
    webhook_url: str | None = None
    webhook_secret: str | None = dataclasses.field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str], **overrides: object) -> "Settings":
        """Build settings from ``env``; keyword ``overrides`` (e.g. CLI flags) win when not None."""
        values: dict[str, object] = {}
        for var, (field, _help) in ENV_VARS.items():
            if env.get(var, "") != "":
                values[field] = _coerce(cls, field, var, env[var])
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "state_dir" in values:
            values["state_dir"] = Path(values["state_dir"])  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]

    def agency_registry(self) -> "AgencyRegistry":
        """The registry of ``registry_dir`` (or the shipped one), loaded and validated now."""
        from stream_processors.core.registry import DEFAULT_REGISTRY_DIR
        from stream_processors.core.registry_loader import load_registry
        return load_registry(Path(self.registry_dir) if self.registry_dir else DEFAULT_REGISTRY_DIR)

    @property
    def effective_database_url(self) -> str:
        """The database URL in force: ``database_url`` or SQLite under the state directory."""
        return self.database_url or f"sqlite:///{(self.state_dir / 'motcua.db').resolve()}"


def _coerce(cls: type, field: str, var: str, raw: str) -> object:
    """Convert ``raw`` to the field's annotated type (``int``, ``float``, ``bool`` or text)."""
    hint = str(cls.__annotations__[field])
    if hint.startswith("bool"):
        if raw.lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.lower() in {"0", "false", "no", "off"}:
            return False
        raise SettingsError(f"{var}={raw!r}: expected true/false")
    for name, convert, what in (("int", int, "an integer"), ("float", float, "a number")):
        if hint.split(" |")[0] == name:
            try:
                return convert(raw)
            except ValueError:
                raise SettingsError(f"{var}={raw!r}: expected {what}") from None
    return raw


def markdown_table() -> str:
    """The README's configuration table, generated from :data:`ENV_VARS`."""
    rows = ["| Variable | Meaning |", "|---|---|"]
    rows += [f"| `{var}` | {text} |" for var, (_field, text) in ENV_VARS.items()]
    return "\n".join(rows)


if __name__ == "__main__":  # python -m motcua.settings README.md — refresh the table in place
    import re
    import sys

    path = Path(sys.argv[1])
    text = path.read_text()
    block = f"<!-- env:start -->\n{markdown_table()}\n<!-- env:end -->"
    path.write_text(re.sub(r"<!-- env:start -->.*?<!-- env:end -->", lambda _: block, text, flags=re.S))
