"""Hostile lifecycle records for the fuzz tests: a realistic corpus and the ways to spoil it.

A record is ``(key, value, headers)`` as the worker consumes it from Kafka. Every mutation is a
pure function of a ``random.Random`` and a corpus record, so a failing case is reproducible from
(mutation, corpus index, seed) — which is what the hypothesis strategies draw, and what the broker
fuzz replays with a fixed seed.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from functools import cache

from schemas.cloudevents import KafkaRecord, to_record
from tests.samples import sample_events

Record = tuple[bytes | None, bytes | None, list[tuple[str, bytes]]]
START = dt.datetime(2025, 8, 4, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
FAR_TIMES = ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1900-01-01T00:00:00+07:00",
             "2999-06-30T12:00:00+07:00", "1970-01-01T00:00:00Z", "2025-02-30T00:00:00Z",
             "not a time", "", "2025-08-04T08:00:00", "+275760-09-13T00:00:00Z")
WRONG_VALUES = (None, True, 0, -1, 1e308, -1e308, 2**70, "", "x", [], [1, "a"], {}, {"a": None},
                "2025-08-04T08:00:00Z", "NaN", 1.5)


@cache
def corpus() -> tuple[tuple[Record, ...], tuple[Record, ...]]:
    """(lifecycle records of 40 simulated dossiers + heartbeats, one record of every contract
    type incl. derived ones, which are wrong on the lifecycle topic)."""
    from producers.simulator import SimConfig, Simulator
    from stream_processors.core.calendar import default_calendar
    from stream_processors.core.catalog_loader import load_catalog

    sim = Simulator(SimConfig(seed=11, start=START, heartbeat_every=dt.timedelta(hours=4)),
                    load_catalog(), default_calendar())
    life = tuple(_plain(to_record(e)) for e in sim.events(dossiers=40))
    samples = tuple(_plain(to_record(e)) for e in sample_events())
    return life, samples


def _plain(record: KafkaRecord) -> Record:
    return record.key, record.value, list(record.headers)


def _header(headers: list[tuple[str, bytes]], name: str, value: bytes | None) -> list:
    kept = [(k, v) for k, v in headers if k != name]
    return kept if value is None else [*kept, (name, value)]


def _data_paths(obj: object, prefix: tuple = ()) -> list[tuple]:
    """Paths (tuples of keys/indices) to every value inside the JSON ``obj``."""
    paths: list[tuple] = []
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    for k, v in items:
        paths.append((*prefix, k))
        paths += _data_paths(v, (*prefix, k))
    return paths


def _set(obj: object, path: tuple, value: object, delete: bool = False) -> None:
    for k in path[:-1]:
        obj = obj[k]  # type: ignore[index]
    if delete and isinstance(obj, dict):
        del obj[path[-1]]
    else:
        obj[path[-1]] = value  # type: ignore[index]


def _edit_data(rng: random.Random, rec: Record, edit: Callable) -> Record:
    key, value, headers = rec
    data = json.loads(value)
    paths = _data_paths(data)
    if paths:
        edit(data, rng.choice(paths))
    return key, json.dumps(data, ensure_ascii=rng.random() < 0.5).encode(), headers


def random_bytes(rng: random.Random, rec: Record) -> Record:
    return rec[0], rng.randbytes(rng.choice((0, 1, 7, 300, 5000))), rec[2]


def truncated(rng: random.Random, rec: Record) -> Record:
    return rec[0], rec[1][: rng.randrange(len(rec[1]))], rec[2]


def garbage_json(rng: random.Random, rec: Record) -> Record:
    depth = rng.choice((10, 1000, 100_000))
    value = rng.choice((b"[" * depth + b"]" * depth, b'{"a":' * depth + b"1" + b"}" * depth,
                        b"null", b"1e999999", b'"\\ud800"', b"NaN", b"[]", b'{"x": 1}',
                        b"\xff\xfe{}", "{\"ch\u1ee7 h\u1ed3 s\u01a1\": 1}".encode()))
    return rec[0], value, rec[2]


def wrong_type(rng: random.Random, rec: Record) -> Record:
    return _edit_data(rng, rec, lambda d, p: _set(d, p, rng.choice(WRONG_VALUES)))


def missing_field(rng: random.Random, rec: Record) -> Record:
    return _edit_data(rng, rec, lambda d, p: _set(d, p, None, delete=True))


def huge_field(rng: random.Random, rec: Record, limit: int = 1_000_000) -> Record:
    """A data value of up to ``limit`` bytes once encoded (Kafka's default message.max.bytes
    is about 1 MB, so bigger records never reach a consumer)."""
    filler = rng.choice(("x", "Nguyễn ", "\u0000", "<script>"))
    size = rng.choice((10_000, limit // 4, limit)) // (6 * len(filler)) * len(filler)
    text = (filler * (size // len(filler) + 1))[:size]
    return _edit_data(rng, rec, lambda d, p: _set(d, p, text))


def far_time(rng: random.Random, rec: Record) -> Record:
    when = rng.choice(FAR_TIMES)
    if rng.random() < 0.5:
        return rec[0], rec[1], _header(rec[2], "ce_time", when.encode())

    def edit(d: dict, p: tuple) -> None:
        times = [q for q in _data_paths(d) if str(q[-1]).endswith("_at")] or [p]
        _set(d, rng.choice(times), when)
    return _edit_data(rng, rec, edit)


def unknown_headers(rng: random.Random, rec: Record) -> Record:
    key, value, headers = rec
    headers = list(headers)
    for _ in range(rng.randrange(1, 5)):
        name = rng.choice(("ce_unknown", "ce_traceparent", "X-Evil", "", "ce_id", "ce_type",
                           "ce_subject", "content-type", "ce_specversion", "\u0000", "ce_time"))
        value_ = rng.choice((b"", b"\xff\xfe", b"1.0", b"dossier.received", b"x" * 300,
                             "Trần Thị B".encode(), b"application/xml"))
        if rng.random() < 0.3:
            headers = _header(headers, name, None)       # drop it
        elif rng.random() < 0.5:
            headers.append((name, value_))                # duplicate / extra
        else:
            headers = _header(headers, name, value_)      # replace
    rng.shuffle(headers)
    return key, value, headers


def wrong_key(rng: random.Random, rec: Record) -> Record:
    return rng.choice((None, b"", b"000.00.15.H47-250804-9999", rng.randbytes(8))), rec[1], rec[2]


def unknown_type(rng: random.Random, rec: Record) -> Record:
    kind = rng.choice((b"dossier.exploded", b"", b"dossier.received.v2", b"DOSSIER.RECEIVED"))
    return rec[0], rec[1], _header(rec[2], "ce_type", kind)


def valid(rng: random.Random, rec: Record) -> Record:
    return rec


MUTATIONS: dict[str, Callable[[random.Random, Record], Record]] = {
    f.__name__: f for f in (valid, random_bytes, truncated, garbage_json, wrong_type,
                            missing_field, huge_field, far_time, unknown_headers, wrong_key,
                            unknown_type)}


def hostile(name: str, index: int, seed: int, samples: bool = False) -> Record:
    """The record of mutation ``name`` applied to corpus record ``index`` with ``seed``."""
    life, derived = corpus()
    pool = derived if samples else life
    return MUTATIONS[name](random.Random(seed), pool[index % len(pool)])


def batch(seed: int, count: int, huge_limit: int = 200_000) -> list[Record]:
    """``count`` hostile records in corpus order (so valid ones mostly apply), for the broker."""
    rng = random.Random(seed)
    life, derived = corpus()
    names = list(MUTATIONS)
    out = []
    for i in range(count):
        name = rng.choice(names + ["valid"] * 4)
        if name == "huge_field":
            out.append(huge_field(rng, life[i % len(life)], limit=huge_limit))
        elif rng.random() < 0.05:
            out.append(MUTATIONS[name](rng, derived[rng.randrange(len(derived))]))
        else:
            out.append(MUTATIONS[name](rng, life[i % len(life)]))
    return out
