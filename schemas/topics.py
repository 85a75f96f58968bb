"""Topic names and their properties: the one list every producer, processor and sink uses.

Public topics carry CloudEvents 1.0 records in Kafka binary mode: that is the contract. Internal
topics (``internal=True``) are the stream processors' own plumbing; their records are plain JSON,
not CloudEvents, and may change with any release. The AsyncAPI document marks them
(``x-motcua-internal``) so that no subscriber reads them.
"""

from __future__ import annotations

import dataclasses

__all__ = ["ALL_TOPICS", "INTERNAL_NOTE", "PUBLIC_TOPICS", "Topic", "CALENDAR_CHANGES", "CATALOG",
           "CLASSIFICATIONS", "DEAD_LETTERS", "DEADLINE_TICKS", "FEEDBACK", "FLAGS", "LETTERS",
           "LIFECYCLE", "METRICS",
           "METRIC_FACTS", "prefixed"]

#: What the contract says of every internal topic (AsyncAPI channel description, docs).
INTERNAL_NOTE = ("Internal to the stream processors: its records are not CloudEvents and their "
                 "format may change in any release without a new contract version. Subscribers "
                 "must not read this topic.")


@dataclasses.dataclass(frozen=True)
class Topic:
    name: str
    description: str
    key: str
    cleanup_policy: str = "delete"   # "delete" or "compact"
    partitions: int | None = None    # None: the deployment's MOTCUA_TOPIC_PARTITIONS
    internal: bool = False           # written and read only by the stream processors; not CloudEvents


LIFECYCLE = Topic(
    "dossier-lifecycle", "Every lifecycle event of every dossier, plus producer heartbeats.",
    key="dossier code (mã hồ sơ); heartbeats: producer id, sent to every partition")
CATALOG = Topic(
    "procedure-catalog", "The procedure catalog with its public-disclosure details.",
    key="procedure code (mã TTHC)", cleanup_policy="compact")
FLAGS = Topic(
    "dossier-flags", "At-risk and overdue flags, once per (dossier, kind, due version), and the "
    "withdrawal of a due version's flags when a calendar change re-issues the due moment.",
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
    "deadline-ticks", "Deadline timer output applied by the flagging agent, as plain JSON "
    "{\"code\", \"at\"}.",
    key="dossier code", internal=True)

FEEDBACK = Topic(
    "citizen-feedback", "Citizen feedback (PAKN) and each step of its handling.",
    key="feedback id")

METRIC_FACTS = Topic(
    "metric-facts", "Per-dossier metric facts repartitioned by metric scope, as plain JSON "
    "bundles: one record per scope key per lifecycle batch.",
    key="{scope}:{key}", internal=True)

CALENDAR_CHANGES = Topic(
    "calendar-changes", "Operator changes of the working calendar (a date off or worked, with "
    "its document); the latest change of a date wins.",
    key="{date}:{scope}", cleanup_policy="compact", partitions=1)

ALL_TOPICS: tuple[Topic, ...] = (
    LIFECYCLE, CATALOG, FLAGS, CLASSIFICATIONS, METRICS, LETTERS, DEAD_LETTERS, DEADLINE_TICKS,
    METRIC_FACTS, FEEDBACK, CALENDAR_CHANGES,
)
#: The topics of the contract: every record on them is a CloudEvents 1.0 event (binary mode).
PUBLIC_TOPICS: tuple[Topic, ...] = tuple(t for t in ALL_TOPICS if not t.internal)


def prefixed(prefix: str, topics: tuple[Topic, ...] = ALL_TOPICS) -> tuple[Topic, ...]:
    """``topics`` renamed ``{prefix}{name}`` (``MOTCUA_TOPIC_PREFIX``; empty = unchanged)."""
    if not prefix:
        return topics
    return tuple(dataclasses.replace(t, name=prefix + t.name) for t in topics)
