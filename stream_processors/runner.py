"""Run a worker app under faust's ``Worker`` quietly: used by ``motcua worker`` and the bench."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from typing import Any

import faust

__all__ = ["run_app", "STOP_GRACE_S"]

#: seconds a stop may take before the process exits anyway (nothing is lost: each partition
#: resumes from its Table position). Below `motcua up`'s 15 s, so that a slow stop ends with
#: the worker's own exit code, not the supervisor's SIGKILL
STOP_GRACE_S = 10.0


def _exit_after(seconds: float) -> None:
    """Exit the process in ``seconds`` unless it has ended by then. faust's stop commits offsets
    and leaves the group; with the broker gone (say both were told to stop when their parent died)
    aiokafka retries that for minutes, so a stop must be bounded."""
    def expire() -> None:
        # the parent may be gone (this stop came from its death): a write to its pipe raises
        # BrokenPipeError, which must not keep the process alive
        with contextlib.suppress(OSError, ValueError):
            print(f"worker did not stop within {seconds:.0f}s; exiting", file=sys.stderr,
                  flush=True)
        os._exit(1)
    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()


class _QuietWorker(faust.Worker):
    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        super().on_setup_root_logger(logger, level)
        # mode leaves the root logger at DEBUG (only its handler filters), so every debug() call
        # in faust/aiokafka's per-message paths built a LogRecord: ~6% of the worker's time
        logger.setLevel(self.loglevel)

    def _on_sigterm(self) -> None:
        _exit_after(STOP_GRACE_S)
        super()._on_sigterm()

    def _on_sigint(self) -> None:
        _exit_after(STOP_GRACE_S)
        super()._on_sigint()


def run_app(app: Any, loglevel: int = logging.WARNING) -> int:
    """Run ``app`` until SIGTERM/SIGINT (it leaves the group); returns the exit code."""
    # faust's banner/spinner would mangle the ready line; left open for its atexit hook
    quiet = open(os.devnull, "w")  # noqa: SIM115
    worker = _QuietWorker(app, loglevel=loglevel, quiet=True, stdout=quiet, redirect_stdouts=False)
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0
