"""The board service: read model + consumer thread + change notification for SSE clients."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from schemas.cloudevents import Event
from sinks.board import views
from sinks.board.consumer import BoardConsumer
from sinks.board.lag import LagMonitor
from sinks.board.metrics import BoardMetrics
from sinks.board.model import BoardModel
from stream_processors.core.registry import AgencyRegistry

__all__ = ["BoardConfig", "BoardService", "LOOPBACK_HOSTS"]

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_SAFE_STEM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")


@dataclasses.dataclass(frozen=True)
class BoardConfig:
    """``topics`` are the topic names read (the contract's, unless a test overrides them)."""

    host: str
    port: int
    letters_dir: Path
    topics: tuple[str, ...]
    token: str | None = None
    min_push_interval_s: float = 0.5
    lag_groups: tuple[str, ...] = ()      # consumer groups whose lag /metrics reports
    lag_interval_s: float = 15.0

    @property
    def needs_token(self) -> bool:
        """True when bound beyond loopback (then MOTCUA_BOARD_TOKEN is mandatory)."""
        if self.host in LOOPBACK_HOSTS:
            return False
        try:
            return not ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return True


class BoardService:
    """Thread-safe owner of the read model. The HTTP layer only calls the methods below."""

    def __init__(self, config: BoardConfig, client_config: dict[str, Any],
                 registry: CollectorRegistry, wall: Callable[[], float] = time.time,
                 agencies: AgencyRegistry | None = None) -> None:
        if config.needs_token and not config.token:
            raise ValueError(f"board bound to {config.host}: set MOTCUA_BOARD_TOKEN")
        self.config, self.registry, self._wall = config, registry, wall
        self.model, self.clock = BoardModel(agencies), views.EventClock()
        self.metrics = BoardMetrics(registry)
        self._cond = threading.Condition()
        self._cache: tuple[int, bytes] | None = None
        self._refreshed = -1
        self.stopping = threading.Event()
        self.consumer = BoardConsumer(client_config, config.topics, self.apply,
                                      lambda _t, reason: self.metrics.skipped.labels(reason).inc())
        self.lag = LagMonitor(client_config, config.lag_groups, self.metrics.consumer_lag,
                              config.lag_interval_s)

    def start(self) -> None:
        self.consumer.start()
        threading.Thread(target=self._refresh_loop, name="board-gauges", daemon=True).start()
        if self.config.lag_groups:
            self.lag.start()

    def stop(self) -> None:
        self.stopping.set()
        self.consumer.stop()
        with self._cond:
            self._cond.notify_all()
        self.lag.stop()
        self.consumer.join(timeout=5)
        if self.lag.is_alive():
            self.lag.join(timeout=5)

    def apply(self, batch: list[tuple[str, Event]]) -> None:
        with self._cond:
            for topic, event in batch:
                self.metrics.records.labels(topic).inc()
                self.model.apply(event)
            self.clock.observe(self._wall(), self.model.watermark)
            self._cond.notify_all()

    def state_json(self) -> tuple[int, bytes]:
        """The page state as JSON bytes, computed once per model version."""
        with self._cond:
            version = self.model.version
            if self._cache is None or self._cache[0] != version:
                body = views.state(self.model, self.clock, self._wall())
                self._cache = (version, json.dumps(body, ensure_ascii=False).encode())
            return self._cache

    def wait_change(self, version: int, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(
                lambda: self.model.version != version or self.stopping.is_set(), timeout)

    def summary(self) -> dict[str, Any]:
        with self._cond:
            return views.summary(self.model)

    def dossier(self, code: str) -> dict[str, Any] | None:
        with self._cond:
            return views.dossier_detail(self.model, code)

    def refresh_metrics(self) -> None:
        with self._cond:
            self.metrics.refresh(self.model)
            self._refreshed = self.model.version

    def _refresh_loop(self) -> None:
        """Keep the gauges current for a --metrics-port scrape too (only when state changed)."""
        while not self.stopping.wait(1.0):
            if self.model.version != self._refreshed:
                self.refresh_metrics()

    def letter_file(self, letter_id: str) -> Path | None:
        """The HTML file the letter sink wrote for ``letter_id`` (matched by name, never joined)."""
        root = self.config.letters_dir
        if not root.is_dir():
            return None
        if _SAFE_STEM.match(letter_id) and ".." not in letter_id:
            direct = root / f"{letter_id}.html"
            if direct.is_file():
                return direct
        wanted = {letter_id, _safe(letter_id)}
        for path in root.rglob("*.html"):
            if path.stem in wanted or _safe(path.stem) in wanted:
                return path
        return None


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)
