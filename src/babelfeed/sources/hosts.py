"""One host at a time, across every worker process: the per-host limiter.

At most `concurrency` requests are in flight to one host (`host:port`), and with one at a
time the next starts at least `delay` seconds after the last one ended (with several, starts
are spaced by `delay`). The delay is the larger of `BABELFEED_HOST_DELAY`, the host's
robots.txt `Crawl-delay`, and the slow-down of this run: every 429 or 503 doubles the host's
delay for the rest of the run, and a `Retry-After` holds the host for that long.

The state is shared by the processes of a run (and the runs after it) through files in
`<state>/hosts/`: per host a small JSON state (when its last request started and ended, until
when it is held, the run's slow-down) read and written under an exclusive `flock`, and one lock file per request slot,
held with `flock` for the duration of the request. The kernel releases a slot when its holder
dies, so a killed worker never leaves a host blocked. This design was measured against
planning URL units by host (`benchmarks/politeness.py`): with units by host, a worker waits
out one host's delays while other hosts sit idle, so two workers fetch two hosts at a time;
with the shared limiter each worker fetches many hosts at once (one thread per host, see
`each_by_host`), and a run takes about as long as its slowest host needs.

No request waits longer than `max_wait` (`BABELFEED_MAX_RETRY_AFTER`) for its host: past that
it is a `rate_limited` reject that the next run retries, so a host that asks for an hour's
pause does not hold a scheduled run for an hour.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import queue
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from babelfeed.article import RejectReason
from babelfeed.sources.http import FetchError
from babelfeed.sources.urlnorm import host_key

T = TypeVar("T")
R = TypeVar("R")

#: A `next_at` further ahead than this is a clock that jumped, not a host's request.
_SANE_FUTURE = 86400.0


def _name(host: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9.-]", "_", host)[:60]
    return f"{safe}-{hashlib.blake2b(host.encode(), digest_size=4).hexdigest()}"


@dataclass(frozen=True)
class HostLimiter:
    folder: Path
    run_id: str
    concurrency: int = 1
    delay: float = 1.0
    max_wait: float = 120.0

    @contextmanager
    def slot(self, url: str, crawl_delay: float | None = None) -> Iterator[None]:
        """Hold one of the host's request slots, at the earliest moment the host allows;
        FetchError(rate_limited) when that is more than `max_wait` away."""
        host = host_key(url)
        self.folder.mkdir(parents=True, exist_ok=True)
        started = time.time()
        held = self._take_slot(host)
        try:
            while True:
                with self._state(host) as state:
                    now = time.time()
                    # The delay as known now (a Crawl-delay learnt since the last request counts),
                    # from the last end (one at a time) or the last start (several).
                    last = state["last_end"] if self.concurrency == 1 else state["last_start"]
                    wait = max(state["next_at"], last + self._delay(state, crawl_delay)) - now
                    if wait <= 0:
                        state["last_start"] = now
                        break
                if now + wait - started > self.max_wait:
                    raise FetchError(RejectReason.RATE_LIMITED, (
                        f"{url}: {host} may not be asked again for {wait:.0f} s (its Crawl-delay, Retry-After "
                        f"or other requests), beyond BABELFEED_MAX_RETRY_AFTER={self.max_wait:g}; the next run "
                        "tries again"))
                time.sleep(wait)
            try:
                yield
            finally:
                with self._state(host) as state:
                    state["last_end"] = time.time()
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)
            held.close()

    def back_off(self, url: str, seconds: float) -> None:
        """The host answered 429 or 503: nothing goes to it for `seconds`, and its delay is
        doubled for the rest of this run."""
        host = host_key(url)
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._state(host) as state:
            now = time.time()
            slowed = min(2 * self._delay(state, None), self.max_wait)
            state.update(run_id=self.run_id, slow=slowed, next_at=max(state["next_at"], now + seconds))

    def _delay(self, state: dict, crawl_delay: float | None) -> float:
        slow = float(state.get("slow") or 0.0) if state.get("run_id") == self.run_id else 0.0
        return max(self.delay, crawl_delay or 0.0, slow)

    def _take_slot(self, host: str):
        """Lock one of the host's slot files: a free one if any, else wait for one in the
        kernel (a blocking `flock` holds no interpreter lock and wakes when the holder lets go,
        dies included). The wait is as long as the holder's request, which its timeouts bound."""
        paths = [self.folder / f"{_name(host)}.slot{i}" for i in range(max(1, self.concurrency))]
        for path in paths:
            handle = open(path, "a+b")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return handle
            except BlockingIOError:
                handle.close()
        handle = open(paths[threading.get_ident() % len(paths)], "a+b")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
        except BaseException:
            handle.close()
            raise
        return handle

    @contextmanager
    def _state(self, host: str) -> Iterator[dict]:
        """The host's state, read and written back under an exclusive lock."""
        with open(self.folder / f"{_name(host)}.json", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.seek(0)
                try:
                    state = json.loads(handle.read() or b"{}")
                except ValueError:  # cut short by a crash: start afresh
                    state = {}
                if not isinstance(state, dict):
                    state = {}
                for key in ("next_at", "last_start", "last_end"):
                    value = float(state.get(key) or 0.0)
                    state[key] = 0.0 if value - time.time() > _SANE_FUTURE else value
                before = dict(state)
                yield state
                if state != before:
                    handle.seek(0)
                    handle.truncate()
                    handle.write(json.dumps(state).encode())
                    handle.flush()
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def interleave(items: Iterable[T], url_of: Callable[[T], str | None]) -> list[T]:
    """The items with their hosts taken in turn (a, b, c, a, b, c, ...), so that a batch cut
    from the list holds many hosts and its worker fetches them side by side. Items without a
    URL (files) come first, in their order. Linear in the number of items."""
    others: list[T] = []
    by_host: dict[str, list[T]] = {}
    for item in items:
        url = url_of(item)
        if url is None:
            others.append(item)
        else:
            by_host.setdefault(host_key(url), []).append(item)
    queues = [iter(group) for group in by_host.values()]
    mixed: list[T] = []
    while queues:
        alive = []
        for group in queues:
            item = next(group, None)
            if item is not None:
                mixed.append(item)
                alive.append(group)
        queues = alive
    return others + mixed


_DONE = object()


def each_by_host(
    items: list[T], url_of: Callable[[T], str], work: Callable[[T], R], threads: int = 16, buffered: int = 8,
) -> Iterator[tuple[T, R]]:
    """`work(item)` for every item, the items of one host one after another and different hosts
    side by side (up to `threads` at once); yields (item, result) as they finish. At most
    `buffered` results wait for the consumer, so memory follows that, not the batch."""
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(host_key(url_of(item)), []).append(item)
    if not groups:
        return
    results: queue.Queue = queue.Queue(maxsize=max(1, buffered))
    stop = threading.Event()

    def put(entry) -> None:
        while not stop.is_set():
            try:
                results.put(entry, timeout=0.1)
                return
            except queue.Full:
                continue

    def run(group: list[T]) -> None:
        try:
            for item in group:
                if stop.is_set():
                    return
                put((item, work(item), None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            put((None, None, exc))
        finally:
            put(_DONE)

    pool = ThreadPoolExecutor(max_workers=max(1, min(threads, len(groups))), thread_name_prefix="fetch")
    try:
        for group in groups.values():
            pool.submit(run, group)
        pending = len(groups)
        while pending:
            entry = results.get()
            if entry is _DONE:
                pending -= 1
                continue
            item, result, error = entry
            if error is not None:
                raise error
            yield item, result
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)

