"""What keeps a batch's offsets from being committed before the batch is done.

faust's ``Stream.take_events`` acks every event of a batch in a ``finally`` clause, so the
events of a batch that was *interrupted* are acked too: when a worker stops (SIGTERM, a clean
leave), faust cancels the agent mid-batch, the generator closes, its ``finally`` acks the whole
batch, and the consumer's last commit marks records as processed that never were. The
rebalance fault test found it: a worker that left the group skipped exactly one batch (500
records) of the partition it handed back, and the flags and classifications of those dossiers
came out wrong.

:func:`committed_only_if_done` closes that: if the batch does not finish, each message is
marked acked *without* recording its offset, so faust's later ack is a no-op and the records
are consumed again by whoever holds the partition next. faust's own ``Message.acked`` flag is
the switch; nothing in faust is patched.

:func:`flush_changelog` ends a batch: faust commits acked offsets on its own clock, while the
batch's Table writes reach the changelog through a buffer, so without it a crash could commit
offsets whose state never reached the changelog.

:func:`stopping_tolerated` is for timers: faust stops the producer before the timers, so a
timer that fires during a stop used to crash it (exit code 1).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from faust.exceptions import NotReady

__all__ = ["committed_only_if_done", "flush_changelog", "stopping_tolerated"]


@contextlib.contextmanager
def committed_only_if_done(events: Sequence[Any]) -> Iterator[None]:
    """Run a batch; if it raises (cancelled included), none of ``events`` will be committed."""
    try:
        yield
    except BaseException:
        for event in events:
            event.message.acked = True  # faust's ack skips an acked message: offset not recorded
        raise


async def flush_changelog(app: Any) -> None:
    """Return once every record produced so far (the batch's changelog writes) is acknowledged.
    faust's buffer flush gives up after 0.1 s per record, so it is repeated until empty."""
    producer = app.producer
    while producer.buffer.size:
        await producer.buffer.flush()
    await producer.flush()


@contextlib.contextmanager
def stopping_tolerated(app: Any) -> Iterator[None]:
    """A send refused because the worker is stopping ends a timer's round quietly. Nothing is
    lost: what the timer did not send is sent after the next start."""
    try:
        yield
    except NotReady:
        if not app.should_stop:
            raise
