"""Shared fixtures: an isolated environment, a random argos model, one Prefect server.

The environment is fixed before anything imports argostranslate (which reads its settings and
creates folders at import time), so no test touches the home folder or the network.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

_SANDBOX = Path(tempfile.mkdtemp(prefix="babelfeed-tests-"))
for var, sub in {
    "XDG_DATA_HOME": "xdg-data",
    "XDG_CONFIG_HOME": "xdg-config",
    "XDG_CACHE_HOME": "xdg-cache",
    "ARGOS_PACKAGES_DIR": "argos-default",
}.items():
    os.environ[var] = str(_SANDBOX / sub)
# Nothing listens on port 9 (discard) on 127.0.0.1: an index lookup fails fast, offline.
os.environ["ARGOS_PACKAGE_INDEX"] = "http://127.0.0.1:9/"
os.environ["BABELFEED_ONLINE_MODELS"] = "false"
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
for var in ("BABELFEED_WAREHOUSE", "BABELFEED_MODEL_DIRS", "BABELFEED_STATE_DIR", "PREFECT_API_URL", "PREFECT_PROFILE"):
    os.environ.pop(var, None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# A command run without PREFECT_API_URL starts the local Prefect server of its PREFECT_HOME:
# the tests' own home, on a port of their own (never a user's ~/.prefect or port 4200), stopped
# when the session ends (pytest_sessionfinish).
os.environ["PREFECT_HOME"] = str(_SANDBOX / "prefect-home")
os.environ["BABELFEED_SERVER_PORT"] = str(free_port())

sys.path.insert(0, str(Path(__file__).parent))
from random_argos import SEEDS, build_argos_package, seed_lines  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
GERMAN_SEED = SEEDS / "002_9ebab77608ba1ccd.txt"


@pytest.fixture(scope="session")
def model_file(tmp_path_factory) -> Path:
    """A de->en `.argosmodel` with random weights, version 1.0."""
    return build_argos_package(tmp_path_factory.mktemp("argosmodels"), seed_lines())


@pytest.fixture(scope="session")
def model_file_v2(tmp_path_factory) -> Path:
    """The same pair at version 2.0 with other weights: a model upgrade."""
    return build_argos_package(tmp_path_factory.mktemp("argosmodels-v2"), seed_lines(), version="2.0", seed=1)


@pytest.fixture
def packages_dir(tmp_path, monkeypatch) -> Path:
    """An empty argos packages folder for this test only."""
    path = tmp_path / "argos-packages"
    path.mkdir()
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(path))
    return path


@pytest.fixture
def installed_model(packages_dir, model_file):
    from babelfeed import models

    return models.install_file(model_file)


@pytest.fixture
def seeds_copy(tmp_path) -> Path:
    """The seeds in a private folder, so tests can add or change files."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def prefect_server():
    """One temporary Prefect server for the whole session (it takes ~10 s to start).

    Yields its API URL, so that `babelfeed` subprocesses can use it instead of each starting
    a server of their own.
    """
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield PREFECT_API_URL.value()


def write_article(path: Path, text: str, day: str) -> Path:
    """Write an input file whose observed time (mtime) is noon UTC on `day` (YYYY-MM-DD)."""
    from datetime import datetime

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    stamp = datetime.fromisoformat(f"{day}T12:00:00+00:00").timestamp()
    os.utime(path, (stamp, stamp))
    return path


def ingest(folder: Path, warehouse: Path) -> dict:
    """The `ingest` flow over one folder, in this process (against the session's server)."""
    from babelfeed_flows.ingest import ingest as flow

    return flow(paths=[str(folder)], warehouse=str(warehouse))


def table_rows(warehouse: Path, table: str, ignore: tuple[str, ...] = ("run_id", "ingested_at", "rejected_at")) -> list[tuple]:
    """A table's rows as sorted tuples, read with DuckDB, without the columns a run stamps."""
    import duckdb

    if not any((warehouse / table).glob("*/*.parquet")):
        return []
    rel = duckdb.sql(f"select * from read_parquet('{warehouse}/{table}/**/*.parquet', hive_partitioning=true)")
    keep = [c for c in rel.columns if c not in ignore]
    return sorted(duckdb.sql(f"select {', '.join(keep)} from rel").fetchall(), key=repr)


def cli_env(api_url: str, **extra: str) -> dict[str, str]:
    """Environment for a `babelfeed` subprocess that talks to the session's Prefect server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(PREFECT_API_URL=api_url, **extra)
    return env


BABELFEED = str(Path(sys.executable).parent / "babelfeed")


def wait_for(predicate, timeout: float, what: str, proc=None):
    """The first true value of `predicate()`, polled every half second for `timeout` seconds;
    fails early when `proc` (a subprocess.Popen) ends first."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"process ended while waiting for {what}: {proc.returncode}")
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def client_call(url: str, fn):
    """Run `fn(client)` against the Prefect server at `url`."""
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    async def go():
        async with get_client() as client:
            return await fn(client)

    with temporary_settings({PREFECT_API_URL: url}):
        return asyncio.run(go())


@contextmanager
def unwritable(folder: Path) -> Iterator[tuple[str, ...]]:
    """`folder` (made here) is not writable to a command started with the yielded prefix;
    writable again afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:
        # Root writes anywhere. Running as nobody is no option where the venv's Python lives
        # under /root (0700), so this process's root runs the command without the capabilities
        # that bypass file permissions, against a folder that belongs to nobody.
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot take the right to write away")
        caps = "-dac_override,-dac_read_search,-fowner"
        prefix = (setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}")
        os.chown(folder, 65534, 65534)
        folder.chmod(0o755)
    else:
        folder.chmod(0o555)
    try:
        yield prefix
    finally:
        folder.chmod(0o755)


def one_error_line(result, code: int) -> str:
    """The one `error:` line of a failed command (a subprocess.CompletedProcess), after
    checking its exit code and that no traceback reached the console."""
    out = result.stdout + result.stderr
    assert result.returncode == code, f"exit {result.returncode}, expected {code}:\n{out[-4000:]}"
    assert "Traceback" not in out, out[-4000:]
    lines = [line for line in out.splitlines() if "error:" in line]
    assert len(lines) == 1, f"{len(lines)} error lines:\n{out[-4000:]}"
    return lines[0]


def _sessions_and_environs() -> dict[int, tuple[int, bytes]]:
    """pid -> (session id, environment) of every live process we may read (a zombie has ended:
    only its exit status waits for a parent to collect it)."""
    found = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
                environ = Path(f"/proc/{entry.name}/environ").read_bytes()
            except OSError:
                continue
            state, _, _, session = stat[stat.rindex(")") + 2 :].split()[:4]
            if state != "Z":
                found[int(entry.name)] = (int(session), environ)
    return found


def left_behind(command: int) -> list[int]:
    """Processes in the session of the command `command` (started in a session of its own), or
    started with its lifeline token (babelfeed.lifeline): what must end when it does."""
    token = f"BABELFEED_LIFELINE={command}-".encode()
    return [pid for pid, (session, environ) in _sessions_and_environs().items()
            if pid != command and (session == command or any(v.startswith(token) for v in environ.split(b"\0")))]


def pytest_sessionfinish(session, exitstatus):
    from babelfeed_flows import localserver

    localserver.stop(Path(os.environ["PREFECT_HOME"]))
    shutil.rmtree(_SANDBOX, ignore_errors=True)
