"""How long-running commands stop: SIGINT (Ctrl-C) and SIGTERM set one event they wait on."""

from __future__ import annotations

import signal
import threading


def stop_event() -> threading.Event:
    """An event set by the first SIGINT or SIGTERM; call it from the main thread only.

    The handler hands ``set`` to a short-lived thread instead of calling it: a handler runs in
    the main thread between two bytecodes, possibly inside an earlier handler's ``Event.set``,
    which holds the event's lock. Calling ``set`` there waited for that lock forever — a sink of
    ``motcua up`` that got two SIGTERMs (its parent's death, then the test's) stayed alive.
    """
    stop = threading.Event()

    def on_signal(*_: object) -> None:
        if not stop.is_set():
            threading.Thread(target=stop.set, name="stop-signal", daemon=True).start()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    return stop
