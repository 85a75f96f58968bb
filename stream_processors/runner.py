"""Run a worker app under faust's ``Worker`` quietly: used by ``motcua worker`` and the bench."""

from __future__ import annotations

import logging
import os
from typing import Any

import faust

__all__ = ["run_app"]


class _QuietWorker(faust.Worker):
    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        super().on_setup_root_logger(logger, level)
        # mode leaves the root logger at DEBUG (only its handler filters), so every debug() call
        # in faust/aiokafka's per-message paths built a LogRecord: ~6% of the worker's time
        logger.setLevel(self.loglevel)


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
