"""Every faust-streaming behaviour the worker relies on or defends against, in one place.

faust-streaming and aiokafka are pinned exactly (pyproject.toml); ``tests/unit/test_faust_reliance.py``
reproduces each point below on the pinned versions, so an upgrade that changes one fails there.

**Relied on** (the worker's code uses it):

1. *A Table write goes to the partition of the current event* (faust's ``_current_event``
   context variable, set by the stream per event). In a batch that is the last event, whatever its
   partition, so :func:`partition_scope` sets it per access. This module is the only place that
   touches the variable.
2. *Recovery ends with ``Consumer.perform_seek()``, which seeks through ``seek_to_committed()``*
   after the Tables are recovered and before the flow resumes (``Recovery._resume_streams``);
   faust also calls it when a fetch returns while the flow is stopped. The worker's consumer
   overrides ``seek_to_committed`` to seek to the Table positions
   (:mod:`stream_processors.positions`).
3. *``Consumer.stop_flow()`` makes the fetcher drop the records it holds*: its loop stops handing
   out the fetched batch and abandons a record waiting for queue space
   (:func:`stream_processors.batch_safety.rewind`).
   ``Consumer.wait_for_stopped_flow()``, meant for exactly this, returns at once: the event it
   waits on is never cleared.
4. *``App.on_rebalance_start/end`` bracket a rebalance, the ``on_partitions_revoked`` signal is
   awaited inside the revoke before the group is rejoined, and ``App.on_stop`` runs before the
   consumer, agents and producer stop* (:class:`stream_processors.transport.WorkerApp`). The
   worker's consumer class comes in through ``App._new_transport``, the one private method the
   worker overrides (faust has no public setting for the consumer class).

**Defended against** (the guarantee does not depend on it; see docs/stream-processors.md):

5. faust commits over offsets nobody acked (the first consecutive run of acked offsets, whatever
   the committed offset): faust-streaming#606 (open), earlier #312, robinhood/faust#401.
6. The stream skips records of an older generation or fetched while flow was stopped, and acks
   them ("otherwise the lag would increase"); ``take_events`` acks a batch in a ``finally``
   clause, also when it was interrupted (faust-streaming#189).
7. Records prefetched before a rebalance reach the stream after it, out of order
   (faust-streaming#221, #216), and a batch buffered by ``take_events`` before a rebalance is handed
   to the agent after it.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator, Sequence
from typing import Any

from faust import streams as faust_streams

__all__ = ["partition_scope"]


def partition_scope(events: Sequence[Any]):  # noqa: ANN201
    """``scope(partition)``: a context in which faust Table reads and writes address
    ``partition`` (point 1), for a batch of ``events``."""
    by_partition = {e.message.partition: e for e in events}

    @contextlib.contextmanager
    def scope(partition: int) -> Iterator[None]:
        token = faust_streams._current_event.set(weakref.ref(by_partition[partition]))
        try:
            yield
        finally:
            faust_streams._current_event.reset(token)
    return scope
