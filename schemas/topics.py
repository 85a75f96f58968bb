"""Topic names and their properties: the one list every producer, processor and sink uses."""

from __future__ import annotations

import dataclasses

__all__ = ["ALL_TOPICS", "Topic", "CATALOG", "CLASSIFICATIONS", "DEAD_LETTERS", "DEADLINE_TICKS",
           "FLAGS", "LETTERS", "LIFECYCLE", "METRICS", "METRIC_FACTS", "prefixed"]


@dataclasses.dataclass(frozen=True)
class Topic:
    name: str
    description: str
    key: str
    cleanup_policy: str = "delete"   # "delete" or "compact"
    partitions: int | None = None    # None: the deployment's MOTCUA_TOPIC_PARTITIONS
    internal: bool = False           # written and read only by the pipeline itself


LIFECYCLE = Topic(
    "dossier-lifecycle", "Every lifecycle event of every dossier, plus producer heartbeats.",
    key="dossier code (mã hồ sơ); heartbeats: producer id, sent to every partition")
CATALOG = Topic(
    "procedure-catalog", "The procedure catalog with its public-disclosure details.",
    key="procedure code (mã TTHC)", cleanup_policy="compact")
FLAGS = Topic(
    "dossier-flags", "At-risk and overdue flags, once per (dossier, kind, due version).",
    key="dossier code")
CLASSIFICATIONS = Topic(
    "dossier-classifications", "Biểu 06 grading of each dossier when it ends.", key="dossier code")
METRICS = Topic(
    "compliance-metrics", "Rolling compliance metric snapshots.",
    key="{scope}:{key}:{window}", cleanup_policy="compact")
LETTERS = Topic("apology-letters", "Apology letters drafted by the letter sink.", key="dossier code")
DEAD_LETTERS = Topic(
    "dead-letters", "Records the pipeline could not apply, with reason and origin.",
    key="{source topic}/{partition}/{offset} of the original record")
DEADLINE_TICKS = Topic(
    "deadline-ticks", "Internal: deadline timer output applied by the flagging agent.",
    key="dossier code", internal=True)

METRIC_FACTS = Topic(
    "metric-facts", "Internal: per-dossier metric facts repartitioned by metric scope, "
    "bundled: one record per scope key per lifecycle batch.",
    key="{scope}:{key}", internal=True)

ALL_TOPICS: tuple[Topic, ...] = (
    LIFECYCLE, CATALOG, FLAGS, CLASSIFICATIONS, METRICS, LETTERS, DEAD_LETTERS, DEADLINE_TICKS,
    METRIC_FACTS,
)


def prefixed(prefix: str, topics: tuple[Topic, ...] = ALL_TOPICS) -> tuple[Topic, ...]:
    """``topics`` renamed ``{prefix}{name}`` (``MOTCUA_TOPIC_PREFIX``; empty = unchanged)."""
    if not prefix:
        return topics
    return tuple(dataclasses.replace(t, name=prefix + t.name) for t in topics)
