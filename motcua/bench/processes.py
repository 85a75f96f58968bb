"""Subprocess helpers of the benchmark: start a process, wait for a line, scrape /metrics."""

from __future__ import annotations

import queue
import re
import subprocess
import threading
import time
import urllib.request

from motcua.lifetime import die_with_parent
from motcua.orchestrator import free_port

__all__ = ["Process", "free_port", "scrape"]


def scrape(port: int, name: str, labels: str = "", patience: float = 120.0) -> float:
    """The value of one sample on ``127.0.0.1:port/metrics`` (0.0 when absent). A worker busy
    replaying can leave its metrics thread without the GIL for seconds: a scrape that fails is
    retried for ``patience`` seconds before the error is raised."""
    deadline = time.monotonic() + patience
    while True:
        try:
            text = _metrics_page(port)
            break
        except OSError:  # refused, reset or timed out (urllib's URLError is an OSError)
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.5)
    pattern = re.escape(name) + (r"\{" + re.escape(labels) + r"\}" if labels else "") + r" (\S+)"
    match = re.search("^" + pattern + "$", text, re.M)
    return float(match.group(1)) if match else 0.0


def _metrics_page(port: int) -> str:
    return urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()


class Process:
    """A child process whose stdout+stderr lines are collected."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True,
                                     preexec_fn=die_with_parent())
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        try:
            for line in self.proc.stdout:
                self.output.append(line)
                self.lines.put(line)
        except ValueError:  # stdout closed by stop()/kill()
            pass

    def wait_line(self, prefix: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            if line.startswith(prefix):
                return line
        self.stop()
        raise RuntimeError(f"no {prefix!r} line:\n" + "".join(self.output[-30:]))

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout`` seconds; returns the exit code."""
        if self.proc.stdout.closed:
            return self.proc.returncode
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        self.proc.kill()
        self.proc.wait(10)
        self.proc.stdout.close()
