"""Helpers shared by benchmarks that run `babelfeed` as a subprocess.

- `machine_line()`: the one line that says what machine a figure was measured on.
- `TreeSampler`: the summed RSS of a process and all its descendants, sampled from a thread.
- `prefect_server()`: one temporary Prefect server for a whole benchmark (its own process, so
  never part of a measured process tree), and `cli_env()` to point subprocesses at it.
- `run_cli()`: run a command, sample its process tree, fail loudly on a non-zero exit.
- `Spans`: exclusive time per wrapped function, to tell a whole operation's parts apart.
"""

from __future__ import annotations

import os
import platform
import subprocess
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

MIB = 1024 * 1024


def cpu_model() -> str:
    """The CPU model named in /proc/cpuinfo (or what platform knows elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def usable_cores() -> int:
    """Cores this process may run on (the affinity mask, not just the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def machine_line() -> str:
    memory = psutil.virtual_memory().total / 1024**3
    return (f"machine: {usable_cores()} cores ({os.cpu_count()} online), {memory:.1f} GiB memory, "
            f"{cpu_model()}, Python {platform.python_version()} ({platform.system()})")


def tree_rss(root: psutil.Process) -> tuple[int, int]:
    """Summed RSS in bytes of `root` and its live descendants, and how many processes that is."""
    try:
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0, 0
    total = count = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
            count += 1
        except psutil.Error:  # exited between the listing and the read
            pass
    return total, count


class TreeSampler:
    """Samples a process tree's summed RSS every `interval` seconds until stopped."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak_bytes = 0
        self.peak_processes = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            rss, count = tree_rss(self.root)
            self.peak_bytes = max(self.peak_bytes, rss)
            self.peak_processes = max(self.peak_processes, count)
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass(frozen=True)
class CliRun:
    label: str
    seconds: float
    peak_rss_mib: float
    peak_processes: int
    samples: int
    stdout: str


class CliFailedError(RuntimeError):
    """A benchmarked command exited with a non-zero status: an error, never a figure."""


@contextmanager
def prefect_server() -> Iterator[str]:
    """A temporary Prefect server in its own subprocess; yields its API URL."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield PREFECT_API_URL.value()


def cli_env(api_url: str, **extra: str) -> dict[str, str]:
    """This process's environment, pointed at the given Prefect API, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(PREFECT_API_URL=api_url, PREFECT_SERVER_ANALYTICS_ENABLED="false", **extra)
    return env


def run_cli(label: str, argv: Sequence[str], env: dict[str, str], log_dir: Path) -> CliRun:
    """Run `argv`, sampling its process tree's RSS; raise CliFailedError on a non-zero exit.

    stdout and stderr go to files in `log_dir` (no pipe to fill up), named after `label`.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    stem = "".join(ch if ch.isalnum() else "-" for ch in label)
    out_path, err_path = log_dir / f"{stem}.out", log_dir / f"{stem}.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(argv), env=env, stdout=out, stderr=err)
        with TreeSampler(proc.pid) as sampler:
            code = proc.wait()
        seconds = time.perf_counter() - start
    stdout = out_path.read_text(encoding="utf-8", errors="replace")
    if code != 0:
        tail = err_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise CliFailedError(f"{label}: {' '.join(argv)} exited with {code}\n{tail}")
    return CliRun(label, seconds, sampler.peak_bytes / MIB, sampler.peak_processes,
                  sampler.samples, stdout)


class Spans:
    """Exclusive time per label of wrapped functions (a wrapped callee's time is not its
    wrapped caller's), on `clock`: wall time by default, `time.process_time` for CPU."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()
        self._stack: list[float] = []

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()

    def wrap(self, name: str, fn: Callable) -> Callable:
        def wrapper(*a, **kw):
            self._stack.append(0.0)
            start = self.clock()
            try:
                return fn(*a, **kw)
            finally:
                elapsed = self.clock() - start
                self.seconds[name] += elapsed - self._stack.pop()
                self.calls[name] += 1
                if self._stack:
                    self._stack[-1] += elapsed

        wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
        return wrapper
