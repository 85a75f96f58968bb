"""Generate the published contract files from the models: ``schemas/json/*.json`` and
``schemas/asyncapi.yaml``. Run ``python -m schemas.generate`` after changing a model;
``--check`` exits 1 when the committed files differ (a test runs it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from schemas import model, registry, topics
from schemas.registry import EventType

HERE = Path(__file__).parent
JSON_DIR = HERE / "json"
ASYNCAPI = HERE / "asyncapi.yaml"
DEFAULT_PARTITIONS = 6
INTERNAL = "x-motcua-internal"  # channel extension: not part of the contract, not CloudEvents
_CE_HEADERS = ("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject",
               "ce_dataschema", "content-type")


def schema_document(et: EventType) -> dict[str, Any]:
    """The JSON Schema file of one event type's ``data``."""
    body = model.json_schema(et.model)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": et.dataschema,
            "title": f"{et.type} v{et.version}", **body}


def _camel(name: str) -> str:
    head, *rest = name.replace(".", "_").replace("-", "_").split("_")
    return head + "".join(p.title() for p in rest)


def _message(et: EventType) -> dict[str, Any]:
    headers = {"type": "object", "required": list(_CE_HEADERS[:5]) + ["content-type"],
               "properties": {h: {"type": "string"} for h in _CE_HEADERS}}
    headers["properties"]["ce_type"] = {"type": "string", "const": et.type}
    headers["properties"]["ce_specversion"] = {"type": "string", "const": "1.0"}
    message = {
        "name": et.type, "title": et.model.__name__, "contentType": "application/json",
        "summary": " ".join((et.model.__doc__ or "").split("\n\n")[0].split()),
        "headers": headers, "payload": {"$ref": f"./json/{et.schema_file}"},
        "bindings": {"kafka": {"key": {"type": "string", "description": et.topic.key},
                               "bindingVersion": "0.5.0"}},
    }
    if et.status is not None:
        message["x-trang-thai-ho-so"] = int(et.status)
    return message


def _channel(topic: topics.Topic) -> dict[str, Any]:
    messages = {_camel(et.type): {"$ref": f"#/components/messages/{_camel(et.type)}"}
                for et in registry.EVENT_TYPES if et.topic is topic}
    return {
        "address": topic.name,
        **({INTERNAL: True} if topic.internal else {}),
        "description": topic.description + f" Key: {topic.key}."
                       + (f" {topics.INTERNAL_NOTE}" if topic.internal else ""),
        "messages": messages,
        "bindings": {"kafka": {
            "topic": topic.name, "partitions": topic.partitions or DEFAULT_PARTITIONS,
            "topicConfiguration": {"cleanup.policy": [topic.cleanup_policy]},
            "bindingVersion": "0.5.0"}},
    }


def _operations() -> dict[str, Any]:
    def op(action: str, topic: topics.Topic, summary: str) -> dict[str, Any]:
        ch = f"#/channels/{_camel(topic.name)}"
        msgs = [{"$ref": f"{ch}/messages/{_camel(et.type)}"}
                for et in registry.EVENT_TYPES if et.topic is topic]
        return {"action": action, "channel": {"$ref": ch}, "summary": summary, "messages": msgs}
    return {
        "publishLifecycleEvents": op("send", topics.LIFECYCLE,
                                     "One-stop systems, the simulator, replay and the ingest API publish."),
        "processLifecycleEvents": op("receive", topics.LIFECYCLE, "Stream processors consume."),
        "publishCatalog": op("send", topics.CATALOG, "The catalog loader publishes procedures."),
        "publishFlags": op("send", topics.FLAGS, "Stream processors flag at-risk and overdue dossiers."),
        "receiveFlags": op("receive", topics.FLAGS, "The letter sink, the board and downstream systems."),
        "publishClassifications": op("send", topics.CLASSIFICATIONS, "Stream processors grade ended dossiers."),
        "publishMetrics": op("send", topics.METRICS, "Stream processors publish metric snapshots."),
        "publishLetters": op("send", topics.LETTERS, "The letter sink announces drafted letters."),
        "publishDeadLetters": op("send", topics.DEAD_LETTERS, "Any stage rejecting a record."),
        "publishFeedback": op("send", topics.FEEDBACK,
                              "The PAKN system (and the simulator) publishes citizen feedback."),
        "receiveFeedback": op("receive", topics.FEEDBACK,
                              "The reporting sink, for the Decision 766 satisfaction group."),
        "publishCalendarChanges": op("send", topics.CALENDAR_CHANGES,
                                     "Operators (motcua calendar set, the ingest API) change the calendar."),
        "receiveCalendarChanges": op("receive", topics.CALENDAR_CHANGES,
                                     "Workers re-derive the open dossiers' due moments."),
    }


def asyncapi_document() -> dict[str, Any]:
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "motcua dossier pipeline", "version": "1.0.0",
                 "description": "Topics of the motcua pipeline for one-stop shops (một cửa). Every "
                 "record on a public topic is a CloudEvents 1.0 event in Kafka binary mode: "
                 "attributes in ce_* headers, JSON data as the value, the subject (dossier code) "
                 "as the key. A record's ce_dataschema ends with the name of its JSON Schema file "
                 f"under ./json/. Channels marked {INTERNAL}: true are internal to the stream "
                 "processors: not CloudEvents, not part of the contract; do not subscribe to them."},
        "defaultContentType": "application/json",
        "servers": {
            "embedded": {"host": "127.0.0.1:19092", "protocol": "kafka",
                         "description": "The embedded broker started by `motcua broker` / `motcua up`."},
            "production": {"host": "kafka-1:9092", "protocol": "kafka",
                           "description": "Apache Kafka of docker-compose.yml (3 brokers, RF 3)."},
        },
        "channels": {_camel(t.name): _channel(t) for t in topics.ALL_TOPICS},
        "operations": _operations(),
        "components": {"messages": {_camel(et.type): _message(et) for et in registry.EVENT_TYPES}},
    }


def rendered() -> dict[Path, str]:
    files = {JSON_DIR / et.schema_file: json.dumps(schema_document(et), ensure_ascii=False, indent=2) + "\n"
             for et in registry.EVENT_TYPES}
    files[ASYNCAPI] = ("# Generated by `python -m schemas.generate` from schemas/*.py - do not edit.\n"
                       + yaml.safe_dump(asyncapi_document(), sort_keys=False, allow_unicode=True, width=100))
    return files


def main(argv: list[str]) -> int:
    files = rendered()
    stale = [p for p, text in files.items() if not p.exists() or p.read_text() != text]
    frozen = {JSON_DIR / name for et in registry.EVENT_TYPES for name in et.readable_schema_files}
    extra = ([p for p in JSON_DIR.glob("*.json") if p not in files and p not in frozen]
             if JSON_DIR.exists() else [])
    if "--check" in argv:
        for p in stale + extra:
            print(f"out of date: {p.relative_to(HERE.parent)}", file=sys.stderr)
        return 1 if stale or extra else 0
    JSON_DIR.mkdir(exist_ok=True)
    for p in stale:
        p.write_text(files[p])
    for p in extra:
        p.unlink()
    print(f"wrote {len(stale)} file(s), removed {len(extra)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
