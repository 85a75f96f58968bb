"""docker-compose.yml checked structurally (no Docker engine runs here or in CI).

The file must be a valid Compose Specification document, every motcua service must run a real
``motcua`` subcommand, every env var a service gets must be one ``Settings`` reads (or a
documented third-party one), and the cluster must be what docs/deployment.md promises.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from motcua.cli import build_parser
from motcua.settings import ENV_VARS, Settings, markdown_table
from schemas.topics import ALL_TOPICS

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
SECURITY = ROOT / "docker-compose.security.yml"
ENV_DIR = ROOT / "deploy" / "compose"
SPEC = ROOT / "tests" / "fixtures" / "compose-spec" / "compose-spec.json"
MOTCUA_IMAGE = "${MOTCUA_IMAGE:-motcua:latest}"
BROKERS = ("kafka-1", "kafka-2", "kafka-3")
LONG_RUNNING = {"worker": "worker", "sink-letters": "sink", "sink-db": "sink",
                "ingest-api": "ingest-api", "board": "board", "simulator": "simulate"}
ONE_SHOT = {"topic-init": ["topics", "create"], "db-migrate": ["db", "upgrade"]}

#: env vars of third-party images (documented by those images), by image name prefix
THIRD_PARTY_ENV = {
    "apache/kafka": re.compile(r"^(KAFKA_[A-Z0-9_]+|CLUSTER_ID)$"),
    "postgres": re.compile(r"^POSTGRES_(USER|PASSWORD|DB|INITDB_ARGS)$"),
    "grafana/grafana": re.compile(r"^GF_[A-Z0-9_]+$"),
}
SECRET_NAME = re.compile(r"PASSWORD|SECRET$|TOKENS?$|_KEY$|DATABASE_URL")


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def interpolate(value: str, env: dict[str, str] | None = None) -> str:
    """Compose interpolation: ``${VAR:-default}``, ``${VAR-default}``, ``${VAR}``, ``$$``."""
    env = env or {}

    def sub(m: re.Match) -> str:
        name, op, default = m.group(1), m.group(2), m.group(3) or ""
        if op == ":-":
            return env.get(name) or default
        if op == "-":
            return env.get(name, default)
        return env.get(name, "")
    out = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}", sub, value)
    return out.replace("$$", "$")


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of an env file (compose semantics: no quotes needed, # comments)."""
    pairs = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value
    return pairs


def service_env(service: dict) -> dict[str, str]:
    """Env vars a service gets: its env files (the committed .example of each) + environment."""
    env: dict[str, str] = {}
    for name in service.get("env_file", []):
        env.update(read_env_file(ROOT / f"{name}.example"))
    environment = service.get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    env.update({k: "" if v is None else str(v) for k, v in environment.items()})
    return env


def command(service: dict) -> list[str]:
    cmd = service["command"]
    return [interpolate(str(a)) for a in (shlex.split(cmd) if isinstance(cmd, str) else cmd)]


@pytest.fixture(scope="module")
def compose() -> dict:
    return load(COMPOSE)


@pytest.fixture(scope="module")
def services(compose: dict) -> dict:
    return compose["services"]


def motcua_services(services: dict) -> dict:
    return {n: s for n, s in services.items() if s.get("image") == MOTCUA_IMAGE}


# --- the document itself ---------------------------------------------------------------------

@pytest.mark.parametrize("path", [COMPOSE, SECURITY], ids=lambda p: p.name)
def test_compose_files_validate_against_the_compose_specification(path: Path):
    schema = json.loads(SPEC.read_text())
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(load(path)), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_the_vendored_schema_is_the_compose_specification():
    schema = json.loads(SPEC.read_text())
    assert schema["title"] == "Compose Specification"
    assert "services" in schema["properties"]
    assert (SPEC.parent / "LICENSE").read_text().lstrip().startswith("Apache License")


def test_every_service_of_the_pipeline_is_there(services: dict):
    assert set(services) >= {*BROKERS, *ONE_SHOT, *LONG_RUNNING, "postgres", "prometheus", "grafana"}


# --- commands -----------------------------------------------------------------------------------

def test_every_motcua_service_runs_a_real_motcua_subcommand(services: dict):
    parser = build_parser()
    mine = motcua_services(services)
    assert set(mine) == set(LONG_RUNNING) | set(ONE_SHOT)
    for name, service in mine.items():
        argv = command(service)
        args = parser.parse_args(argv)  # SystemExit (a test error) if the command is not real
        assert callable(args.func), name
        assert args.command == argv[0]


@pytest.mark.parametrize("name", sorted(LONG_RUNNING))
def test_long_running_commands_serve_metrics_on_9100(services: dict, name: str):
    argv = command(services[name])
    assert argv[0] == LONG_RUNNING[name]
    args = build_parser().parse_args(argv)
    assert args.metrics_port == 9100


def test_one_shot_services_are_the_topic_and_schema_setup(services: dict):
    for name, argv in ONE_SHOT.items():
        assert command(services[name])[:2] == argv
        assert services[name]["restart"] == "no"


def test_the_image_runs_motcua_as_its_entry_point():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.M)
    assert re.search(r'^ENTRYPOINT \["motcua"\]', dockerfile, re.M)
    assert re.search(r"^RUN pip install \"/src\[postgres\]\"", dockerfile, re.M)
    user = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert user and not user[-1].startswith(("root", "0")), "the image must not run as root"


# --- settings through env vars ----------------------------------------------------------------

def _allowed(service: dict) -> re.Pattern | None:
    image = service.get("image", "")
    for prefix, pattern in THIRD_PARTY_ENV.items():
        if interpolate(image).startswith(prefix):
            return pattern
    return None


@pytest.mark.parametrize("path", [COMPOSE, SECURITY], ids=lambda p: p.name)
def test_every_env_var_is_one_settings_reads_or_a_documented_third_party_one(path: Path):
    base = load(COMPOSE)["services"]
    for name, service in load(path)["services"].items():
        merged = {**base.get(name, {}), **service}
        env = service_env(service)
        if merged.get("image") == MOTCUA_IMAGE:
            unknown = set(env) - set(ENV_VARS)
        elif name in SCRIPT_SERVICES:
            unknown = set(env) - SCRIPT_SERVICES[name]
        else:
            pattern = _allowed(merged)
            assert pattern or not env, f"{name}: image {merged.get('image')} takes no env vars here"
            unknown = {v for v in env if not (pattern and pattern.match(v))}
        assert not unknown, f"{path.name}: {name} sets env vars nobody reads: {sorted(unknown)}"


#: our one-shot scripts in the kafka image: the variables each reads (checked against the script)
SCRIPT_SERVICES = {
    "kafka-tls-init": {"BROKERS", "SECRETS_DIR", "CA_DIR", "CA_KEY_DIR", "KAFKA_SSL_KEYSTORE_PASSWORD",
                       "KAFKA_SSL_KEY_PASSWORD", "KAFKA_SSL_TRUSTSTORE_PASSWORD"},
    "kafka-scram-users": set(ENV_VARS),  # it reads KAFKA_SASL_* from the motcua secrets.env
}


def test_env_files_of_motcua_services_parse_into_settings(services: dict):
    for name, service in motcua_services(services).items():
        settings = Settings.from_env(service_env(service))
        assert settings.kafka_bootstrap_servers == "kafka-1:9092,kafka-2:9092,kafka-3:9092", name
        assert settings.effective_database_url.startswith("postgresql+psycopg://"), name
        assert settings.state_dir == Path("/var/lib/motcua"), name


def test_listeners_bind_every_interface_inside_containers(services: dict):
    env = service_env(services["board"])
    assert env["MOTCUA_METRICS_HOST"] == env["MOTCUA_BOARD_HOST"] == env["MOTCUA_INGEST_HOST"] == "0.0.0.0"
    for name in ("sink-letters", "sink-db"):
        argv = command(services[name])
        assert argv[argv.index("--metrics-host") + 1] == "0.0.0.0", name


def test_published_ports_bind_the_hosts_loopback_only(services: dict):
    for name, service in services.items():
        for port in service.get("ports", []):
            assert interpolate(str(port)).startswith("127.0.0.1:"), f"{name}: {port}"


def test_the_env_table_of_the_deployment_doc_lists_every_setting():
    doc = (ROOT / "docs" / "deployment.md").read_text()
    table = doc.split("<!-- env:start -->\n", 1)[1].split("\n<!-- env:end -->", 1)[0]
    assert table == markdown_table(), "run `python -m motcua.settings docs/deployment.md`"


# --- Kafka, topics, workers ---------------------------------------------------------------------

def test_three_kraft_brokers_replicate_every_partition_three_times(services: dict):
    envs = [service_env(services[b]) for b in BROKERS]
    assert {e["KAFKA_PROCESS_ROLES"] for e in envs} == {"broker,controller"}
    assert len({e["CLUSTER_ID"] for e in envs}) == 1
    assert sorted(e["KAFKA_NODE_ID"] for e in envs) == ["1", "2", "3"]
    for broker, env in zip(BROKERS, envs):
        voters = env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")
        assert voters == [f"{i}@kafka-{i}:9093" for i in (1, 2, 3)]
        assert f"CLIENT://{broker}:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
        assert interpolate(services[broker]["image"]).startswith("apache/kafka:")
        assert int(env["KAFKA_DEFAULT_REPLICATION_FACTOR"]) == 3
        assert int(env["KAFKA_MIN_INSYNC_REPLICAS"]) == 2
        assert int(env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"]) == 3
        assert int(env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"]) == 2
        assert any(v.endswith(":/var/lib/kafka/data") for v in services[broker]["volumes"])
        assert env["KAFKA_LOG_DIRS"] == "/var/lib/kafka/data"


def test_topic_init_creates_exactly_the_contract_topics_with_replication_three(services: dict):
    service = services["topic-init"]
    argv = command(service)
    args = build_parser().parse_args(argv)
    settings = Settings.from_env(service_env(service))
    assert (args.replication_factor or settings.topic_replication_factor) == 3
    assert settings.topic_replication_factor == 3, "faust's own topics need RF 3 too"
    assert settings.topic_prefix == "", "a prefix would rename the contract's topics"
    asyncapi = yaml.safe_load((ROOT / "schemas" / "asyncapi.yaml").read_text())
    addresses = {c.get("address", name) for name, c in asyncapi["channels"].items()}
    assert addresses == {t.name for t in ALL_TOPICS}
    assert {t.cleanup_policy for t in ALL_TOPICS} <= {"delete", "compact"}


def test_workers_scale_out_with_state_on_volumes_and_standby_replicas(services: dict):
    worker = services["worker"]
    assert int(interpolate(str(worker["deploy"]["replicas"]))) >= 2
    assert any(isinstance(v, dict) and v["target"] == "/var/lib/motcua" for v in worker["volumes"])
    settings = Settings.from_env(service_env(worker))
    assert settings.worker_store == "rocksdb"
    assert settings.standby_replicas >= 1
    assert settings.time_source == "wall"


def test_the_simulator_runs_only_behind_its_profile(services: dict):
    assert services["simulator"]["profiles"] == ["simulator"]
    assert [n for n, s in services.items() if s.get("profiles")] == ["simulator"]


def test_letters_are_shared_between_the_letter_sink_and_the_board(services: dict):
    assert "letters:/var/lib/motcua/letters" in services["sink-letters"]["volumes"]
    assert "letters:/var/lib/motcua/letters:ro" in services["board"]["volumes"]


# --- health and start order ----------------------------------------------------------------------

def test_long_running_services_have_healthchecks(services: dict):
    for name, service in services.items():
        if service.get("restart") == "no":
            continue
        check = service.get("healthcheck", {})
        assert check.get("test") and not check.get("disable"), f"{name} has no healthcheck"


def test_every_dependency_waits_for_a_condition_the_dependency_can_meet(services: dict):
    for name, service in services.items():
        for dep, spec in service.get("depends_on", {}).items():
            assert dep in services, f"{name} depends on unknown {dep}"
            cond = spec["condition"]
            if services[dep].get("restart") == "no":
                assert cond == "service_completed_successfully", f"{name} -> {dep}"
            else:
                assert cond == "service_healthy", f"{name} -> {dep}"
                assert services[dep]["healthcheck"]["test"]
    for name in set(LONG_RUNNING):
        assert services[name]["depends_on"]["topic-init"]["condition"] == "service_completed_successfully"
    for name in ("sink-letters", "sink-db"):
        assert "db-migrate" in services[name]["depends_on"]
    for broker in BROKERS:
        assert services["topic-init"]["depends_on"][broker]["condition"] == "service_healthy"


def test_motcua_healthchecks_probe_the_metrics_port(services: dict):
    for name in LONG_RUNNING:
        test = " ".join(services[name]["healthcheck"]["test"])
        assert "http://127.0.0.1:9100/metrics" in test, name


# --- secrets --------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [COMPOSE, SECURITY], ids=lambda p: p.name)
def test_no_secret_is_set_inline_in_compose_files(path: Path):
    for name, service in load(path)["services"].items():
        env = service.get("environment", {})
        inline = {k for k in env if SECRET_NAME.search(k)}
        assert not inline, f"{name}: secrets belong in an env file, not {sorted(inline)}"
    assert not re.search(r"://[^/\s:]+:[^@\s]+@", path.read_text()), "credentials in a URL"


def test_env_file_examples_hold_placeholders_never_secret_values():
    examples = sorted(ENV_DIR.glob("*.env.example"))
    assert {p.name for p in examples} >= {"motcua.env.example", "secrets.env.example"}
    for path in examples:
        for key, value in read_env_file(path).items():
            if SECRET_NAME.search(key):
                secret = re.sub(r"^.*://[^:]+:([^@]*)@.*$", r"\1", value)
                secret = secret.split(":", 1)[1] if key == "MOTCUA_INGEST_TOKENS" else secret
                assert secret in ("", "CHANGE_ME"), f"{path.name}: {key} has a value"
    assert (ENV_DIR / "board-token.example").read_text().strip() == "CHANGE_ME"


def test_secret_fields_of_settings_come_from_the_secrets_file_only():
    secret_vars = {v for v, (field, _) in ENV_VARS.items()
                   if not Settings.__dataclass_fields__[field].repr}
    assert secret_vars, "Settings marks secrets with repr=False"
    settings_file = read_env_file(ENV_DIR / "motcua.env.example")
    assert not secret_vars & set(settings_file), "secrets in motcua.env"
    missing = secret_vars - set(read_env_file(ENV_DIR / "secrets.env.example"))
    assert not missing, f"add {sorted(missing)} to deploy/compose/secrets.env.example"


def test_real_env_files_are_git_ignored_and_not_committed():
    referenced = set()
    for path in (COMPOSE, SECURITY):
        for service in load(path)["services"].values():
            referenced |= set(service.get("env_file", []))
    referenced |= {s["file"] for s in load(COMPOSE).get("secrets", {}).values()}
    assert referenced
    for name in sorted(referenced):
        assert (ROOT / f"{name}.example").is_file(), f"{name}.example is missing"
        ignored = subprocess.run(["git", "check-ignore", "-q", name], cwd=ROOT)
        assert ignored.returncode == 0, f"{name} is not git-ignored"
    tracked = subprocess.run(["git", "ls-files", "deploy/compose"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.split()
    assert not [t for t in tracked if t.endswith(".env") or t.endswith("board-token")]


def test_the_image_build_context_leaves_secrets_out():
    patterns = (ROOT / ".dockerignore").read_text().split()
    assert {"**/*.env", "**/board-token", ".git", ".venv", "var"} <= set(patterns)


# --- Prometheus and Grafana -----------------------------------------------------------------------

def _mounts(service: dict) -> dict[str, str]:
    out = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, str) and volume.startswith("./"):
            src, target = volume.split(":")[:2]
            out[target] = src
    return out


def test_monitoring_mounts_existing_files(services: dict):
    for name in ("prometheus", "grafana"):
        for target, src in _mounts(services[name]).items():
            assert (ROOT / src).exists(), f"{name}: {src} -> {target} does not exist"
    prom = _mounts(services["prometheus"])
    assert prom["/etc/prometheus/rules"] == "./deploy/prometheus/rules"
    assert list((ROOT / "deploy/prometheus/rules").glob("*.yml"))


def test_prometheus_scrapes_the_same_jobs_as_the_local_config():
    local = load(ROOT / "deploy/prometheus/prometheus.yml")
    ours = load(ENV_DIR / "prometheus.yml")
    assert [j["job_name"] for j in ours["scrape_configs"]] == [j["job_name"] for j in local["scrape_configs"]]
    assert ours["rule_files"] == ["rules/*.yml"]
    for job in ours["scrape_configs"]:
        names = [n for sd in job.get("dns_sd_configs", []) for n in sd["names"]]
        names += [t.split(":")[0] for sc in job.get("static_configs", []) for t in sc["targets"]]
        assert names and set(names) <= set(LONG_RUNNING), job["job_name"]


def test_promtool_accepts_the_compose_prometheus_config(tmp_path: Path):
    assert shutil.which("promtool"), "promtool missing: apt-get install prometheus (see Makefile)"
    config = (ENV_DIR / "prometheus.yml").read_text().replace("/run/secrets/board_token",
                                                              str(tmp_path / "token"))
    (tmp_path / "token").write_text("CHANGE_ME\n")
    (tmp_path / "prometheus.yml").write_text(config)
    shutil.copytree(ROOT / "deploy/prometheus/rules", tmp_path / "rules")
    result = subprocess.run(["promtool", "check", "config", str(tmp_path / "prometheus.yml")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr


def test_grafana_is_provisioned_with_the_dashboards_and_the_compose_prometheus(services: dict):
    mounts = _mounts(services["grafana"])
    assert mounts["/etc/grafana/provisioning"] == "./deploy/grafana/provisioning"
    providers = load(ROOT / "deploy/grafana/provisioning/dashboards/motcua.yml")["providers"]
    for provider in providers:
        path = provider["options"]["path"]
        assert path in mounts, f"dashboards provider path {path} is not mounted"
        assert list((ROOT / mounts[path].lstrip("./")).glob("*.json"))
    sources = load(ROOT / "deploy/grafana/provisioning/datasources/prometheus.yml")["datasources"]
    assert [s["url"] for s in sources if s["type"] == "prometheus"] == ["http://prometheus:9090"]


def test_the_image_installs_what_the_compose_settings_need(services: dict):
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = " ".join(project["dependencies"])
    settings = Settings.from_env(service_env(services["worker"]))
    if settings.worker_store == "rocksdb":
        assert "rocksdict" in deps, "faust's rocksdb:// store needs rocksdict in the image"
    assert settings.effective_database_url.startswith("postgresql+psycopg://")
    assert any(d.startswith("psycopg") for d in project["optional-dependencies"]["postgres"])
