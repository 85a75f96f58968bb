"""Values the pure core returns for the adapters to publish: never sends, only descriptions.

Every published event gets a **deterministic id** (uuid5 of what it is about), so a copy sent
again after a crash is recognisable downstream and absorbed by sinks keyed on the event id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["Emit", "FactsChanged", "InvalidTransition", "IngestRejected", "event_id",
           "REASONS"]

_NAMESPACE = uuid.UUID("3f1c2a6e-8d0b-5b7e-9a43-6d2f0c1e7b55")

#: Dead-letter reason codes (``DeadLettered.reason``); see docs/stream-processors.md.
REASONS = ("invalid_record", "unknown_type", "wrong_topic", "illegal_transition", "out_of_order",
           "deadline_error", "dossier_evicted")


def event_id(*parts: object) -> str:
    """The deterministic CloudEvents id of a derived event about ``parts``."""
    return str(uuid.uuid5(_NAMESPACE, "|".join(map(str, parts))))


@dataclass(frozen=True)
class Emit:
    """Publish ``data`` (a contract model) with CloudEvents ``time`` and ``id``."""
    data: Any
    time: datetime
    id: str


@dataclass(frozen=True)
class FactsChanged:
    """A dossier's metric facts changed (``None`` = it no longer counts) at event time ``time``."""
    code: str
    seq: int
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    time: datetime


class IngestRejected(ValueError):
    """An event the core refuses; ``reason`` is one of :data:`REASONS`."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


class InvalidTransition(IngestRejected):
    """The event is not allowed in the dossier's current state (e.g. anything after withdrawal)."""

    def __init__(self, detail: str) -> None:
        super().__init__("illegal_transition", detail)
