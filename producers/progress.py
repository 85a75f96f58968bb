"""A plain-text progress bar with rate and ETA for stderr (no dependency).

On a terminal the bar redraws in place (``\\r``); otherwise one line every ``every`` seconds.
"""

from __future__ import annotations

import time
from typing import TextIO

__all__ = ["ProgressBar", "format_bar"]


def _clock(seconds: float) -> str:
    seconds = int(max(0, seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def format_bar(done: int, total: int | None, elapsed: float, unit: str = "lines",
               width: int = 24) -> str:
    """``[#####-----]  42%  4,200/10,000 lines  1,234/s  ETA 0:00:04`` (no total: no bar/ETA)."""
    rate = done / elapsed if elapsed > 0 else 0.0
    if not total:
        return f"{done:,} {unit}  {rate:,.0f}/s  elapsed {_clock(elapsed)}"
    share = min(1.0, done / total)
    filled = int(share * width)
    eta = (total - done) / rate if rate > 0 else 0
    return (f"[{'#' * filled}{'-' * (width - filled)}] {share:4.0%}  {done:,}/{total:,} {unit}"
            f"  {rate:,.0f}/s  ETA {_clock(eta)}")


class ProgressBar:
    def __init__(self, stream: TextIO, total: int | None, unit: str = "lines",
                 every: float = 2.0, clock=time.monotonic) -> None:  # noqa: ANN001
        self.stream, self.total, self.unit, self.clock = stream, total, unit, clock
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.every = 0.2 if self.tty else every
        self.started = clock()
        self._last = -1e9

    def update(self, done: int, force: bool = False) -> None:
        now = self.clock()
        if not force and now - self._last < self.every:
            return
        self._last = now
        text = format_bar(done, self.total, now - self.started, self.unit)
        self.stream.write(("\r" + text) if self.tty else text + "\n")
        self.stream.flush()

    def close(self, done: int) -> None:
        self.update(done, force=True)
        if self.tty:
            self.stream.write("\n")
