"""When a command ends, however it ends, the processes it started end with it.

A run starts worker processes, each with a helper process, and Prefect may start a server;
when the command is killed (SIGKILL by a timeout, an OOM killer, a closed terminal) none of
them is told, and a worker stuck in an input it cannot finish goes on for an hour at full
speed, orphaned. Python can do nothing about it from inside the children: a thread watching
the parent needs the interpreter lock, which a stuck regular expression never releases, and
the kernel's parent-death signal fires when the *thread* that started a child ends, which in
a thread pool is any time.

So `hold()` marks this process's future children with an environment variable they inherit,
down to grandchildren (BABELFEED_LIFELINE=<token>), and starts a small watchdog process in a
session of its own (a kill of the command's process group spares it), which waits for this
process to end (a pidfd, which the kernel makes readable when it does). The watchdog then
finds every process carrying the token (/proc/*/environ: what a process was started with),
asks them to stop (SIGTERM), and kills those still there after a grace period. A process that must outlive the command (a reused Prefect server) is
started without the variable. Linux only; elsewhere `hold()` does nothing.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time

ENV = "BABELFEED_LIFELINE"
#: Seconds between SIGTERM and SIGKILL for what the command left behind.
GRACE_SECONDS = 2.0

_held: str | None = None  # this process's token, once `hold` ran
_watchdog: subprocess.Popen | None = None


def hold() -> str | None:
    """Make every process this one starts from now on end when it ends; once per process.
    Returns the token its children carry (None where /proc is not there to find them)."""
    global _held, _watchdog
    if _held is not None or not os.path.isdir("/proc"):
        return _held
    token = f"{os.getpid()}-{time.time_ns()}"
    env = {k: v for k, v in os.environ.items() if k != ENV}
    _watchdog = subprocess.Popen(
        [sys.executable, "-m", "babelfeed.lifeline", token], env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    os.environ[ENV] = _held = token
    return token


def carriers(token: str) -> list[int]:
    """The processes started with `token` in their environment."""
    needle = f"{ENV}={token}".encode()
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/environ", "rb") as f:
                if needle in f.read().split(b"\0"):
                    found.append(int(entry.name))
        except OSError:  # gone already, or not ours to read
            continue
    return found


def _signal_all(pids: list[int], signum: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, signum)
        except OSError:
            pass


def end_carriers(token: str, grace: float = GRACE_SECONDS) -> int:
    """Stop every process carrying `token`: SIGTERM, then SIGKILL after `grace` seconds for
    those still there (a worker inside a stuck regular expression never runs its handler).
    Returns how many there were."""
    pids = carriers(token)
    _signal_all(pids, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and (left := carriers(token)):
        time.sleep(0.05)
    for _ in range(3):  # a pool may replace a worker while we kill: look again
        left = carriers(token)
        if not left:
            break
        _signal_all(left, signal.SIGKILL)
        time.sleep(0.1)
    return len(pids)


def _wait_for_parent() -> None:
    """Return when the process that started this one has ended."""
    parent = os.getppid()
    try:
        handle = os.pidfd_open(parent)
    except (AttributeError, OSError):  # no pidfd (old kernel): notice the re-parenting
        while os.getppid() == parent:
            time.sleep(0.5)
        return
    if os.getppid() != parent:  # it ended before the pidfd was opened
        return
    select.select([handle], [], [])


def _watch(token: str) -> None:
    """The watchdog: wait for the command's end, then end what it left behind."""
    try:
        _wait_for_parent()
    finally:
        end_carriers(token)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C at the terminal is the command's
    _watch(sys.argv[1])
