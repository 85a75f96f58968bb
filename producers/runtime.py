"""Wiring shared by the producer commands: outbox location, broker address, a background relay."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from motcua.broker import running_embedded
from motcua.settings import Settings
from producers.outbox import Outbox, RelayBusy
from producers.publisher import KafkaSender, PublisherMetrics, Relay, producer_config

__all__ = ["background_relay", "bootstrap_for", "make_relay", "outbox_path"]


def outbox_path(settings: Settings) -> Path:
    return settings.state_dir / "outbox.sqlite"


def bootstrap_for(settings: Settings) -> str:
    """KAFKA_BOOTSTRAP_SERVERS, else the embedded broker of this state dir, else its default port.

    Producers never start a broker: if none answers yet, events wait in the outbox.
    """
    return (settings.kafka_bootstrap_servers or running_embedded(settings.state_dir)
            or f"127.0.0.1:{settings.broker_port}")


def make_relay(settings: Settings, outbox: Outbox, report: Callable[[str], None],
               metrics: PublisherMetrics | None = None, batch: int = 1000) -> Relay:
    sender = KafkaSender(producer_config(settings, bootstrap_for(settings)),
                         settings.topic_partitions)
    return Relay(outbox, sender, batch=batch, report=report, metrics=metrics)


@contextlib.contextmanager
def background_relay(settings: Settings, outbox: Outbox, wake: threading.Event,
                     report: Callable[[str], None], metrics: PublisherMetrics | None = None,
                     final_flush: float = 5.0) -> Iterator[Relay | None]:
    """Relay in a thread while the block runs, then try ``final_flush`` seconds to drain.

    Yields None (and relays nothing) when another process already relays this outbox.
    """
    stop = threading.Event()
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(outbox.relay_lock())
        except RelayBusy:
            report("another process relays this outbox; events are handed to it")
            yield None
            return
        relay = make_relay(settings, outbox, report, metrics)
        thread = threading.Thread(target=relay.run, args=(stop, wake), name="outbox-relay",
                                  daemon=True)
        thread.start()
        try:
            yield relay
        finally:
            stop.set()
            wake.set()
            thread.join()
            if final_flush > 0:
                relay.flush(final_flush)
            relay.sender.close()
