"""The faust baselines, run as ``python -m motcua.bench.faust_agent MODE ...``.

``trivial``: an agent that only decodes each record with the contract (``from_record``).
``table``: a default-config agent (memory store, faust's own commit and changelog settings) doing
one Table write per event. Only the group timings are shortened and the partition count set to
the source topic's (faust requires the changelog to match), as for every client here
(the embedded broker completes a join after about half the session timeout). Prints one JSON
line ``{"eps": ...}`` — records / (last processed − first processed) — then exits.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time

import faust

from schemas.cloudevents import from_record
from stream_processors.records import normalise_headers


def build(mode: str, bootstrap: str, topic: str, records: int, app_id: str,
          datadir: str, partitions: int) -> faust.App:
    app = faust.App(app_id, broker=f"kafka://{bootstrap}", datadir=datadir, web_enabled=False,
                    topic_partitions=partitions,  # the changelog must match the source topic
                    consumer_auto_offset_reset="earliest", broker_session_timeout=6,
                    broker_heartbeat_interval=1, autodiscover=False)
    source = app.topic(topic, key_type=bytes, value_type=bytes, key_serializer="raw",
                       value_serializer="raw")
    table = app.Table("bench", default=int) if mode == "table" else None
    marks = {"n": 0, "first": 0.0}

    @app.agent(source)
    async def consume(stream):  # noqa: ANN001
        async for event in stream.events():
            m = event.message
            from_record(m.key, m.value, normalise_headers(m.headers))
            if table is not None:
                table[m.key.decode()] = m.offset
            marks["n"] += 1
            if marks["n"] == 1:
                marks["first"] = time.perf_counter()
            if marks["n"] >= records:
                elapsed = time.perf_counter() - marks["first"]
                print(json.dumps({"eps": (records - 1) / elapsed}), flush=True)
                os._exit(0)  # a benchmark process: no clean leave needed (fresh group ids)

    return app


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=("trivial", "table"))
    p.add_argument("bootstrap")
    p.add_argument("topic")
    p.add_argument("records", type=int)
    p.add_argument("app_id")
    p.add_argument("datadir")
    p.add_argument("partitions", type=int)
    a = p.parse_args()
    app = build(a.mode, a.bootstrap, a.topic, a.records, a.app_id, a.datadir, a.partitions)
    worker = faust.Worker(app, loglevel=logging.WARNING, quiet=True,
                          stdout=open(os.devnull, "w"), redirect_stdouts=False)  # noqa: SIM115
    worker.execute_from_commandline()


if __name__ == "__main__":
    main()
