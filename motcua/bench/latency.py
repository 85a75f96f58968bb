"""``flag_latency_p50_s`` / ``_p99_s``: a deadline passes → the overdue flag is on the topic.

Live wall-clock mode (:mod:`.live_worker`, our worker with a shifted clock). :data:`DOSSIERS`
dossiers of one working hour, received at 09:30 on a Wednesday, are written beforehand; all their
overdue moments are the same minute, 10:31 (due 10:30 + the clock's one-minute resolution) —
deadlines have minute resolution, so a burst at one minute is what production sees. Latency =
when a bench consumer receives the flag − when the shifted clock passed 10:31.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from schemas import lifecycle as lc
from schemas.cloudevents import Event, from_record, to_record
from schemas.fields import Applicant, Channel, Duration, DurationUnit, Level
from motcua.bench.processes import Process

__all__ = ["flag_latencies"]

VN = dt.timezone(dt.timedelta(hours=7))
RECEIVED, BOUNDARY = dt.datetime(2025, 8, 6, 9, 30, tzinfo=VN), dt.datetime(2025, 8, 6, 10, 31, tzinfo=VN)
AGENCY, LEAD_S = "000.00.15.H47", 6.0
#: the appointment printed at receipt: the one working hour's statutory due. The worker grades
#: against the appointment, so with the boundary itself as appointment the overdue came a minute
#: after the receiving window (0 of N flags)
DUE = BOUNDARY - dt.timedelta(minutes=1)


def _received(n: int) -> Event:
    code = f"{AGENCY}-250806-{n:04d}"
    data = lc.DossierReceived(
        dossier_code=code, procedure_code="1.004227", procedure_name="Cấp giấy phép xây dựng",
        field_code="xay-dung", receiving_agency="000.00.01.H47", handling_agency=AGENCY,
        handling_agency_name="Sở Xây dựng", level=Level.PROVINCE, channel=Channel.ONLINE,
        duration=Duration(1, DurationUnit.WORKING_HOURS), appointment_at=DUE,
        four_step=False, applicant=Applicant(name="-"))
    return Event.new(data, time=RECEIVED, source="urn:motcua:bench", id=f"bench-latency-{n}")


def flag_latencies(bootstrap: str, prefix: str, partitions: int, workdir: Path,
                   dossiers: int) -> list[float]:
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=20)
    for n in range(1, dossiers + 1):
        key, value, headers = to_record(_received(n))
        producer.send(prefix + "dossier-lifecycle", key=key, value=value, headers=list(headers))
    producer.flush()
    producer.close()
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "MOTCUA_TOPIC_PREFIX": prefix,
           "MOTCUA_TIME_SOURCE": "wall", "MOTCUA_TOPIC_PARTITIONS": str(partitions),
           "MOTCUA_STATE_DIR": str(workdir / "live")}
    proc = Process([sys.executable, "-m", "motcua.bench.live_worker",
                    BOUNDARY.isoformat(), str(LEAD_S)], env)
    try:
        line = proc.wait_line("bench: boundary_epoch=", timeout=120)
        boundary = float(line.split("=", 1)[1])
        return [at - boundary for at in _receive_overdue(bootstrap, prefix, partitions, dossiers,
                                                          boundary + 60)]
    finally:
        proc.stop()


def _receive_overdue(bootstrap: str, prefix: str, partitions: int, count: int,
                     until: float) -> list[float]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, fetch_max_wait_ms=20)
    tps = [TopicPartition(prefix + "dossier-flags", p) for p in range(partitions)]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    seen: dict[str, float] = {}
    try:
        while len(seen) < count and time.time() < until:
            for batch in consumer.poll(timeout_ms=50).values():
                now = time.time()
                for r in batch:
                    event = from_record(r.key, r.value, r.headers)
                    if event.type == "dossier.overdue":
                        seen.setdefault(event.subject, now)
    finally:
        consumer.close()
    return sorted(seen.values())


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1] \
        if len(values) > 1 else values[0]
