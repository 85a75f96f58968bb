"""Record-level helpers of the worker: decode with the contract, build dead letters.

Records are decoded with :func:`schemas.cloudevents.from_record` (binary mode, ce_* headers) and
produced with :func:`~schemas.cloudevents.to_record`, so the wire format is exactly the contract.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from schemas.cloudevents import Event, KafkaRecord, natural_key, to_record
from schemas.derived import DeadLettered
from schemas.errors import ContractError
from stream_processors.core.outputs import event_id

__all__ = ["Origin", "contract_reason", "dead_letter", "normalise_headers", "MAX_ORIGINAL_BYTES"]

#: base64 of this many bytes stays within ``DeadLettered.original_value``'s 2,000,000 characters
MAX_ORIGINAL_BYTES = 1_500_000


@dataclass(frozen=True)
class Origin:
    """Where a consumed record came from (for dead letters)."""
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


def normalise_headers(headers: Any) -> list[tuple[str, bytes]]:
    if not headers:
        return []
    items = headers.items() if hasattr(headers, "items") else headers
    return [(str(k), v if isinstance(v, bytes) else str(v).encode()) for k, v in items]


def contract_reason(exc: ContractError) -> str:
    """``unknown_type`` for an unregistered ce_type, else ``invalid_record``."""
    if exc.field.endswith("ce_type") and "unknown event type" in exc.rule:
        return "unknown_type"
    return "invalid_record"


def _b64(raw: bytes | None) -> str:
    return base64.b64encode(raw or b"").decode()


def dead_letter(origin: Origin, reason: str, detail: str, *, time: datetime,
                source: str) -> KafkaRecord:
    """The ``pipeline.dead_lettered`` record for a rejected record; id = its topic/partition/offset."""
    value = origin.value or b""
    if len(value) > MAX_ORIGINAL_BYTES:  # the contract caps original_value's base64 length
        detail = f"original value truncated from {len(value)} bytes; {detail}"
        value = value[:MAX_ORIGINAL_BYTES]
    data = DeadLettered(
        reason=reason, detail=detail[:4000], source_topic=origin.topic,
        source_partition=origin.partition, source_offset=origin.offset,
        original_value=_b64(value),
        original_key=_b64(origin.key) if origin.key is not None else None,
        original_headers={k: _b64(v) for k, v in origin.headers} or None)
    ident = event_id("dead-letter", origin.topic, origin.partition, origin.offset)
    return to_record(Event(id=ident, source=source, time=time, subject=natural_key(data),
                           data=data))
