"""The event contract: schemas valid, files current, models round-trip, AsyncAPI references resolve."""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path

import jsonschema
import pytest
import yaml
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary
from cloudevents.core.formats.json import JSONFormat

from schemas import cloudevents as ce
from schemas import generate, model, registry, topics
from tests.samples import sample_events

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "events"
EVENTS = {e.type: e for e in sample_events()}


def _schema(et: registry.EventType) -> dict:
    return json.loads((generate.JSON_DIR / et.schema_file).read_text())


def test_generated_files_are_current():
    assert generate.main(["--check"]) == 0, "run `python -m schemas.generate`"


def test_every_type_has_a_sample_and_a_fixture():
    assert set(EVENTS) == {et.type for et in registry.EVENT_TYPES}
    assert {p.stem for p in FIXTURES.glob("*.json")} == set(EVENTS)


@pytest.mark.parametrize("et", registry.EVENT_TYPES, ids=lambda et: et.type)
def test_schema_is_valid_closed_draft_2020_12(et):
    schema = _schema(et)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].rsplit("/", 1)[-1] == et.schema_file
    _assert_closed(schema)


def _assert_closed(node: object) -> None:
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            assert node.get("additionalProperties") is False
        for value in node.values():
            _assert_closed(value)
    elif isinstance(node, list):
        for value in node:
            _assert_closed(value)


@pytest.mark.parametrize("et", registry.EVENT_TYPES, ids=lambda et: et.type)
def test_golden_fixture_round_trips_and_validates(et):
    fixture = json.loads((FIXTURES / f"{et.type}.json").read_text())
    event = ce.from_json(fixture)
    assert event == EVENTS[et.type]
    assert ce.to_json(event) == fixture
    jsonschema.Draft202012Validator(_schema(et)).validate(fixture["data"])


@pytest.mark.parametrize("et", registry.EVENT_TYPES, ids=lambda et: et.type)
def test_binary_mode_record_round_trips(et):
    event = EVENTS[et.type]
    record = ce.to_record(event)
    headers = dict(record.headers)
    assert headers["ce_type"] == et.type.encode() and headers["ce_specversion"] == b"1.0"
    assert headers["ce_dataschema"].decode().endswith("/" + et.schema_file)
    assert headers["content-type"] == b"application/json"
    assert record.key == event.subject.encode() == headers["ce_subject"]
    assert ce.from_record(*record) == event


@pytest.mark.parametrize("et", registry.EVENT_TYPES, ids=lambda et: et.type)
def test_the_official_cloudevents_sdk_reads_the_binary_record_of_every_golden_fixture(et):
    fixture = json.loads((FIXTURES / f"{et.type}.json").read_text())
    key, value, headers = ce.to_record(ce.from_json(fixture))
    read = from_binary(KafkaMessage(headers=dict(headers), key=key, value=value), JSONFormat())
    assert read.get_specversion() == "1.0"
    assert (read.get_id(), read.get_type(), read.get_source()) == (
        fixture["id"], fixture["type"], fixture["source"])
    assert read.get_subject() == fixture["subject"] == key.decode()
    assert read.get_time() == ce.from_json(fixture).time
    assert read.get_dataschema() == et.dataschema
    assert read.get_datacontenttype() == "application/json"
    assert read.get_data() == fixture["data"]


def test_every_event_type_travels_on_a_public_topic():
    assert {et.topic for et in registry.EVENT_TYPES} == set(topics.PUBLIC_TOPICS)
    assert all(not t.internal for t in topics.PUBLIC_TOPICS)


def test_the_contract_marks_exactly_the_internal_topics():
    doc = yaml.safe_load(generate.ASYNCAPI.read_text())
    channels = {ch["address"]: ch for ch in doc["channels"].values()}
    internal = {name for name, ch in channels.items() if ch.get(generate.INTERNAL) is True}
    assert internal == {t.name for t in topics.ALL_TOPICS if t.internal}
    assert internal == {"deadline-ticks", "metric-facts"}
    for name, ch in channels.items():
        if name in internal:
            assert ch["messages"] == {} and topics.INTERNAL_NOTE in ch["description"]
        else:
            assert ch["messages"] and generate.INTERNAL not in ch, name
    assert "public topic" in doc["info"]["description"]


@pytest.mark.parametrize("doc", ["README.md", "docs/contract.md"])
def test_the_docs_name_the_internal_topics_as_not_cloudevents(doc):
    text = " ".join((ROOT / doc).read_text().split())
    assert "Every record on every public topic" in text.replace("**", "")
    for topic in topics.ALL_TOPICS:
        if topic.internal:
            assert f"`{topic.name}`" in text, f"{doc} must name the internal topic {topic.name}"
    assert "not CloudEvents" in text.replace("**", "")


@pytest.mark.parametrize("et", registry.EVENT_TYPES, ids=lambda et: et.type)
def test_optional_fields_default_to_none_or_a_value(et):
    hints = typing.get_type_hints(et.model, include_extras=True)
    for f in dataclasses.fields(et.model):
        nullable = type(None) in typing.get_args(typing.get_args(hints[f.name])[0] if
                                                 typing.get_origin(hints[f.name]) is typing.Annotated
                                                 else hints[f.name])
        if nullable:
            assert f.default is None, f"{et.type}.{f.name} is nullable and must default to None"


def test_asyncapi_channels_and_messages_resolve():
    doc = yaml.safe_load(generate.ASYNCAPI.read_text())
    assert doc["asyncapi"].startswith("3.")
    addresses = {ch["address"] for ch in doc["channels"].values()}
    assert addresses == {t.name for t in topics.ALL_TOPICS}
    messages = doc["components"]["messages"]
    assert {m["name"] for m in messages.values()} == {et.type for et in registry.EVENT_TYPES}
    for m in messages.values():
        ref = m["payload"]["$ref"]
        assert (generate.ASYNCAPI.parent / ref).is_file(), ref
    for ch in doc["channels"].values():
        for ref in ch["messages"].values():
            assert ref["$ref"].split("/")[-1] in messages
        kafka = ch["bindings"]["kafka"]
        assert kafka["partitions"] >= 1 and kafka["topicConfiguration"]["cleanup.policy"]
    for op in doc["operations"].values():
        channel = op["channel"]["$ref"].split("/")[-1]
        assert channel in doc["channels"]
        for ref in op["messages"]:
            assert ref["$ref"].split("/")[-1] in doc["channels"][channel]["messages"]


def test_event_requires_aware_time():
    import datetime as dt
    with pytest.raises(ValueError, match="time"):
        ce.Event.new(EVENTS["dossier.resolved"].data, time=dt.datetime(2025, 1, 1), source="x")


def test_schema_derivation_matches_decoder_on_samples():
    """Every sample validates against its schema with jsonschema and decodes with our decoder."""
    for et in registry.EVENT_TYPES:
        data = model.encode(EVENTS[et.type].data)
        jsonschema.Draft202012Validator(_schema(et)).validate(data)
        assert model.decode(et.model, data) == EVENTS[et.type].data


@pytest.mark.parametrize("path", sorted((FIXTURES / "v1").glob("*.json")), ids=lambda p: p.stem)
def test_old_version_records_still_read(path):
    """A record published under an older schema version decodes as the current model (its new
    fields absent) and validates against the frozen schema file it names."""
    fixture = json.loads(path.read_text())
    event = ce.from_json(fixture)
    et = registry.by_type(fixture["type"])
    assert fixture["dataschema"].endswith(".v1.json") and et.version > 1
    assert ce.to_json(event)["data"] == fixture["data"]
    frozen = json.loads((generate.JSON_DIR / fixture["dataschema"].rsplit("/", 1)[-1]).read_text())
    jsonschema.Draft202012Validator(frozen).validate(fixture["data"])
    record = ce.to_record(event)
    headers = [(k, fixture["dataschema"].encode() if k == "ce_dataschema" else v)
               for k, v in record.headers]
    assert ce.from_record(record.key, record.value, headers) == event
