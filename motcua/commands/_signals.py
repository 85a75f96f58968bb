"""How long-running commands stop: SIGINT (Ctrl-C) and SIGTERM set one event they wait on."""

from __future__ import annotations

import signal
import threading


def stop_event() -> threading.Event:
    """An event set by the first SIGINT or SIGTERM; call it from the main thread only."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop
