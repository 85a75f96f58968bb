"""A second SIGTERM (or SIGINT) arriving while the first one's handler is still setting the stop
event must not deadlock the process: `motcua up`'s db sink was found alive 18 minutes after its
parent died, its main thread blocked in a nested handler waiting for the lock the interrupted
``Event.set`` held."""

from __future__ import annotations

import subprocess
import sys
import textwrap

CHILD = textwrap.dedent("""
    import os, signal
    from motcua.commands._signals import stop_event
    stop = stop_event()
    with stop._cond:  # as if the first signal's handler were inside stop.set() right now
        os.kill(os.getpid(), signal.SIGTERM)  # the second signal's handler runs here
    assert stop.wait(5), "the stop event was never set"
    print("stopped", flush=True)
""")


def test_a_signal_during_the_handlers_own_set_neither_deadlocks_nor_is_lost():
    proc = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    try:
        out, _ = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("the process deadlocked in its signal handler") from None
    assert proc.returncode == 0 and out.strip() == "stopped"
