"""``motcua topics create``: create the contract's topics on a real Kafka cluster.

The one-shot ``topic-init`` service of ``docker-compose.yml`` runs it. Idempotent: topics that
already exist are left alone (their partitions and configs are not altered).
"""

from __future__ import annotations

import argparse
import sys

from motcua.broker import BrokerError, ensure_topics
from motcua.kafka import kafka_python_config
from motcua.settings import Settings
from schemas.topics import prefixed


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "topics", help="manage the contract's topics on KAFKA_BOOTSTRAP_SERVERS",
        description="Topic administration against the cluster named by KAFKA_BOOTSTRAP_SERVERS, "
                    "with the KAFKA_SECURITY_PROTOCOL / KAFKA_SASL_* / KAFKA_SSL_CAFILE settings.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser(
        "create", help="create every topic of the contract that does not exist yet",
        description="Create each topic of schemas.topics.ALL_TOPICS (with MOTCUA_TOPIC_PREFIX) "
                    "with its partitions and cleanup policy. Existing topics are left as they are.")
    create.add_argument("--partitions", type=int, default=None,
                        help="partitions of topics that do not fix their own "
                             "(default MOTCUA_TOPIC_PARTITIONS, 6)")
    create.add_argument("--replication-factor", type=int, default=None,
                        help="replicas of each partition "
                             "(default MOTCUA_TOPIC_REPLICATION_FACTOR, 1; 3 on the compose cluster)")
    create.add_argument("--timeout", type=float, default=60.0,
                        help="seconds to keep trying to reach the cluster (default 60)")
    create.set_defaults(func=run_create)


def run_create(args: argparse.Namespace, settings: Settings) -> int:
    bootstrap = settings.kafka_bootstrap_servers
    if not bootstrap:
        print("motcua topics create: KAFKA_BOOTSTRAP_SERVERS is not set", file=sys.stderr)
        return 2
    topics = prefixed(settings.topic_prefix)
    replication = args.replication_factor or settings.topic_replication_factor
    try:
        created = ensure_topics(bootstrap, args.partitions or settings.topic_partitions, topics,
                                replication=replication, timeout=args.timeout,
                                client_config=kafka_python_config(settings, bootstrap))
    except BrokerError as exc:
        print(f"motcua topics create: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # kafka-python errors (replication > brokers, auth, ...)
        print(f"motcua topics create: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"topics: {len(created)} created, {len(topics) - len(created)} already present"
          f" (replication factor {replication})", flush=True)
    for name in created:
        print(f"  created {name}", flush=True)
    return 0
