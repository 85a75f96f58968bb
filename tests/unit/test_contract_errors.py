"""Malformed records fail with an error that names the field and the rule broken."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest

from schemas import cloudevents as ce
from schemas import generate, registry
from schemas.errors import ContractError
from tests.samples import sample_events

EVENTS = {e.type: e for e in sample_events()}


def _record(ce_type: str):
    key, value, headers = ce.to_record(EVENTS[ce_type])
    return key, json.loads(value), dict(headers)


def _data(ce_type, mutate):
    def build():
        key, data, headers = _record(ce_type)
        mutate(data)
        return key, json.dumps(data).encode(), list(headers.items())
    return build


def _header(ce_type, name, value):
    def build():
        key, data, headers = _record(ce_type)
        if value is None:
            headers.pop(name)
        else:
            headers[name] = value
        return key, json.dumps(data).encode(), list(headers.items())
    return build


def _raw(ce_type, value=None, key=None):
    def build():
        k, data, headers = _record(ce_type)
        return (k if key is None else key), value, list(headers.items())
    return build


def _set(path, value):
    def mutate(data):
        *parents, last = path.split(".")
        for p in parents:
            data = data[p]
        data[last] = value
    return mutate


def _drop(path):
    def mutate(data):
        *parents, last = path.split(".")
        for p in parents:
            data = data[p]
        del data[last]
    return mutate


R = "dossier.received"
CASES = [
    ("bad dossier code shape", _data(R, _set("dossier_code", "ABC-1")), "data.dossier_code", "must look like"),
    ("dossier code with impossible date", _data(R, _set("dossier_code", "000.00.15.H47-251332-0007")),
     "data.dossier_code", "not a real yyMMdd"),
    ("procedure code shape", _data(R, _set("procedure_code", "1.00422")), "data.procedure_code", "must match"),
    ("procedure code suffix", _data(R, _set("procedure_code", "1.004227.X47")), "data.procedure_code", "must match"),
    ("agency code shape", _data(R, _set("handling_agency", "SXD")), "data.handling_agency", "must match"),
    ("unknown channel", _data(R, _set("channel", "fax")), "data.channel", "must be one of"),
    ("unknown level", _data(R, _set("level", "national")), "data.level", "must be one of"),
    ("unknown unit", _data(R, _set("duration.unit", "weeks")), "data.duration.unit", "must be one of"),
    ("zero duration", _data(R, _set("duration.amount", 0)), "data.duration.amount", ">="),
    ("duration as string", _data(R, _set("duration.amount", "5")), "data.duration.amount", "finite number"),
    ("naive appointment", _data(R, _set("appointment_at", "2025-11-10T09:32:00")), "data.appointment_at", "UTC offset"),
    ("impossible appointment", _data(R, _set("appointment_at", "2025-02-30T09:32:00+07:00")),
     "data.appointment_at", "not a real"),
    ("four_step as int", _data(R, _set("four_step", 1)), "data.four_step", "must be a boolean"),
    ("missing applicant", _data(R, _drop("applicant")), "data.applicant", "is required"),
    ("empty applicant name", _data(R, _set("applicant.name", "")), "data.applicant.name", "at least 1"),
    ("bad phone", _data(R, _set("applicant.phone", "call me")), "data.applicant.phone", "must match"),
    ("unknown field", _data(R, _set("priority", "high")), "data.priority", "closed schema"),
    ("bad cutoff", _data(R, _set("cutoff", "25:00")), "data.cutoff", "must match"),
    ("huge name", _data(R, _set("procedure_name", "x" * 301)), "data.procedure_name", "at most 300"),
    ("step zero", _data("dossier.transferred", _set("step", 0)), "data.step", ">= 1"),
    ("items not array", _data("dossier.supplement_requested", _set("items", "a,b")), "data.items", "must be an array"),
    ("item empty", _data("dossier.supplement_requested", _set("items", [""])), "data.items.0", "at least 1"),
    ("negative fee", _data("dossier.financial_obligation_requested", _set("amount_vnd", -1)), "data.amount_vnd", ">="),
    ("due version 0", _data("dossier.at_risk", _set("due_version", 0)), "data.due_version", ">= 1"),
    ("metric value NaN-ish", _data("metrics.snapshot", _set("values", {"x": "high"})), "data.values.x", "finite number"),
    ("data not object", _data(R, lambda d: d.clear()), "data.dossier_code", "is required"),
    ("unknown type", _header(R, "ce_type", b"dossier.teleported"), "header ce_type", "unknown event type"),
    ("missing id", _header(R, "ce_id", None), "header ce_id", "is required"),
    ("missing time", _header(R, "ce_time", None), "header ce_time", "is required"),
    ("bad specversion", _header(R, "ce_specversion", b"0.3"), "header ce_specversion", "must be 1.0"),
    ("naive ce_time", _header(R, "ce_time", b"2025-11-03T09:32:00"), "ce_time", "UTC offset"),
    ("wrong content type", _header(R, "content-type", b"text/plain"), "header content-type", "application/json"),
    ("wrong schema version", _header(R, "ce_dataschema", b"https://x/dossier.received.v3.json"),
     "header ce_dataschema", "dossier.received.v2.json or dossier.received.v1.json"),
    ("subject disagrees with data", _header(R, "ce_subject", b"000.00.15.H47-251103-0008"), "ce_subject", "must equal"),
    ("non-utf8 header", _header(R, "ce_source", b"\xff\xfe"), "header ce_source", "UTF-8"),
    ("truncated JSON", _raw(R, value=b'{"dossier_code": "000.'), "value", "not valid UTF-8 JSON"),
    ("tombstone", _raw(R, value=None), "value", "is empty"),
    ("key disagrees with subject", _raw(R, value=ce.to_record(EVENTS[R]).value, key=b"other"), "key", "must equal"),
]


@pytest.mark.parametrize("build,field,rule", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_record_names_field_and_rule(build, field, rule):
    key, value, headers = build()
    with pytest.raises(ContractError) as info:
        ce.from_record(key, value, headers)
    assert info.value.field == field
    assert rule in info.value.rule
    assert str(info.value).startswith(field + ": ")


# Calendar validity (30 February, month 13) is beyond what JSON Schema patterns express.
DATA_CASES = [c for c in CASES if c[2].startswith("data.") and "not a real" not in c[3]]


@pytest.mark.parametrize("build", [c[1] for c in DATA_CASES], ids=[c[0] for c in DATA_CASES])
def test_json_schema_agrees_data_is_invalid(build):
    """The published JSON Schema rejects the same data our decoder rejects."""
    key, value, headers = build()
    et = registry.by_type(dict(headers)["ce_type"].decode())
    schema = json.loads((generate.JSON_DIR / et.schema_file).read_text())
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    data = json.loads(value)
    assert not validator.is_valid(data)


def test_structured_json_rejects_unknown_attribute():
    obj = copy.deepcopy(ce.to_json(EVENTS[R]))
    obj["priority"] = "high"
    with pytest.raises(ContractError, match="priority: is not a CloudEvents attribute"):
        ce.from_json(obj)


def test_structured_json_requires_data():
    obj = ce.to_json(EVENTS[R])
    del obj["data"]
    with pytest.raises(ContractError, match="^data: is required"):
        ce.from_json(obj)
