"""``motcua bench``: the benchmark of issue 9 (a benchmark, not a test; see docs/performance.md)."""

from __future__ import annotations

import argparse
import json
import sys

from motcua.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "bench", help="measure throughput, tick cost and flag latency (embedded broker or Apache Kafka)",
        description="One run, side by side on the same simulated records: a bare aiokafka "
                    "consumer, a trivial faust agent, a faust agent with one Table write per "
                    "event, our worker; our outbox publisher vs plain kafka-python; the deadline "
                    "index tick cost at 10k/100k/1M open dossiers; deadline → flag latency in "
                    "live mode; state bytes per open dossier. Progress on stderr; the last "
                    "stdout line is one JSON object. Uses KAFKA_BOOTSTRAP_SERVERS if set, else "
                    "starts its own embedded broker (or one Apache Kafka node: --broker kafka).")
    p.add_argument("--broker", choices=["tansu", "kafka"], default="tansu",
                   help="tansu: the embedded broker (default); kafka: one Apache Kafka node "
                        "from the Maven cache")
    p.add_argument("--quick", action="store_true", help="smaller workload, under two minutes")
    p.add_argument("--year", action="store_true",
                   help="a simulated province-year through one worker: events/s per month, RSS, "
                        "state bytes, snapshot cost, takeover after SIGKILL (tens of minutes)")
    p.add_argument("--dossiers", type=int, default=250_000,
                   help="dossiers filed over the --year (default 250000)")
    p.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)  # the CLI's own test
    p.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from motcua.bench.run import run_bench, run_year

    if args.year:
        result = run_year(args.dossiers, _report, settings.kafka_bootstrap_servers or None,
                          broker=args.broker)
        print(json.dumps(result, sort_keys=True), flush=True)
        return 0
    mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    result = run_bench(mode, report=_report, bootstrap=settings.kafka_bootstrap_servers or None,
                       broker=args.broker)
    print(json.dumps(result, sort_keys=True), flush=True)
    return 0


def _report(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
