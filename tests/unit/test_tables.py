"""JsonValues: the worker's Tables hold JSON bytes encoded once, readable as faust's json codec
wrote them before (a kept store or changelog from an older worker)."""

from __future__ import annotations

import json

from stream_processors.tables import JsonValues


def test_values_round_trip_as_compact_utf8_json():
    raw: dict = {}
    table = JsonValues(raw)
    table["c1"] = {"name": "Sở Xây dựng", "n": [1, 2], "none": None}
    assert raw["c1"] == '{"name":"Sở Xây dựng","n":[1,2],"none":null}'.encode()
    assert table["c1"] == table.get("c1") == {"name": "Sở Xây dựng", "n": [1, 2], "none": None}


def test_a_value_written_by_fausts_json_codec_reads_the_same():
    value = {"code": "X", "facts": {"agency": "Sở"}, "seq": 3}
    table = JsonValues({"c1": json.dumps(value).encode()})  # faust's codec: stdlib, \\u escapes
    assert table["c1"] == value


def test_missing_and_empty_values_read_as_absent():
    table = JsonValues({"gone": None})
    assert table.get("gone") is None and table.get("never", 7) == 7
    assert list(table.items()) == []
    table["a"] = 1
    del table["gone"]
    assert dict(table.items()) == {"a": 1} and len(table) == 1 and list(table) == ["a"]
