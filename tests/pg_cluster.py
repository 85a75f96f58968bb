"""A throwaway PostgreSQL cluster for outage tests (shared by tests/integration/test_sinks.py and
tests/faults/): initdb + pg_ctl from the Debian server binaries, on a spare loopback port."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from motcua.orchestrator import free_port as _free_port


class OwnPostgres:
    """A throwaway PostgreSQL cluster on a spare port, run as the postgres user."""

    def __init__(self, root: Path) -> None:
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not bins:
            pytest.fail("PostgreSQL server binaries are not installed (/usr/lib/postgresql/*/bin)")
        self.bin, self.port = bins[-1], _free_port()
        self.data = root / "pgdata"
        if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to the postgres user
            shutil.chown(root, "postgres")
        self._as_postgres([str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                           "--auth=trust", "-E", "UTF8"])

    def _as_postgres(self, cmd: list[str]) -> None:
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        opts = f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", opts,
                           "-l", str(self.data / "log"), "-w", "start"])

    def stop(self) -> None:
        self._as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                           "stop"])
