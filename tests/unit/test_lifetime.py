"""A child started with ``die_with_parent`` ends when its parent is SIGKILLed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from tests.waiting import process_gone, wait_until

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")

PARENT = textwrap.dedent("""
    import subprocess, sys, time
    from motcua.lifetime import die_with_parent
    preexec = die_with_parent() if sys.argv[1] == "guarded" else None
    child = subprocess.Popen(["sleep", "60"], start_new_session=True, preexec_fn=preexec)
    print(child.pid, flush=True)
    time.sleep(60)
""")


def _orphan(mode: str) -> int:
    """Start a parent that starts ``sleep 60``, SIGKILL the parent; return the child's pid."""
    parent = subprocess.Popen([sys.executable, "-c", PARENT, mode], stdout=subprocess.PIPE,
                              text=True)
    with parent.stdout:
        child = int(parent.stdout.readline())
    parent.kill()
    parent.wait(10)
    return child


def test_the_child_of_a_killed_parent_is_stopped():
    child = _orphan("guarded")
    wait_until(lambda: process_gone(child), 10, f"child {child} to end with its parent")


def test_without_it_the_child_would_have_survived():
    # the control: proves the test above measures die_with_parent, not something else
    child = _orphan("unguarded")
    try:
        assert not process_gone(child)
    finally:
        os.kill(child, signal.SIGKILL)
