"""Shared by the `motcua up` end-to-end tests: run it as a subprocess and read its output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from motcua.orchestrator import free_port


def has_command(*words: str) -> bool:
    from motcua import orchestrator
    from motcua.cli import build_parser

    return orchestrator.available(build_parser(), words)


def simulator_ready() -> bool:
    """`motcua simulate` exists and takes --speed (not the placeholder)."""
    if not has_command("simulate"):
        return False
    out = subprocess.run([sys.executable, "-m", "motcua", "simulate", "--help"],
                         capture_output=True, text=True).stdout
    return "--speed" in out


class UpRun:
    """`motcua up` in the background; ``lines`` collects its stdout."""

    def __init__(self, state_dir: Path, *args: str, env_extra: dict[str, str] | None = None) -> None:
        env = {**os.environ, "MOTCUA_BROKER_PORT": str(free_port()), **(env_extra or {})}
        env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
        self.state_dir = state_dir
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "motcua", "--state-dir", str(state_dir), "up",
             "--board-port", "0", "--metrics-base-port", "0", *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
            start_new_session=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        with self.proc.stdout:
            for line in self.proc.stdout:
                self.lines.append(line.rstrip())

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_line(self, prefix: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if line.startswith(prefix):
                    return line
            if self.proc.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.1)
        raise AssertionError(f"no line starting {prefix!r}; output:\n{self.output}")

    def run_info(self) -> dict:
        return json.loads((self.state_dir / "run.json").read_text())

    def wait(self, timeout: float) -> int:
        rc = self.proc.wait(timeout)
        self._reader.join(5)
        return rc

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 9)
            self.proc.wait()
