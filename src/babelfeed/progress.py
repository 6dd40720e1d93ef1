"""How far a run is: done of total, throughput and an ETA, for a progress line per chunk.

Progress is measured in bytes of input, the one measure that is known for every unit before
it is processed (a batch of files, a shard of a WARC): counting inputs would make a 1 GB
archive weigh as much as a 2 KB text file. Units without a known size (URLs) still count.
"""

from __future__ import annotations

import sys
import time
from contextvars import ContextVar
from dataclasses import dataclass, field

#: Whether a run may draw a progress bar on a terminal (`babelfeed ingest -q` says no).
show_bar: ContextVar[bool] = ContextVar("show_bar", default=True)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


def _megabytes(size: float) -> str:
    return f"{size / 1_000_000:,.1f} MB"


@dataclass
class Progress:
    total_bytes: float
    units: int = 0
    done_bytes: float = 0.0
    articles: int = 0
    started: float = field(default_factory=time.monotonic)

    def advance(self, size: float, articles: int) -> None:
        self.units += 1
        self.done_bytes += size
        self.articles += articles

    @property
    def fraction(self) -> float | None:
        if self.total_bytes <= 0:
            return None
        return min(1.0, self.done_bytes / self.total_bytes)

    def line(self) -> str:
        """e.g. `progress: 31% of 120.0 MB (12 units), 1,234 articles at 52.3/s, ETA 3m10s`."""
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.articles / elapsed
        fraction = self.fraction
        if fraction is None:
            where = f"{self.units} units"
        else:
            where = f"{fraction:.0%} of {_megabytes(self.total_bytes)} ({self.units} units)"
        eta = ""
        if fraction:
            eta = f", ETA {_duration(elapsed * (1 - fraction) / fraction)}"
        return f"progress: {where}, {self.articles:,} articles at {rate:,.1f}/s{eta}"


class Bar:
    """A rich progress bar on a terminal; nothing when stderr is a file or a pipe, or when
    `show_bar` is off."""

    def __init__(self, total: float) -> None:
        self.bar = None
        if show_bar.get() and sys.stderr.isatty() and total > 0:
            from rich.progress import Progress as RichProgress

            self.bar = RichProgress(transient=True)
            self.task = self.bar.add_task("ingesting", total=total)
            self.bar.start()

    def advance(self, size: float) -> None:
        if self.bar is not None:
            self.bar.advance(self.task, size)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
