"""Our worker in live wall-clock mode with a *shifted* clock, for the flag-latency measurement:
``python -m motcua.bench.live_worker BOUNDARY LEAD_S``.

Deadlines have minute resolution in working time, so a live run only sees one pass when the
office is open. The clock is the real clock plus an offset fixed when the worker is ready, such
that the shifted time reaches ``BOUNDARY`` (ISO) ``LEAD_S`` seconds later; the line
``bench: boundary_epoch=<real epoch seconds>`` says when that is. Everything else is
``motcua worker`` (env settings, event source, stores, timers).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time

from prometheus_client import CollectorRegistry

from motcua.commands.worker import worker_connection
from motcua.settings import Settings
from stream_processors.app import create_app
from stream_processors.runner import run_app


def main() -> int:
    boundary, lead = dt.datetime.fromisoformat(sys.argv[1]), float(sys.argv[2])
    shift = {"offset": boundary.timestamp() - time.time() - 3600.0}  # before ready: an hour early

    def clock() -> dt.datetime:
        return dt.datetime.fromtimestamp(time.time() + shift["offset"], dt.timezone.utc)

    def ready(line: str) -> None:
        real = time.time() + lead
        shift["offset"] = boundary.timestamp() - real
        print(f"bench: boundary_epoch={real}", flush=True)
        print(line, flush=True)

    settings = Settings.from_env(os.environ)
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(settings, worker_connection(settings, settings.kafka_bootstrap_servers),
                     worker_id="live",
                     registry=CollectorRegistry(), on_ready=ready, clock=clock)
    return run_app(app)


if __name__ == "__main__":
    raise SystemExit(main())
