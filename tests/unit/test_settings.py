from pathlib import Path

import pytest

from motcua.kafka import kafka_python_config
from motcua.settings import Settings, SettingsError


def test_defaults_and_overrides():
    s = Settings.from_env({"MOTCUA_BROKER_PORT": "19200", "MOTCUA_STATE_DIR": "/tmp/x"}, state_dir=None)
    assert s.broker_port == 19200 and s.state_dir == Path("/tmp/x")
    assert Settings.from_env({"MOTCUA_STATE_DIR": "/tmp/x"}, state_dir="/tmp/y").state_dir == Path("/tmp/y")
    assert s.effective_database_url == "sqlite:////tmp/x/motcua.db"


def test_bad_integer_names_the_variable():
    with pytest.raises(SettingsError, match="MOTCUA_BROKER_PORT='many': expected an integer"):
        Settings.from_env({"MOTCUA_BROKER_PORT": "many"})


def test_settings_are_frozen():
    with pytest.raises(AttributeError):
        Settings().broker_port = 1  # type: ignore[misc]


def test_sasl_settings_reach_the_client_config():
    s = Settings.from_env({"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_USERNAME": "u",
                           "KAFKA_SASL_PASSWORD": "s3cr3t-pw", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-256"})
    cfg = kafka_python_config(s, "k:9093")
    assert cfg["security_protocol"] == "SASL_SSL" and cfg["sasl_mechanism"] == "SCRAM-SHA-256"
    assert cfg["sasl_plain_username"] == "u" and cfg["sasl_plain_password"] == "s3cr3t-pw"
    assert cfg["ssl_context"] is not None
    assert "s3cr3t-pw" not in repr(s)


def test_sasl_without_credentials_is_a_clear_error():
    with pytest.raises(SettingsError, match="KAFKA_SASL_USERNAME"):
        kafka_python_config(Settings(kafka_security_protocol="SASL_PLAINTEXT"), "k:9092")
