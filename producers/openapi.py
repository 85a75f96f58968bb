"""The ingest API's OpenAPI 3.1 document, built from the contract; ``python -m producers.openapi``
rewrites the committed ``producers/openapi.json`` (a unit test checks it is current)."""

from __future__ import annotations

import json
from typing import Any

from schemas.registry import EVENT_TYPES
from schemas.topics import LIFECYCLE

__all__ = ["openapi_document"]

_DATE = {"type": "string", "description": "yyyyMMddHHmmss (Vietnam time) or ISO 8601"}
_SUPPLEMENT = {"type": "object", "properties": {
    "NguoiYeuCauBoSung": {"type": "string"}, "NoiDungBoSung": {"type": "string"},
    "NgayBoSung": _DATE, "NgayTiepNhanBoSung": _DATE, "NgayHenTraTruoc": _DATE,
    "NgayHenTraMoi": _DATE}, "required": ["NgayBoSung"]}
_DVCQG = {"type": "object", "description": "HoSoDongBoDVC snapshot (see docs/producers.md)",
          "required": ["MaHoSo", "MaTTHC", "KenhThucHien", "TrangThaiHoSo"], "properties": {
              "MaHoSo": {"type": "string", "example": "000.00.15.H47-240506-0001"},
              "MaTTHC": {"type": "string"}, "TenTTHC": {"type": "string"},
              "MaLinhVuc": {"type": "string"}, "KenhThucHien": {"enum": [1, 2, 3]},
              "TrangThaiHoSo": {"type": "integer", "minimum": 1, "maximum": 10},
              "ChuHoSo": {"type": "string"}, "SoGiayToChuHoSo": {"type": "string"},
              "SoDienThoai": {"type": "string"}, "Email": {"type": "string"},
              "DonViXuLy": {"type": "string"}, "NgayNopHoSo": _DATE, "NgayTiepNhan": _DATE,
              "NgayHenTra": _DATE, "NgayKetThucXuLy": _DATE, "NgayTra": _DATE,
              "NgayTuChoi": _DATE, "NgayCapNhat": _DATE, "LyDoTuChoi": {"type": "string"},
              "DanhSachHoSoBoSung": {"type": "array", "items": _SUPPLEMENT}}}


def _cloudevent() -> dict[str, Any]:
    types = [e.type for e in EVENT_TYPES if e.topic is LIFECYCLE]
    return {"type": "object", "description": "Structured-mode CloudEvent; data follows the "
            "JSON Schema named by dataschema (schemas/json/)",
            "required": ["specversion", "id", "source", "type", "time", "data"],
            "properties": {"specversion": {"const": "1.0"}, "id": {"type": "string", "maxLength": 200},
                           "source": {"type": "string"}, "type": {"enum": types},
                           "time": {"type": "string", "format": "date-time"},
                           "subject": {"type": "string"}, "dataschema": {"type": "string"},
                           "datacontenttype": {"const": "application/json"},
                           "data": {"type": "object"}}}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _post(summary: str, item_ref: str, types: list[str]) -> dict[str, Any]:
    one_or_many = {"oneOf": [{"$ref": item_ref},
                             {"type": "array", "minItems": 1, "maxItems": 1000,
                              "items": {"$ref": item_ref}}]}
    return {"post": {
        "summary": summary, "security": [{"bearer": []}],
        "requestBody": {"required": True,
                        "content": {t: {"schema": one_or_many} for t in types}},
        "responses": {
            "202": {"description": "Committed to the durable outbox",
                    **_json({"$ref": "#/components/schemas/Accepted"})},
            "400": {"description": "Malformed JSON or a field breaks the contract",
                    **_json({"$ref": "#/components/schemas/Problems"})},
            "401": {"description": "Missing or unknown bearer token"},
            "403": {"description": "Token lacks this endpoint's scope"},
            "411": {"description": "Content-Length required"},
            "413": {"description": "Body larger than MOTCUA_INGEST_MAX_BYTES"},
            "415": {"description": "Unsupported Content-Type"},
            "503": {"description": "Outbox unavailable; retry"}}}}


def openapi_document() -> dict[str, Any]:
    problem = {"type": "object", "properties": {
        "index": {"type": ["integer", "null"]}, "field": {"type": "string"},
        "rule": {"type": "string"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "motcua ingest API", "version": "1",
                 "description": "Push dossier lifecycle events into the pipeline. At-least-once: "
                                "202 means durably stored; re-sending the same id is harmless."},
        "paths": {
            "/v1/events": _post("Lifecycle events (structured CloudEvents)",
                                "#/components/schemas/CloudEvent",
                                ["application/cloudevents+json", "application/cloudevents-batch+json",
                                 "application/json"]),
            "/v1/dvcqg": _post("National-portal HoSoDongBoDVC snapshots",
                               "#/components/schemas/HoSoDongBoDVC", ["application/json"]),
            "/v1/calendar": _post("An operator's calendar change (token scope calendar): a date "
                                  "off or worked, with the deciding document",
                                  "#/components/schemas/CalendarChange", ["application/json"]),
            "/healthz": {"get": {"summary": "Liveness and outbox backlog", "security": [],
                                 "responses": {"200": {"description": "ok"}}}},
            "/openapi.json": {"get": {"summary": "This document", "security": [],
                                      "responses": {"200": {"description": "ok"}}}}},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "CloudEvent": _cloudevent(), "HoSoDongBoDVC": _DVCQG,
                "CalendarChange": {"type": "object", "required": ["date", "kind", "source"],
                                   "properties": {
                                       "date": {"type": "string", "format": "date"},
                                       "kind": {"enum": ["off", "work"]},
                                       "source": {"type": "string", "minLength": 1,
                                                  "description": "document number and date"},
                                       "name": {"type": "string"}}},
                "Accepted": {"type": "object", "properties": {
                    "id": {"type": "string"}, "ids": {"type": "array", "items": {"type": "string"}}}},
                "Problems": {"type": "object", "properties": {
                    "error": {"type": "string"}, "errors": {"type": "array", "items": problem}}}}}}


def render() -> str:
    return json.dumps(openapi_document(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    from producers.ingest_api import OPENAPI_PATH

    OPENAPI_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {OPENAPI_PATH}")
