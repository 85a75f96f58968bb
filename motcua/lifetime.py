"""Child processes that cannot outlive the process that started them.

The embedded broker and the components of ``motcua up`` run in their own sessions
(``start_new_session``) so a Ctrl-C in the terminal reaches only their parent, which stops them
in order. That also means a parent killed with SIGKILL (an OOM kill, a test runner's timeout)
would leave them running, holding ports and memory. :func:`die_with_parent` closes that gap on
Linux with ``prctl(PR_SET_PDEATHSIG)``; elsewhere it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
from collections.abc import Callable

__all__ = ["die_with_parent", "terminate"]

_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A ``preexec_fn`` for :class:`subprocess.Popen`: the child gets ``sig`` when the parent dies.

    Linux sends the signal when the *thread* that forked exits, so start such children from a
    thread that lives as long as they should (the main thread, everywhere in motcua). Returns
    None (no ``preexec_fn``) where ``prctl`` is unavailable.
    """
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), sig)
    return preexec


def terminate(proc: subprocess.Popen | None, timeout: float) -> None:
    """SIGTERM ``proc``, then SIGKILL after ``timeout`` seconds; nothing if it already ended."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
