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


def test_every_worker_table_caps_rocksdb_memory(tmp_path):
    """faust's RocksDB defaults (3 × 64 MiB memtables and a 2 GiB block cache per partition's
    store) let the worker's RSS grow with what it wrote; each Table the worker declares passes
    the caps, and faust hands them to RocksDB."""
    import ast
    import pathlib

    import faust

    from stream_processors.tables import RAW_VALUES, STORE_OPTIONS

    root = pathlib.Path(__file__).parents[2] / "stream_processors"
    declared = [call for path in root.rglob("*.py") if "bench" not in path.parts
                for call in ast.walk(ast.parse(path.read_text()))
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr == "Table"]
    assert len(declared) >= 2
    for call in declared:
        assert "STORE_OPTIONS" in {k.value.id for k in call.keywords
                                   if k.arg is None and isinstance(k.value, ast.Name)}
    app = faust.App("caps", store="rocksdb://", datadir=str(tmp_path), autodiscover=False)
    options = app.Table("t", default=None, **RAW_VALUES, **STORE_OPTIONS).data.rocksdb_options
    mib = 1024 * 1024
    assert options.write_buffer_size * options.max_write_buffer_number <= 16 * mib
    assert options.block_cache_size <= 8 * mib
