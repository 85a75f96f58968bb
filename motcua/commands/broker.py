"""``motcua broker``: run the embedded Kafka-compatible broker in the foreground."""

from __future__ import annotations

import argparse

from motcua.commands._signals import stop_event
from motcua.broker import EmbeddedBroker, advertise, ensure_topics
from motcua.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "broker", help="run the embedded Kafka-compatible broker (memory only) until Ctrl-C",
        description="Start the bundled Tansu broker on loopback, create the contract's topics, "
                    "print the bootstrap address and run until Ctrl-C or SIGTERM. Other motcua "
                    "commands using the same --state-dir reuse it.")
    p.add_argument("--port", type=int, default=None, help="listen port (default 19092, env MOTCUA_BROKER_PORT)")
    p.add_argument("--partitions", type=int, default=None, help="partitions per topic (default 6)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    port = args.port or settings.broker_port
    stop = stop_event()
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    with EmbeddedBroker(port, settings.state_dir / "broker.log") as broker:
        created = ensure_topics(broker.bootstrap, args.partitions or settings.topic_partitions)
        with advertise(settings.state_dir, broker):
            print(f"broker ready: {broker.bootstrap} (topics created: {len(created)})", flush=True)
            stop.wait()
    print("broker stopped", flush=True)
    return 0
