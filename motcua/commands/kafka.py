"""``motcua kafka``: run a local Apache Kafka cluster (1 or 3 nodes) in the foreground, or
``motcua kafka fetch`` its jars into the cache (what ``make test`` does first)."""

from __future__ import annotations

import argparse
import json
import shutil
import time

from motcua.commands._signals import stop_event
from motcua.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "kafka", help="run a local Apache Kafka cluster (KRaft) until Ctrl-C, or fetch it",
        description="`motcua kafka` starts Apache Kafka (1 or 3 combined broker+controller "
                    "nodes on loopback, the compose cluster's broker settings) in "
                    "STATE_DIR/kafka, creates the contract's topics, prints the bootstrap "
                    "address and runs until Ctrl-C or SIGTERM. `motcua kafka fetch` only "
                    "fetches its jars through Maven into ~/.cache/motcua (once; offline after).")
    p.add_argument("action", nargs="?", choices=["run", "fetch"], default="run",
                   help="run (default) or fetch")
    p.add_argument("--nodes", type=int, choices=[1, 3], default=1, help="cluster size (default 1)")
    p.add_argument("--partitions", type=int, default=None, help="partitions per topic (default 6)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from motcua.kafka_cluster import KAFKA_VERSION, fetch, local_kafka

    if args.action == "fetch":
        started = time.monotonic()
        libs = fetch()
        print(f"Apache Kafka {KAFKA_VERSION}: {libs} ({time.monotonic() - started:.1f}s)",
              flush=True)
        return 0
    stop = stop_event()
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    with local_kafka(settings, args.nodes, args.partitions) as cluster:
        print(f"kafka ready: {cluster.bootstrap} (Apache Kafka {KAFKA_VERSION}, "
              f"{args.nodes} node(s))", flush=True)
        print(json.dumps({"kafka_nodes": cluster.info()}), flush=True)
        stop.wait()
    print("kafka stopped", flush=True)
    return 0
