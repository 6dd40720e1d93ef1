"""One writer at a time per warehouse.

A scheduled run and a backfill that overlap would otherwise read the same partition, each add
their rows, and the last rename would silently drop the other's. The lock is an exclusive
`flock` on `lock` in the warehouse's state folder (`<warehouse>/_state` for a local
warehouse): the kernel releases it when the holder dies, even by SIGKILL, so a crashed run
never blocks the next one. The holder writes who it is into the file so that a waiting run can
name it. An object store has no such lock; there, runs on other machines are kept apart by the
deployments' concurrency limits (see flows/deployments.py).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from babelfeed.errors import WarehouseLockedError

__all__ = ["WarehouseLockedError", "warehouse_lock"]


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        return "another process"
    return (
        f"run {info.get('run_id')} (pid {info.get('pid')} on {info.get('host')}, "
        f"since {info.get('since')})"
    )


@contextmanager
def warehouse_lock(
    lock_dir: str | Path,
    run_id: str,
    timeout: float = 0.0,
    poll: float = 0.2,
    on_wait: Callable[[str], None] | None = None,
    label: str | None = None,
) -> Iterator[None]:
    """Hold the warehouse for the duration of the block, waiting up to `timeout` seconds.

    While another run holds it, retry with exponential backoff (from `poll` up to 5 s) and call
    `on_wait` once with a sentence naming the holder, so the wait shows in the run's log.
    """
    state = Path(lock_dir)
    state.mkdir(parents=True, exist_ok=True)
    path = state / "lock"
    name = label or str(state)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        delay, announced = poll, False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WarehouseLockedError(
                        f"warehouse {name} is held by {_holder(path)}; this run waited {timeout:g} s. "
                        "Let that run finish, or raise BABELFEED_LOCK_TIMEOUT to wait longer."
                    ) from None
                if on_wait and not announced:
                    on_wait(f"warehouse {name} is held by {_holder(path)}; waiting up to {timeout:g} s")
                    announced = True
                time.sleep(min(delay, remaining))
                delay = min(delay * 2, 5.0)
        holder = {
            "run_id": run_id,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
