"""A worker's bounded stop exits even when its parent is gone: the stop that a parent's death
started must not be kept alive by a write to the dead parent's pipe."""

from __future__ import annotations

import subprocess
import sys
import textwrap

CHILD = textwrap.dedent("""
    import sys, time
    from stream_processors.runner import _exit_after
    sys.stdin.readline()  # the parent closed its end of our stderr pipe
    _exit_after(0.1)
    time.sleep(30)
""")


def test_the_stop_deadline_exits_even_if_stderr_is_a_broken_pipe():
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    child.stderr.close()  # like a parent that died: writes to the pipe raise BrokenPipeError
    child.stdin.write(b"go\n")
    child.stdin.close()
    try:
        assert child.wait(timeout=10) == 1
    finally:
        child.kill()
