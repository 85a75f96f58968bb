"""JSON values over a faust Table declared with ``value_type=bytes`` (raw values), encoded once.

faust's own ``json`` value codec encodes every write twice, once for the changelog record and
once for the store, with the stdlib encoder. :class:`JsonValues` encodes once, with orjson, and
hands faust the bytes. What the store and the changelog hold is still plain UTF-8 JSON, so a
store or changelog written by faust's codec reads back unchanged (orjson's output is compact
and keeps non-ASCII characters as UTF-8 instead of ``\\u`` escapes; both parse the same).
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

import orjson

__all__ = ["JsonValues", "RAW_VALUES", "STORE_OPTIONS"]

#: the Table options :class:`JsonValues` expects
RAW_VALUES = {"value_type": bytes}  # faust serializes bytes values "raw"

_MIB = 1024 * 1024
#: RocksDB options of the worker's Tables. faust opens one RocksDB per Table per partition,
#: each by default with up to 3 × 64 MiB of memtables and its own 2 GiB block cache, so the
#: worker's RSS grew with what it had written until those filled (docs/performance.md, "Worker
#: RSS"). Capped, one partition's store holds at most 2 × 8 MiB of memtables and 8 MiB of
#: cached blocks; reads it misses come from the OS page cache. The memory store ignores them.
STORE_OPTIONS = {"options": {"write_buffer_size": 8 * _MIB, "max_write_buffer_number": 2,
                             "block_cache_size": 8 * _MIB}}


class JsonValues(MutableMapping):
    """A mapping of key → JSON value over a raw-valued Table (``None`` values are kept out)."""

    def __init__(self, table: MutableMapping[Any, bytes | None]) -> None:
        self.table = table

    def __getitem__(self, key: Any) -> Any:
        raw = self.table[key]
        if raw is None:
            raise KeyError(key)
        return orjson.loads(raw)

    def get(self, key: Any, default: Any = None) -> Any:
        raw = self.table.get(key)
        return default if raw is None else orjson.loads(raw)

    def __setitem__(self, key: Any, value: Any) -> None:
        self.table[key] = orjson.dumps(value)

    def __delitem__(self, key: Any) -> None:
        del self.table[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.table)

    def __len__(self) -> int:
        return len(self.table)

    def items(self) -> Iterator[tuple[Any, Any]]:  # type: ignore[override]
        """Decoded (key, value) pairs, skipping empty values."""
        for key, raw in self.table.items():
            if raw is not None:
                yield key, orjson.loads(raw)
