"""Process supervision for ``motcua up``: start components, wait for ``ready:``, watch, stop.

Each component is a ``motcua`` subcommand run as a child process with the same ``--state-dir``
and its own ``--metrics-port``. A child's stdout lines (progress and health) are echoed with its
name; its stderr (logs) goes to ``STATE_DIR/logs/<name>.log``. A child that exits while it
should be running is a failure that stops the whole run, reported with the tail of its log.
Adding a component is one line in :func:`plan`.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from motcua.lifetime import die_with_parent

__all__ = ["Child", "ComponentFailed", "ComponentSpec", "Supervisor", "answers", "available",
           "free_port", "plan"]

#: Simulated seconds per wall second by default: one simulated day every 5 s, so a 5-working-day
#: dossier turns at risk and overdue within about a minute of `motcua up`.
DEFAULT_SPEED = 17280.0
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # faust draws a spinner on stdout


@dataclasses.dataclass(frozen=True)
class ComponentSpec:
    """One child: ``command`` is the motcua subcommand path, e.g. ``("sink", "letters")``."""

    name: str
    command: tuple[str, ...]
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = dataclasses.field(default_factory=dict)
    may_finish: bool = False        # a bounded simulator may exit 0 on its own
    metrics_offset: int = 0         # /metrics on --metrics-base-port + offset (prometheus.yml)


def plan(simulate: bool, speed: float, board_port: int,
         simulator_args: Sequence[str] = ()) -> list[ComponentSpec]:
    """The components of a local run, in start order (the simulator last)."""
    time_env = {"MOTCUA_TIME_SOURCE": "event"} if simulate else {}
    specs = [
        ComponentSpec("worker", ("worker",), env=time_env, metrics_offset=1),
        ComponentSpec("letters", ("sink", "letters"), metrics_offset=2),
        ComponentSpec("db", ("sink", "db"), metrics_offset=3),
        ComponentSpec("board", ("board",), ("--port", str(board_port)), metrics_offset=4),
    ]
    if simulate:
        specs.append(ComponentSpec("simulator", ("simulate",),
                                   ("--speed", f"{speed:g}", *simulator_args), may_finish=True,
                                   metrics_offset=5))
    return specs


#: One-shot commands run (in order, if installed) before any component starts.
SETUP_COMMANDS: tuple[tuple[str, ...], ...] = (("db", "upgrade"),)


def available(parser: argparse.ArgumentParser, command: Sequence[str]) -> bool:
    """Whether ``parser`` knows the (possibly nested) subcommand ``command``."""
    for i, word in enumerate(command):
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if subs and word in subs[0].choices:
            parser = subs[0].choices[word]
            continue
        # a positional with choices, e.g. `motcua sink {letters,db}`, ends the path
        choices = [a.choices for a in parser._actions if not a.option_strings and a.choices]
        return i == len(command) - 1 and any(word in c for c in choices)
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(port: int) -> bool:
    """Whether something accepts TCP connections on ``127.0.0.1:port``."""
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class ComponentFailed(RuntimeError):
    """A child exited or never became ready; the message names it and quotes its log."""


@dataclasses.dataclass
class Child:
    spec: ComponentSpec
    process: subprocess.Popen[str]
    log_path: Path
    metrics_port: int
    ready: threading.Event = dataclasses.field(default_factory=threading.Event)
    ready_line: str = ""
    lines: collections.deque[str] = dataclasses.field(
        default_factory=lambda: collections.deque(maxlen=20))
    stopping: bool = False

    def log_tail(self, n: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()[-n:]
        except OSError:
            text = []
        return "\n".join([*self.lines, *text][-n:])


class Supervisor:
    """Starts and stops children; ``echo`` receives every line meant for the operator."""

    def __init__(self, state_dir: Path, env: Mapping[str, str],
                 echo: Callable[[str], None] = print) -> None:
        self.state_dir, self.env, self.echo = state_dir, dict(env), echo
        self.children: list[Child] = []
        (state_dir / "logs").mkdir(parents=True, exist_ok=True)

    def setup(self, command: Sequence[str], timeout: float = 120.0) -> None:
        """Run a one-shot ``motcua`` command to completion; ComponentFailed if it fails."""
        argv = [sys.executable, "-m", "motcua", "--state-dir", str(self.state_dir), *command]
        log_path = self.state_dir / "logs" / f"setup-{'-'.join(command)}.log"
        with open(log_path, "w") as log:
            res = subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT, env=self.env,
                                 stdin=subprocess.DEVNULL, timeout=timeout)
        if res.returncode != 0:
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-15:])
            raise ComponentFailed(f"`motcua {' '.join(command)}` failed with code "
                                  f"{res.returncode} (log: {log_path})\n{tail}")
        self.echo(f"setup: motcua {' '.join(command)} ok")

    def start(self, spec: ComponentSpec, metrics_port: int) -> Child:
        argv = [sys.executable, "-m", "motcua", "--state-dir", str(self.state_dir),
                *spec.command, *spec.args, "--metrics-port", str(metrics_port)]
        log_path = self.state_dir / "logs" / f"{spec.name}.log"
        with open(log_path, "w") as log:
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log,
                                    stdin=subprocess.DEVNULL, text=True, bufsize=1,
                                    env={**self.env, **spec.env}, start_new_session=True,
                                    preexec_fn=die_with_parent())
        child = Child(spec, proc, log_path, metrics_port)
        threading.Thread(target=self._read, args=(child,), daemon=True,
                         name=f"read-{spec.name}").start()
        self.children.append(child)
        return child

    def _read(self, child: Child) -> None:
        assert child.process.stdout is not None
        for raw in child.process.stdout:
            line = _ANSI.sub("", raw).strip()
            if not line:
                continue
            child.lines.append(line)
            if line.startswith("ready:") and not child.ready.is_set():
                child.ready_line = line
                child.ready.set()
            self.echo(f"[{child.spec.name}] {line}")

    def wait_ready(self, children: Sequence[Child], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for child in children:
            while not child.ready.wait(0.1):
                self.check(child)
                if time.monotonic() > deadline:
                    raise ComponentFailed(f"{child.spec.name} not ready after {timeout:.0f}s "
                                          f"(log: {child.log_path})\n{child.log_tail()}")

    def check(self, child: Child) -> None:
        """Raise ComponentFailed if ``child`` exited when it should be running."""
        rc = child.process.poll()
        if rc is None or child.stopping or (child.spec.may_finish and rc == 0):
            return
        raise ComponentFailed(f"{child.spec.name} exited with code {rc} "
                              f"(log: {child.log_path})\n{child.log_tail()}")

    def check_all(self) -> None:
        for child in self.children:
            self.check(child)

    def stop(self, child: Child, timeout: float = 15.0) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout``; returns the exit code."""
        child.stopping = True
        proc = child.process
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.echo(f"{child.spec.name} did not stop within {timeout:.0f}s; killing it")
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        return proc.returncode

    def stop_all(self, order: Sequence[str] | None = None) -> None:
        names = list(order or [c.spec.name for c in reversed(self.children)])
        for child in sorted(self.children, key=lambda c: names.index(c.spec.name)
                            if c.spec.name in names else len(names)):
            self.stop(child)
