"""CloudEvents 1.0 envelope and its Kafka *binary mode* encoding.

A record's headers carry the attributes (``ce_specversion``, ``ce_id``, ``ce_source``,
``ce_type``, ``ce_time``, ``ce_subject``, ``ce_dataschema``, ``content-type``), its value is the
JSON ``data`` and its key the subject (the dossier code). :func:`to_json` / :func:`from_json`
give the *structured* JSON form, used for NDJSON files. Decoding raises
:class:`~schemas.errors.ContractError` naming the header or data field at fault.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from typing import Any, NamedTuple

from schemas import model, registry
from schemas.errors import ContractError
from schemas.registry import EventType

__all__ = ["Event", "KafkaRecord", "decode_record", "from_json", "from_record", "to_json", "to_record"]

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"
_REQUIRED_HEADERS = ("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time")


@dataclasses.dataclass(frozen=True, slots=True)
class Event:
    """One CloudEvent: attributes plus a typed ``data`` model instance.

    ``time`` is the event time (tz-aware). ``subject`` is the Kafka key: the dossier code for
    dossier events, the procedure code for catalog records.
    """

    id: str
    source: str
    time: dt.datetime
    subject: str
    data: Any

    @classmethod
    def new(cls, data: Any, *, time: dt.datetime, source: str, id: str | None = None,
            subject: str | None = None) -> "Event":
        """A new event with a fresh uuid id; subject defaults to the data's natural key."""
        if time.tzinfo is None:
            raise ValueError("time: must be timezone-aware")
        return cls(id=id or str(uuid.uuid4()), source=source, time=time,
                   subject=subject or natural_key(data), data=data)

    @property
    def event_type(self) -> EventType:
        return registry.by_model(type(self.data))

    @property
    def type(self) -> str:
        return self.event_type.type


class KafkaRecord(NamedTuple):
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


def natural_key(data: Any) -> str:
    """The subject / Kafka key of an event's data (see each topic's ``key`` in schemas.topics)."""
    if hasattr(data, "window") and hasattr(data, "scope"):
        return f"{data.scope}:{data.key}:{data.window}"
    if hasattr(data, "calendar_key"):
        return data.calendar_key
    if hasattr(data, "source_offset"):
        return f"{data.source_topic}/{data.source_partition}/{data.source_offset}"
    if hasattr(data, "feedback_id"):
        return data.feedback_id
    for name in ("dossier_code", "procedure_code", "letter_id", "producer"):
        if hasattr(data, name):
            return getattr(data, name)
    raise ValueError(f"{type(data).__name__} has no natural key; pass subject=")


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def to_record(event: Event) -> KafkaRecord:
    """Binary-mode Kafka record of ``event``."""
    et = event.event_type
    headers = [
        ("ce_specversion", b"1.0"), ("ce_id", event.id.encode()),
        ("ce_source", event.source.encode()), ("ce_type", et.type.encode()),
        ("ce_time", event.time.isoformat().encode()), ("ce_subject", event.subject.encode()),
        ("ce_dataschema", et.dataschema.encode()), ("content-type", CONTENT_TYPE.encode()),
    ]
    return KafkaRecord(event.subject.encode(), _dumps(model.encode(event.data)), headers)


def from_record(key: bytes | None, value: bytes | None,
                headers: list[tuple[str, bytes]] | tuple | None) -> Event:
    """Decode and validate a binary-mode record; raises ContractError on any violation."""
    return decode_record(key, value, headers)[0]


def decode_record(key: bytes | None, value: bytes | None,
                  headers: list[tuple[str, bytes]] | tuple | None) -> tuple[Event, Any]:
    """:func:`from_record`, also returning the parsed JSON data the event was built from (so a
    caller that keeps the data as JSON need not encode it again)."""
    attrs = _header_attrs(headers or ())
    et = _check_attributes(attrs, prefix="header ")
    if value is None:
        raise ContractError("value", "is empty (a tombstone is not an event)")
    try:
        payload = json.loads(value)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # deep nesting → Recursion
        raise ContractError("value", f"is not valid UTF-8 JSON ({exc})") from None
    event = _build(attrs, et, payload)
    if key is not None and key != event.subject.encode():
        raise ContractError("key", f"must equal ce_subject {event.subject!r}")
    return event, payload


def _header_attrs(headers: Any) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for name, raw in headers:
        if name.startswith("ce_") or name == "content-type":
            try:
                attrs[name] = raw.decode() if isinstance(raw, (bytes, bytearray)) else str(raw)
            except UnicodeDecodeError:
                raise ContractError(f"header {name}", "is not valid UTF-8") from None
    return attrs


def _check_attributes(attrs: dict[str, str], prefix: str) -> EventType:
    for name in _REQUIRED_HEADERS:
        if not attrs.get(name):
            raise ContractError(f"{prefix}{name}", "is required")
    if attrs["ce_specversion"] != SPECVERSION:
        raise ContractError(f"{prefix}ce_specversion", f"must be {SPECVERSION}")
    try:
        et = registry.by_type(attrs["ce_type"])
    except KeyError:
        raise ContractError(f"{prefix}ce_type", f"unknown event type {attrs['ce_type']!r}") from None
    ctype = attrs.get("content-type", CONTENT_TYPE).split(";")[0].strip()
    if ctype != CONTENT_TYPE:
        raise ContractError(f"{prefix}content-type", f"must be {CONTENT_TYPE}")
    schema = attrs.get("ce_dataschema")
    if schema is not None and schema.rsplit("/", 1)[-1] not in et.readable_schema_files:
        raise ContractError(f"{prefix}ce_dataschema",
                            f"must end with {' or '.join(et.readable_schema_files)}")
    if len(attrs["ce_id"]) > 200:
        raise ContractError(f"{prefix}ce_id", "must be at most 200 characters")
    return et


def _build(attrs: dict[str, str], et: EventType, payload: Any) -> Event:
    try:
        data = model.decode(et.model, payload)
    except ContractError as exc:
        raise exc.under("data") from None
    time = _parse_time(attrs["ce_time"])
    subject = attrs.get("ce_subject") or natural_key(data)
    if subject != natural_key(data) and et.type != "clock.heartbeat":
        raise ContractError("ce_subject", f"must equal the data's key {natural_key(data)!r}")
    return Event(id=attrs["ce_id"], source=attrs["ce_source"], time=time, subject=subject, data=data)


def _parse_time(raw: str) -> dt.datetime:
    try:
        return model._decode_datetime(raw)
    except ContractError as exc:
        raise ContractError("ce_time", exc.rule) from None


_STRUCTURED = {"id": "ce_id", "source": "ce_source", "type": "ce_type", "time": "ce_time",
               "subject": "ce_subject", "dataschema": "ce_dataschema",
               "specversion": "ce_specversion", "datacontenttype": "content-type"}


def to_json(event: Event) -> dict[str, Any]:
    """Structured-mode CloudEvents JSON of ``event`` (one NDJSON line)."""
    et = event.event_type
    return {"specversion": SPECVERSION, "id": event.id, "source": event.source, "type": et.type,
            "time": event.time.isoformat(), "subject": event.subject, "dataschema": et.dataschema,
            "datacontenttype": CONTENT_TYPE, "data": model.encode(event.data)}


def from_json(obj: Any) -> Event:
    """Decode a structured-mode CloudEvents JSON object; raises ContractError."""
    if not isinstance(obj, dict):
        raise ContractError("", "must be a JSON object (structured CloudEvent)")
    unknown = obj.keys() - _STRUCTURED.keys() - {"data"}
    if unknown:
        raise ContractError(sorted(unknown)[0], "is not a CloudEvents attribute of this contract")
    attrs = {_STRUCTURED[k]: str(v) for k, v in obj.items() if k in _STRUCTURED and v is not None}
    et = _check_attributes(attrs, prefix="")
    if "data" not in obj:
        raise ContractError("data", "is required")
    return _build(attrs, et, obj["data"])
