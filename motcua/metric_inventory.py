"""Which sample names the components' metric classes really register.

Dashboards and alert rules are checked against :func:`registered_sample_names`, so a panel cannot
point at a metric no component creates. It sits above the components (they import
:mod:`motcua.observability` for the shared names; this module imports them), so the names module
stays a leaf and the import graph has no cycle.
"""

from __future__ import annotations

from motcua.observability import (BOARD_METRICS, COMPONENT_METRICS, PIPELINE_METRICS,
                                  SNAPSHOT_GAUGES, STATE_GAUGES, new_registry, sample_names)
from producers.publisher import PublisherMetrics
from sinks.board.metrics import BoardMetrics
from sinks.metrics import DeliveryMetrics, SinkMetrics
from stream_processors.telemetry import WorkerTelemetry

__all__ = ["registered_sample_names"]


def registered_sample_names() -> frozenset[str]:
    """Sample names registered by building every component's metrics on a fresh registry.

    ``motcua_ingest_requests`` is created inline by its command, so it is added by name.
    """
    kinds = {**PIPELINE_METRICS, **BOARD_METRICS, **COMPONENT_METRICS,
             **{g.metric: "gauge" for g in SNAPSHOT_GAUGES}, **{n: "gauge" for n in STATE_GAUGES}}
    names: set[str] = set()
    for build in (BoardMetrics, WorkerTelemetry, lambda r: SinkMetrics(r, "db"), DeliveryMetrics,
                  PublisherMetrics):
        registry = new_registry()
        build(registry)
        for family in registry.collect():
            names |= sample_names(family.name, kinds.get(family.name, family.type))
    return frozenset(names | sample_names("motcua_ingest_requests", "counter"))
