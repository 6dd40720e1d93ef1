"""One input's stages within a time budget, in a helper process that can be killed.

Python cannot stop a regular expression, a C extension or a stuck loop from another thread,
and one pathological input (a megabyte without a space, a page trafilatura chokes on) must
cost its own reject, never the run: a stalled input would hold the warehouse lock and every
scheduled run after it. So the stages that read an input's own text run in a helper process
beside the worker (one per worker thread, spawned on first use and kept), which reports the
stage it is in through shared memory. The worker waits for the answer; past the extraction
limit (while trafilatura runs) or the input's budget it kills the helper, which pebble
replaces for the next input, and the caller turns the input into a reject naming the stage.

The helper is spawned, not forked (forking a threaded process is unsafe), so what it runs
must be importable without the heavy modules (translation, the warehouse): see pipeline.py.
Daemonic processes (Dask's workers) cannot start one: there the stages run in place, with
no limit, as they would with both limits set to 0.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

#: The stages a helper reports, by index in shared memory.
STAGES = ("extract", "normalize", "language", "segment")
# Shared memory layout: the call's sequence number, when it started, its stage and when that began.
_SEQ, _STARTED, _STAGE, _STAGE_STARTED = range(4)


@dataclass(frozen=True, slots=True)
class Limits:
    """Seconds one input may take: all its stages (`input_seconds`), and trafilatura's
    extraction alone (`extract_seconds`); 0 means no limit."""

    input_seconds: float = 0.0
    extract_seconds: float = 0.0

    @property
    def any(self) -> bool:
        return self.input_seconds > 0 or self.extract_seconds > 0


class StageTimeout(Exception):
    """An input ran past a limit; the helper that ran it was killed."""

    def __init__(self, stage: str, seconds: float, limit: float, setting: str) -> None:
        super().__init__(f"{stage} ran past {limit:g} s ({setting})")
        self.stage, self.seconds, self.limit, self.setting = stage, seconds, limit, setting


class HelperDied(Exception):
    """The helper process ended while running an input (killed by the OS, a crash)."""

    def __init__(self, stage: str, detail: str) -> None:
        super().__init__(f"the helper process died in {stage}: {detail}")
        self.stage = stage


# --- in the helper ----------------------------------------------------------------------------

_marker: Any = None  # the shared memory, in a helper process; None elsewhere


def _stall_hook() -> tuple[str, str] | None:
    """BABELFEED_TEST_STALL=<stage>:<text in the input's uri>: that stage sleeps for an hour on
    matching inputs. A test hook (a stage that hangs, for the budget's tests); never set it."""
    value = os.environ.get("BABELFEED_TEST_STALL", "")
    stage, _, fragment = value.partition(":")
    return (stage, fragment) if stage else None


_STALL = _stall_hook()
_current_uri = ""


def enter(stage: str, uri: str | None = None) -> None:
    """Note that `stage` (one of STAGES) begins, so the worker can name it if the input runs
    late; `uri` names the input (for the test hook). Nothing outside a helper."""
    global _current_uri
    if _marker is None:
        return
    if uri is not None:
        _current_uri = uri
    _marker[_STAGE] = STAGES.index(stage)
    _marker[_STAGE_STARTED] = time.monotonic()
    if _STALL and _STALL[0] == stage and _STALL[1] in _current_uri:
        time.sleep(3600)


def _init_helper(marker: Any) -> None:
    global _marker
    _marker = marker


def _traced(seq: int, fn: Callable[..., T], args: tuple) -> T:
    now = time.monotonic()
    _marker[_STAGE], _marker[_STAGE_STARTED] = 0, now
    _marker[_STARTED] = now
    _marker[_SEQ] = seq  # last: the worker trusts the times only once this names its call
    return fn(*args)


# --- in the worker ----------------------------------------------------------------------------


class _Helper:
    """A pebble pool of one process and the shared memory it reports through."""

    def __init__(self) -> None:
        from pebble import ProcessPool

        context = multiprocessing.get_context("spawn")
        self.marker = context.RawArray("d", 4)
        self.pool = ProcessPool(max_workers=1, context=context, initializer=_init_helper, initargs=(self.marker,))
        self.calls = itertools.count(1)

    def stop(self) -> None:
        self.pool.stop()
        self.pool.join(timeout=10)


_local = threading.local()
_helpers: list[_Helper] = []
_helpers_lock = threading.Lock()


def _helper() -> _Helper:
    """This thread's helper (threads of one worker must not queue behind each other's
    inputs: the wait would count against their budget)."""
    helper = getattr(_local, "helper", None)
    if helper is None:
        with _helpers_lock:
            if not _helpers:
                from multiprocessing.util import Finalize

                # multiprocessing joins a process's live children when it exits, and an idle
                # helper would keep a finished worker waiting: stop them first.
                Finalize(None, stop_helpers, exitpriority=10)
            helper = _local.helper = _Helper()
            _helpers.append(helper)
    return helper


def stop_helpers() -> None:
    """Stop every helper this process started."""
    with _helpers_lock:
        while _helpers:
            _helpers.pop().stop()
    _local.__dict__.clear()


def _poll_seconds(limits: Limits) -> float:
    smallest = min(s for s in (limits.input_seconds, limits.extract_seconds) if s > 0)
    return max(0.005, min(0.25, smallest / 4))


def run(fn: Callable[..., T], args: tuple, limits: Limits) -> T:
    """`fn(*args)` in this thread's helper, within `limits`.

    Raises StageTimeout (the helper was killed; the next call gets a fresh one) or
    HelperDied. Without limits, or in a daemonic process, `fn` runs here, unbounded.
    """
    if not limits.any or multiprocessing.current_process().daemon:
        return fn(*args)
    helper = _helper()
    seq = next(helper.calls)
    future = helper.pool.schedule(_traced, args=(seq, fn, args))
    poll = _poll_seconds(limits)
    marker = helper.marker
    while True:
        try:
            return future.result(timeout=poll)
        except FutureTimeout:
            pass
        except Exception as exc:
            if type(exc).__name__ == "ProcessExpired":  # pebble's: the process ended mid-call
                raise HelperDied(STAGES[int(marker[_STAGE])], str(exc)) from exc
            raise
        if marker[_SEQ] != seq:
            continue  # the helper is still starting: its time has not begun
        now = time.monotonic()
        stage = STAGES[int(marker[_STAGE])]
        late = None
        if stage == "extract" and limits.extract_seconds and now - marker[_STAGE_STARTED] > limits.extract_seconds:
            late = StageTimeout(stage, now - marker[_STARTED], limits.extract_seconds, "BABELFEED_EXTRACT_TIMEOUT")
        elif limits.input_seconds and now - marker[_STARTED] > limits.input_seconds:
            late = StageTimeout(stage, now - marker[_STARTED], limits.input_seconds, "BABELFEED_INPUT_TIMEOUT")
        if late is not None:
            # pebble terminates the running helper and starts another for the next call; an
            # answer that arrived meanwhile is taken.
            if not future.cancel() and future.done() and not future.exception():
                return future.result()
            raise late
