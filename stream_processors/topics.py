"""The worker's topic names, with the deployment's ``MOTCUA_TOPIC_PREFIX`` applied."""

from __future__ import annotations

from dataclasses import dataclass

from schemas import registry, topics

__all__ = ["WorkerTopics"]


@dataclass(frozen=True)
class WorkerTopics:
    prefix: str = ""

    def name(self, topic: topics.Topic) -> str:
        return self.prefix + topic.name

    def for_type(self, ce_type: str) -> str:
        """The topic an event type is published on."""
        return self.name(registry.by_type(ce_type).topic)

    @property
    def lifecycle(self) -> str:
        return self.name(topics.LIFECYCLE)

    @property
    def catalog(self) -> str:
        return self.name(topics.CATALOG)

    @property
    def ticks(self) -> str:
        return self.name(topics.DEADLINE_TICKS)

    @property
    def calendar_changes(self) -> str:
        return self.name(topics.CALENDAR_CHANGES)

    @property
    def flags(self) -> str:
        return self.name(topics.FLAGS)

    @property
    def metric_facts(self) -> str:
        return self.name(topics.METRIC_FACTS)

    @property
    def metrics(self) -> str:
        return self.name(topics.METRICS)

    @property
    def dead_letters(self) -> str:
        return self.name(topics.DEAD_LETTERS)
