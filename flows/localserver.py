"""One local Prefect server per PREFECT_HOME, started in the background and reused.

Why: a Prefect flow called without PREFECT_API_URL starts a temporary server for its own
process (ten seconds or more), and every worker process of its task runner started another;
the history of the run went away with them. A user of a scheduler expects what
`prefect server start` gives: one server, the UI and the run history kept between commands.
So the first command that needs a server starts `prefect server start` in the background for
this PREFECT_HOME, and every later command finds it and uses it. With PREFECT_API_URL set
(or a Prefect profile naming a server), babelfeed uses that one and starts none.

The server runs under a small keeper process (this module, `python -m
babelfeed_flows.localserver keep ...`): it starts the server in its own session, detached
from the command that asked for it and without the BABELFEED_LIFELINE variable (a watchdog
kills every process carrying it when its command dies; the server must outlive the
command), records it, and stops it after BABELFEED_SERVER_IDLE_MINUTES without a babelfeed
command using it. The server dies with its keeper (PR_SET_PDEATHSIG).

Files in PREFECT_HOME (Prefect's own database, prefect.db, is there too):
- babelfeed-server.json: URL, port and pids, written once the server answers;
- babelfeed-server.lock: held while a command finds, starts or stops the server and while the
  keeper decides to stop it, so two commands starting at once end with one server;
- babelfeed-server.lease: every command using the server holds a shared lock on it until it
  exits (the kernel releases it when a command dies); the keeper stops the server only when
  nobody holds it;
- babelfeed-server.log: the server's and the keeper's output;
- server.pid: the keeper's pid, where Prefect's own `prefect server stop` looks (it sends
  SIGTERM, which stops the keeper and its server) and `prefect server start --background`
  sees that a server is running.

No Prefect import here: finding the server costs milliseconds, so `babelfeed server status`
is instant and a command can start the server before it imports Prefect (the server's start
overlaps the command's imports), and the keeper stays small.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from babelfeed.errors import SettingError

HOST = "127.0.0.1"
STATE = "babelfeed-server.json"
LOCK = "babelfeed-server.lock"
LEASE = "babelfeed-server.lease"
LOG = "babelfeed-server.log"
PREFECT_PID = "server.pid"  # Prefect's own name: `prefect server stop` reads it
#: Seconds a command waits for the server to answer (a first start migrates its database).
START_TIMEOUT = 300.0
#: Variables the server must not inherit from the command that starts it.
NOT_INHERITED = ("BABELFEED_LIFELINE", "PREFECT_API_URL", "PREFECT_API_KEY", "PREFECT_API_AUTH_STRING")
_KEEPER = "babelfeed_flows.localserver"


class ServerError(SettingError):
    """The local server cannot be started or reached; the message says what to do."""


@dataclass(frozen=True)
class Server:
    """A running local server, as its keeper recorded it."""

    url: str  # the UI's address; the API is under /api
    port: int
    pid: int  # the keeper
    server_pid: int
    home: str
    idle_minutes: float
    started_at: float
    ready: bool = False  # False while the server starts (its keeper records it at once)

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"


def prefect_home() -> Path:
    """PREFECT_HOME as Prefect resolves it from the environment (default ~/.prefect)."""
    return Path(os.environ.get("PREFECT_HOME") or "~/.prefect").expanduser().resolve()


def configured_api_url(cwd: Path | None = None) -> str | None:
    """The Prefect API URL this environment names, if any, without importing Prefect.

    Prefect reads PREFECT_API_URL from the environment, the active profile
    (PREFECT_HOME/profiles.toml), and prefect.toml, pyproject.toml ([tool.prefect]) or .env in
    the working folder. This looks in the same places so a command can start the local
    server before Prefect is imported; the command checks Prefect's own answer afterwards.
    """
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    cwd = cwd or Path.cwd()
    profiles = Path(os.environ.get("PREFECT_PROFILES_PATH") or prefect_home() / "profiles.toml")
    found = _toml(profiles)
    active = os.environ.get("PREFECT_PROFILE") or found.get("active")
    url = found.get("profiles", {}).get(active or "", {}).get("PREFECT_API_URL")
    url = url or _toml(cwd / "prefect.toml").get("api", {}).get("url")
    url = url or _toml(cwd / "pyproject.toml").get("tool", {}).get("prefect", {}).get("api", {}).get("url")
    if not url and (cwd / ".env").is_file():
        for line in (cwd / ".env").read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition("=")
            if key.strip().removeprefix("export ").strip() == "PREFECT_API_URL" and value.strip():
                url = value.strip().strip("'\"")
    return url or None


def _toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}


# -- finding, starting and stopping ----------------------------------------------------------


def status(home: Path | None = None) -> Server | None:
    """The server running for `home`, or None (a record whose keeper is gone is not one)."""
    home = home or prefect_home()
    server = _read_state(home)
    if server and server.ready and _is_keeper(server.pid) and healthy(server.api_url):
        return server
    return None


class Starting:
    """A server found or being started for one command, holding the start lock until `wait`.

    Split in two so the command can import Prefect while the server starts: `begin` returns
    at once, `wait` returns the server once it answers, takes the command's lease on it and
    lets the next command look.
    """

    def __init__(self, home: Path, lock_fd: int, server: Server | None, keeper: int, port: int,
                 child: subprocess.Popen | None = None) -> None:
        self.home, self.port, self.server = home, port, server
        self._lock_fd, self._keeper, self._child = lock_fd, keeper, child

    @property
    def started(self) -> bool:
        """Whether this command started the server (else it found one running or starting)."""
        return self._child is not None

    @property
    def api_url(self) -> str:
        """Where the server answers (or will): known before it does, so a command can name it
        in PREFECT_API_URL before it imports Prefect."""
        return f"http://{HOST}:{self.port}/api"

    def wait(self, timeout: float = START_TIMEOUT) -> Server:
        """The server once it answers; this process then holds a lease on it until it exits."""
        try:
            if self.server is None:
                self.server = _wait_ready(self.home, self._keeper, self._child, self.port, timeout)
            lease(self.home)
            return self.server
        finally:
            self._release()

    def abandon(self) -> None:
        """Let go without waiting (the command failed first); the server goes on starting and
        the next command finds it."""
        self._release()

    def _release(self) -> None:
        if self._lock_fd >= 0:
            os.close(self._lock_fd)  # releases the lock
            self._lock_fd = -1


def begin(port: int, idle_minutes: float, home: Path | None = None, timeout: float = START_TIMEOUT) -> Starting:
    """Find the server of `home`, or start one on `port` (in the background)."""
    home = home or prefect_home()
    fd = _lock(home, timeout)
    try:
        found = _read_state(home)
        if found and _is_keeper(found.pid):
            if not found.ready:  # started by a command that did not wait for it: wait here
                return Starting(home, fd, None, found.pid, found.port)
            if healthy(found.api_url):
                return Starting(home, fd, found, found.pid, found.port)
        _clear_stale(home, found)  # its keeper is gone, or its server no longer answers
        _refuse_taken_port(port)
        child = _spawn_keeper(home, port, idle_minutes)
        return Starting(home, fd, None, child.pid, port, child)
    except BaseException:
        os.close(fd)
        raise


def ensure(port: int, idle_minutes: float, home: Path | None = None) -> Server:
    """The server of `home`, started if need be; this process holds a lease on it until it exits."""
    return begin(port, idle_minutes, home).wait()


def stop(home: Path | None = None, timeout: float = 60.0) -> Server | None:
    """Stop the server of `home` (its keeper stops it); the server stopped, or None."""
    home = home or prefect_home()
    fd = _lock(home, timeout)
    try:
        found = _read_state(home)
        if found is None or not _is_keeper(found.pid):
            _clear_stale(home, found)
            return None
        _clear_stale(home, found, timeout)
        return found
    finally:
        os.close(fd)


_LEASES: list[int] = []  # held until the process exits


def lease(home: Path) -> None:
    """Tell the keeper this process uses the server (a shared lock, held until exit)."""
    fd = os.open(home / LEASE, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_SH)
    _LEASES.append(fd)


def named_elsewhere(port: int, home: Path | None = None) -> str | None:
    """The API URL of the Prefect server this environment names, unless it is babelfeed's
    local one (None: use the local server, found or started).

    PREFECT_API_URL (or a profile, prefect.toml, pyproject.toml, .env) names a server to use.
    Where it names the local server's own address (exported for Prefect's own commands), the
    command finds that server, or starts it if it stopped, and leases it like any command;
    unless a server babelfeed did not start answers there (`prefect server start` on
    the same port), which is then used as named."""
    configured = configured_api_url()
    if not configured:
        return None
    local = f"http://{HOST}:{port}/api"
    if configured.rstrip("/") != local:
        return configured
    if status(home) is None and healthy(local):
        return configured
    return None


def healthy(api_url: str, timeout: float = 2.0) -> bool:
    """Whether a Prefect API answers its health check at `api_url`."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1: no proxy
    try:
        with opener.open(f"{api_url}/health", timeout=timeout) as answer:
            return answer.status == 200
    except (OSError, urllib.error.URLError, ValueError):
        return False


def _home_error(home: Path, exc: OSError) -> ServerError:
    return ServerError(
        f"PREFECT_HOME={home} cannot be written ({exc.strerror or exc}): babelfeed keeps its local Prefect "
        "server's database and records there; set PREFECT_HOME to a folder you can write, or PREFECT_API_URL "
        "to a running Prefect server"
    )


def _lock(home: Path, timeout: float) -> int:
    """The start lock of `home` (exclusive), waiting up to `timeout` seconds for another command."""
    try:
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(home / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise _home_error(home, exc) from exc
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)
                raise ServerError(
                    f"another babelfeed command has been starting the Prefect server of PREFECT_HOME={home} "
                    f"for {timeout:.0f} s; see {home / LOG}, or run `babelfeed server stop` and try again"
                ) from None
            time.sleep(0.1)


def _read_state(home: Path) -> Server | None:
    try:
        return Server(**json.loads((home / STATE).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _is_keeper(pid: int) -> bool:
    """Whether `pid` is a live keeper (not a reused pid)."""
    return pid > 0 and _KEEPER in _cmdline(pid) and not _zombie(pid)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def _is_server(pid: int) -> bool:
    """Whether `pid` is a live `prefect server start` (not a reused pid)."""
    line = _cmdline(pid)
    return pid > 0 and "prefect" in line and "server" in line and not _zombie(pid)


def _kill_group(pid: int, sig: int) -> None:
    """Signal a server's process group (it leads one), if it is still a Prefect server."""
    if _is_server(pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)


def _clear_stale(home: Path, found: Server | None, timeout: float = 60.0) -> None:
    """Stop the keeper of a record (it stops its server) and a server left without one, and
    forget the record."""
    if found is None:
        return
    if _is_keeper(found.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(found.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _is_keeper(found.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _is_keeper(found.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(found.pid, signal.SIGKILL)
    _kill_group(found.server_pid, signal.SIGKILL if _is_keeper(found.pid) else signal.SIGTERM)
    deadline = time.monotonic() + 30
    while _is_server(found.server_pid) and time.monotonic() < deadline:  # until its port is free
        time.sleep(0.1)
    _remove_state(home, found.pid)


def _remove_state(home: Path, pid: int) -> None:
    """Remove the records of the keeper `pid` (never another keeper's)."""
    found = _read_state(home)
    if found is not None and found.pid == pid:
        with contextlib.suppress(OSError):
            (home / STATE).unlink()
    with contextlib.suppress(OSError, ValueError):
        if int((home / PREFECT_PID).read_text().strip()) == pid:
            (home / PREFECT_PID).unlink()


def _refuse_taken_port(port: int) -> None:
    """One line that says what to do when something else listens on `port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
            return
        except OSError:
            pass
    url = f"http://{HOST}:{port}"
    if healthy(f"{url}/api"):
        raise ServerError(
            f"port {port} is taken by a Prefect server babelfeed did not start (`prefect server start`, or "
            f"another PREFECT_HOME's): to use it, set PREFECT_API_URL={url}/api; to start babelfeed's own, "
            "set BABELFEED_SERVER_PORT to a free port"
        )
    raise ServerError(
        f"port {port} on {HOST} is taken by another program, so babelfeed cannot start its local Prefect server "
        "there: set BABELFEED_SERVER_PORT to a free port, or PREFECT_API_URL to a running Prefect server"
    )


def _spawn_keeper(home: Path, port: int, idle_minutes: float) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env["PREFECT_HOME"] = str(home)
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # air-gapped: never phone home
    try:
        log = open(home / LOG, "wb")  # noqa: SIM115 - the keeper writes it; this process lets go
    except OSError as exc:
        raise _home_error(home, exc) from exc
    with log:
        return subprocess.Popen(
            [sys.executable, "-m", _KEEPER, "keep", "--home", str(home), "--port", str(port),
             "--idle-minutes", str(idle_minutes)],
            env=env, cwd=home, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, close_fds=True,
        )


def _wait_ready(home: Path, keeper: int, child: subprocess.Popen | None, port: int, timeout: float) -> Server:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _read_state(home)
        if found is not None and found.pid == keeper and found.ready and healthy(found.api_url):
            return found
        if child is not None and child.poll() is not None:
            raise _start_failed(home, port, f"it exited with status {child.returncode}")
        if child is None and not _is_keeper(keeper):
            raise _start_failed(home, port, "its keeper exited")
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(keeper, signal.SIGTERM)
    raise _start_failed(home, port, f"it did not answer within {timeout:.0f} s")


def _start_failed(home: Path, port: int, why: str) -> ServerError:
    try:
        lines = [line.strip() for line in (home / LOG).read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        lines = []
    if any("already in use" in line or "Address in use" in line for line in lines):
        return ServerError(
            f"port {port} on {HOST} was taken while the Prefect server started: set BABELFEED_SERVER_PORT to "
            "a free port, or PREFECT_API_URL to a running Prefect server"
        )
    last = lines[-1] if lines else "no output"
    return ServerError(
        f"the local Prefect server for PREFECT_HOME={home} did not start ({why}; last line of {home / LOG}: "
        f"{last}); fix what it says, or set PREFECT_API_URL to a running Prefect server"
    )


# -- the keeper ------------------------------------------------------------------------------


class _Stop(Exception):
    pass


def _on_signal(signum, frame) -> None:
    raise _Stop


def _die_with_parent() -> None:
    """In the server's process: receive SIGTERM when the keeper dies, however it dies."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _say(message: str) -> None:
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} babelfeed keeper: {message}", flush=True)


def _leased(home: Path) -> bool:
    """Whether a command holds a lease (then an exclusive lock is refused)."""
    fd = os.open(home / LEASE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def keep(home: Path, port: int, idle_minutes: float) -> int:
    """Run `prefect server start` until stopped, or idle for `idle_minutes` (0: never)."""
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    server: subprocess.Popen | None = None
    try:
        server = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", HOST, "--port", str(port)],
            stdin=subprocess.DEVNULL, process_group=0, preexec_fn=_die_with_parent,
        )
        url = f"http://{HOST}:{port}"
        record = Server(url, port, os.getpid(), server.pid, str(home), idle_minutes, time.time())
        _write_state(home, record)  # not ready yet: a command that comes now waits for it
        while not healthy(f"{url}/api"):
            if server.poll() is not None:
                _say(f"`prefect server start` exited with status {server.returncode}")
                return 1
            time.sleep(0.2)
        record = replace(record, ready=True)
        _write_state(home, record)
        _say(f"Prefect server at {url} (pid {server.pid}); stops after {idle_minutes:g} idle minute(s)"
             if idle_minutes > 0 else f"Prefect server at {url} (pid {server.pid}); never stops by itself")
        _watch(home, server, idle_minutes)
        return 0
    except _Stop:
        _say("asked to stop")
        return 0
    finally:
        with contextlib.suppress(_Stop):
            _stop_server(server)
            _remove_state(home, os.getpid())


def _watch(home: Path, server: subprocess.Popen, idle_minutes: float) -> None:
    """Until the server ends or has had no command using it for `idle_minutes`."""
    idle_seconds = idle_minutes * 60
    poll = min(30.0, max(0.2, idle_seconds / 10)) if idle_seconds > 0 else 30.0
    last_used = time.monotonic()
    while True:
        time.sleep(poll)
        if server.poll() is not None:
            _say(f"the Prefect server exited with status {server.returncode}")
            return
        if _leased(home):
            last_used = time.monotonic()
            continue
        if idle_seconds <= 0 or time.monotonic() - last_used < idle_seconds:
            continue
        fd = _try_lock(home)
        if fd is None:
            continue  # a command is finding the server: it is about to be used
        try:
            if _leased(home):
                last_used = time.monotonic()
                continue
            _say(f"idle for {idle_minutes:g} minute(s): stopping")
            _stop_server(server)
            _remove_state(home, os.getpid())
            return
        finally:
            os.close(fd)


def _try_lock(home: Path) -> int | None:
    """The start lock if no command holds it, else None."""
    fd = os.open(home / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd
    except BlockingIOError:
        os.close(fd)
        return None


def _stop_server(server: subprocess.Popen | None) -> None:
    if server is None or server.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def _write_state(home: Path, record: Server) -> None:
    temporary = home / f".{STATE}.{os.getpid()}"
    temporary.write_text(json.dumps(asdict(record)), encoding="utf-8")
    os.replace(temporary, home / STATE)
    if record.ready:
        with contextlib.suppress(FileExistsError):  # Prefect's own record of a background server
            fd = os.open(home / PREFECT_PID, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(str(record.pid))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {_KEEPER}")
    sub = parser.add_subparsers(dest="command", required=True)
    keeper = sub.add_parser("keep", help="run the local Prefect server until stopped or idle")
    keeper.add_argument("--home", type=Path, required=True)
    keeper.add_argument("--port", type=int, required=True)
    keeper.add_argument("--idle-minutes", type=float, required=True)
    args = parser.parse_args(argv)
    return keep(args.home, args.port, args.idle_minutes)


if __name__ == "__main__":
    sys.exit(main())
