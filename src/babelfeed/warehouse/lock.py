"""One writer at a time per warehouse.

A scheduled run and a backfill that overlap would otherwise read the same partition, each add
their rows, and the last rename would silently drop the other's. The lock is an exclusive
`flock` on `<warehouse>/_state/lock`: the kernel releases it when the holder dies, even by
SIGKILL, so a crashed run never blocks the next one. The holder writes who it is into the
file so that a waiting run can name it.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path


class WarehouseLockedError(RuntimeError):
    """Another run holds the warehouse; the message names it."""


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
def warehouse_lock(root: str | Path, run_id: str, timeout: float = 0.0, poll: float = 0.2) -> Iterator[None]:
    """Hold the warehouse for the duration of the block, waiting up to `timeout` seconds."""
    state = Path(root) / "_state"
    state.mkdir(parents=True, exist_ok=True)
    path = state / "lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseLockedError(
                        f"warehouse {root} is held by {_holder(path)}; this run waited {timeout:g} s. "
                        "Let that run finish, or raise BABELFEED_LOCK_TIMEOUT to wait longer."
                    ) from None
                time.sleep(poll)
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
