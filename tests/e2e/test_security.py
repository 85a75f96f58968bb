"""Security end to end: no dossier code, citizen name, phone or ID number in any process's
/metrics page or log during a `motcua up` run of the whole pipeline (simulator, worker, sinks,
board); and a hostile replay line is reported, not fatal."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.uprun import UpRun, simulator_ready

pytestmark = pytest.mark.e2e
CODE_RE = re.compile(r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}")


def _personal_data(database_url: str) -> tuple[set[str], set[str]]:
    """(dossier codes, applicant names/phones/ID numbers) the run's databases hold."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            codes = {r[0] for r in conn.execute(text("select dossier_code from dossiers"))}
            people = set()
            for (raw,) in conn.execute(text("select applicant from letter_dossiers")):
                applicant = json.loads(raw) if isinstance(raw, str) else raw
                people |= {str(applicant[k]) for k in ("name", "phone", "id_number")
                           if applicant.get(k) and len(str(applicant[k])) >= 6}
    finally:
        engine.dispose()
    return codes, people


def test_no_personal_data_in_metrics_or_logs_of_a_pipeline_run(tmp_path: Path) -> None:
    if not simulator_ready():
        pytest.fail("motcua simulate is not available")
    state = tmp_path / "var"
    # INFO: the scan must see what operators see at INFO and above, not only warnings.
    up = UpRun(state, "--duration", "45", env_extra={"MOTCUA_LOG_LEVEL": "INFO"})
    pages: list[str] = []
    last_page: dict[str, str] = {}
    try:
        up.wait_line("ready: motcua up", timeout=120)
        info = up.run_info()
        urls = [*info["metrics_urls"].values()]
        deadline = time.monotonic() + 35
        while time.monotonic() < deadline and up.proc.poll() is None:
            for url in urls:
                try:
                    with urllib.request.urlopen(url, timeout=5) as r:
                        pages.append(r.read().decode())
                        last_page[url] = pages[-1]
                except OSError:
                    pass
            time.sleep(5)
        assert up.wait(timeout=150) == 0, up.output
    finally:
        up.kill()
    codes, people = _personal_data(info["database_url"])
    assert len(codes) > 20 and len(people) > 20, (len(codes), len(people))
    logs = {p.name: p.read_text(errors="replace") for p in (state / "logs").glob("*.log")}
    logs["motcua up stdout"] = up.output
    assert len(logs) >= 4 and pages, (list(logs), len(pages))
    for where, body in [*logs.items(), *((f"metrics page {i}", p) for i, p in enumerate(pages))]:
        leaked = CODE_RE.findall(body) + [s for s in people if s in body]
        assert not leaked, f"{where} leaks personal data, e.g. {leaked[:3]}"
    # the detector itself works: the letter files are named by the dossier codes it looks for
    assert any(CODE_RE.search(p.name) for p in Path(info["letters_dir"]).glob("*.html"))
    labels = {m for p in pages for m in re.findall(r'\{([^}]*)\}', p)}
    assert not [lab for lab in labels if CODE_RE.search(lab)], labels
    assert set(last_page) == set(urls), sorted(set(urls) - set(last_page))
    _assert_promtool_accepts(last_page)


def _assert_promtool_accepts(pages: dict[str, str]) -> None:
    """Issue 7: `promtool check metrics` accepts every component's /metrics page."""
    import shutil

    promtool = shutil.which("promtool")
    assert promtool, "promtool missing: apt-get install prometheus (the Makefile does)"
    for url, page in pages.items():
        res = subprocess.run([promtool, "check", "metrics"], input=page.encode(),
                             capture_output=True)
        assert res.returncode == 0, (url, res.stdout + res.stderr)


def test_a_pathologically_nested_replay_line_is_reported_and_the_import_goes_on(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{closed}",
           "MOTCUA_STATE_DIR": str(tmp_path / "var")}
    data = tmp_path / "hostile.ndjson"
    data.write_text("[" * 100_000 + "\n" + "{}\n")
    done = subprocess.run([sys.executable, "-m", "motcua", "replay", str(data),
                           "--flush-timeout", "0.5"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert "line 1:" in done.stderr and "line 2:" in done.stderr, done.stderr[-2000:]
