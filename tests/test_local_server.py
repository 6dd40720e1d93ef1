"""One local Prefect server per PREFECT_HOME, reused by every command; none in the workers.

Real servers (`prefect server start`, started by babelfeed's keeper), real `babelfeed`
processes, each test with a PREFECT_HOME and a port of its own under tmp, and every server it
starts stopped at the end. Servers are counted (processes listening for a home's port, and
Prefect's "Starting temporary server" lines), never timed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from babelfeed_flows import localserver
from conftest import (
    BABELFEED,
    SEEDS,
    cli_env,
    client_call,
    free_port,
    left_behind,
    one_error_line,
    unwritable,
    wait_for,
    write_article,
)

TEMPORARY = "Starting temporary server"
STARTING = "starting the local Prefect server"
FLOW_RUN = re.compile(r"Prefect flow run: \S*/runs/flow-run/([0-9a-f-]{36})")


def local_env(home: Path, port: int, **extra: str) -> dict[str, str]:
    """A command's environment with no Prefect server named: it uses the local one of `home`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(PREFECT_HOME=str(home), BABELFEED_SERVER_PORT=str(port), **extra)
    return env


def babelfeed(*args, env, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([BABELFEED, *map(str, args)], env=env, capture_output=True, text=True, timeout=timeout)


def processes(*marks: str) -> list[int]:
    """Pids of the live processes whose command line holds every one of `marks`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and all(mark in cmdline for mark in marks):
            found.append(int(entry.name))
    return found


def servers(port: int) -> list[int]:
    """Prefect servers started for `port` (`prefect server start ... --port N`)."""
    return processes("prefect", "server", "start", f"--port {port}")


def keepers(port: int) -> list[int]:
    return processes("babelfeed_flows.localserver", f"--port {port}")


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def flow_run_id(result: subprocess.CompletedProcess) -> str:
    found = FLOW_RUN.search(result.stdout)
    assert found, result.stdout[-2000:]
    return found.group(1)


def flow_runs(api_url: str, ids: list[str]) -> dict[str, str]:
    """{flow run id: state type} of those of `ids` the server at `api_url` knows."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async def read(client):
        return await client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids)))

    return {str(r.id): r.state.type.value for r in client_call(api_url, read)}


def task_runs_of(api_url: str, flow_run: str) -> list[str]:
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async def read(client):
        return await client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run])))

    return sorted(r.name.rsplit("-", 1)[0] for r in client_call(api_url, read))


def two_files(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for seed in sorted(SEEDS.glob("00[01]_*.txt")):
        shutil.copy(seed, folder / seed.name)
    return folder


@pytest.fixture
def home(tmp_path):
    """A fresh PREFECT_HOME and port; whatever server runs for it is stopped afterwards."""
    path = tmp_path / "prefect-home"
    port = free_port()
    yield path, port
    localserver.stop(path)
    assert servers(port) == [] and keepers(port) == []


def test_two_commands_at_once_start_one_server_that_keeps_both_runs_and_workers_start_none(home, tmp_path):
    path, port = home
    env = local_env(path, port)
    one = SEEDS / "000_829fa38a8808de3c.txt"
    # Two commands on a fresh home at the same instant: one starts the server, the other waits
    # for it. The second runs two units (batch size 1): they go to the process pool's workers.
    commands = [
        subprocess.Popen([BABELFEED, "ingest", str(one), "--warehouse", str(tmp_path / "wh1")], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
        subprocess.Popen([BABELFEED, "ingest", str(two_files(tmp_path / "two")), "--warehouse", str(tmp_path / "wh2"),
                          "--batch-size", "1"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
    ]
    results = []
    for command in commands:
        out, err = command.communicate(timeout=600)
        results.append(subprocess.CompletedProcess(command.args, command.returncode, out, err))
    for result in results:
        assert result.returncode == 0, result.stderr[-4000:]
        assert TEMPORARY not in result.stderr, result.stderr[-4000:]  # no command, no worker started one
    assert sum(r.stderr.count(STARTING) for r in results) == 1
    assert re.search(r"on [12] worker\(s\)", results[1].stdout), results[1].stdout  # the pool ran its units
    assert len(servers(port)) == 1 and len(keepers(port)) == 1

    found = localserver.status(path)
    assert found is not None and found.port == port
    ids = [flow_run_id(r) for r in results]
    assert flow_runs(found.api_url, ids) == {ids[0]: "COMPLETED", ids[1]: "COMPLETED"}
    # The workers' task runs reported to the same server.
    assert task_runs_of(found.api_url, ids[1]) == ["process-batch", "process-batch"]

    # `status` names the UI; `stop` stops it; the next command starts one, and the history stays.
    shown = babelfeed("server", "status", env=env)
    assert shown.returncode == 0 and f"running: http://127.0.0.1:{port}  (UI" in shown.stdout, shown.stdout
    stopped = babelfeed("server", "stop", env=env)
    assert stopped.returncode == 0 and f"stopped the Prefect server at http://127.0.0.1:{port}" in stopped.stdout
    assert servers(port) == [] and keepers(port) == [] and port_free(port)
    assert "not running" in babelfeed("server", "status", env=env).stdout

    # (with the local server's own address exported, as for Prefect's own commands: it is still
    # babelfeed's to find or start)
    again = babelfeed("ingest", one, "--warehouse", tmp_path / "wh1",
                      env={**env, "PREFECT_API_URL": f"http://127.0.0.1:{port}/api"})
    assert again.returncode == 0, again.stderr[-4000:]
    assert STARTING in again.stderr and TEMPORARY not in again.stderr
    restarted = localserver.status(path)
    assert restarted is not None and restarted.pid != found.pid and len(servers(port)) == 1
    assert set(flow_runs(restarted.api_url, [*ids, flow_run_id(again)])) == {*ids, flow_run_id(again)}


def test_a_flow_run_in_process_hands_its_temporary_server_to_the_workers(tmp_path):
    """Without any server named, Prefect starts a temporary one for the flow's process; the
    process pool's workers use it instead of each starting another."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "300"  # a fresh database, a busy machine
    code = ("import sys; from babelfeed_flows.ingest import ingest; "
            "r = ingest(paths=[sys.argv[1]], warehouse=sys.argv[2], batch_size=1); print('workers', r['workers'])")
    done = subprocess.run([sys.executable, "-c", code, str(two_files(tmp_path / "two")), str(tmp_path / "wh")],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    assert re.search(r"workers [12]\b", done.stdout), done.stdout  # two units, on the pool's workers
    assert done.stderr.count(TEMPORARY) == 1, done.stderr[-4000:]  # the flow's own, none in a worker


def test_an_idle_server_stops_by_itself_unless_a_command_holds_it(home):
    path, port = home
    env = local_env(path, port, BABELFEED_SERVER_IDLE_MINUTES="0.05")  # 3 s
    started = babelfeed("server", "start", env=env)
    assert started.returncode == 0, started.stderr[-4000:]
    assert f"http://127.0.0.1:{port}" in started.stdout and "stops after 0.05 idle minute(s)" in started.stdout
    # A command using the server holds a lease on it (as `babelfeed ingest` and `serve` do):
    # here a process that holds one for 10 s.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from babelfeed_flows import localserver; "
         "localserver.lease(Path(sys.argv[1])); print('held', flush=True); time.sleep(10)", str(path)],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    time.sleep(8)  # more than twice the idle time
    assert localserver.status(path) is not None and len(servers(port)) == 1
    holder.wait(timeout=60)
    wait_for(lambda: not servers(port) and not keepers(port), 60, "the idle server to stop")
    assert localserver.status(path) is None and not (path / localserver.STATE).exists() and port_free(port)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="the lifeline needs /proc (Linux)")
def test_the_server_a_killed_command_started_outlives_it_and_its_workers_do_not(home, tmp_path, packages_dir):
    """The command's workers and their helpers carry its lifeline and end with it (issue 17);
    the local server it started is for the next command too, so it carries none and stays."""
    path, port = home
    landing = tmp_path / "landing"
    for i, seed in enumerate(sorted(SEEDS.glob("*.txt"))[:4]):  # four units on two workers, each stalled
        write_article(landing / f"stalls-{i}.txt", seed.read_text(encoding="utf-8"), "2026-10-01")
    env = local_env(path, port, BABELFEED_WORKERS="2", BABELFEED_INPUT_TIMEOUT="900",
                    BABELFEED_TEST_STALL="language:stalls")
    command = subprocess.Popen(
        [BABELFEED, "ingest", str(landing), "--warehouse", str(tmp_path / "wh"), "--batch-size", "1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        # The workers and their helpers (each stuck in a stage) are running: the server is up.
        wait_for(lambda: len(left_behind(command.pid)) >= 4, 400, "the workers and their helpers", command)
        server = localserver.status(path)
        assert server is not None and servers(port) == [server.server_pid]
        ours = left_behind(command.pid)
        assert server.pid not in ours and server.server_pid not in ours
        for pid in (server.pid, server.server_pid):
            assert b"BABELFEED_LIFELINE=" not in Path(f"/proc/{pid}/environ").read_bytes()
    finally:
        command.kill()
        command.wait()
    wait_for(lambda: not left_behind(command.pid), 30, "the command's processes to end")
    assert localserver.status(path) == server and servers(port) == [server.server_pid]
    # The next command finds it (and starts none).
    again = babelfeed("ingest", SEEDS / "000_829fa38a8808de3c.txt", "--warehouse", tmp_path / "wh2", env=local_env(path, port))
    assert again.returncode == 0, again.stderr[-4000:]
    assert STARTING not in again.stderr and localserver.status(path) == server


def test_a_set_prefect_api_url_is_used_and_no_server_is_started(prefect_server, tmp_path):
    home, port = tmp_path / "prefect-home", free_port()
    env = cli_env(prefect_server, PREFECT_HOME=str(home), BABELFEED_SERVER_PORT=str(port))
    done = babelfeed("ingest", SEEDS / "000_829fa38a8808de3c.txt", "--warehouse", tmp_path / "wh", env=env)
    assert done.returncode == 0, done.stderr[-4000:]
    assert STARTING not in done.stderr and TEMPORARY not in done.stderr
    assert servers(port) == [] and keepers(port) == [] and not (home / localserver.STATE).exists()
    run = flow_run_id(done)
    assert flow_runs(prefect_server, [run]) == {run: "COMPLETED"}  # in the named server's history
    shown = babelfeed("server", "status", env=env)
    assert f"PREFECT_API_URL names: {prefect_server} (answers)" in shown.stdout, shown.stdout


def test_a_taken_port_is_one_line_and_exit_2(prefect_server, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = local_env(tmp_path / "prefect-home", port)
        line = one_error_line(babelfeed("ingest", SEEDS, "--warehouse", tmp_path / "wh", env=env), 2)
        assert f"port {port} on 127.0.0.1 is taken by another program" in line and "BABELFEED_SERVER_PORT" in line
        assert keepers(port) == [] and not (tmp_path / "wh" / "runs").exists()  # stopped before any run
    # A Prefect server babelfeed did not start: the line says how to use it.
    port = int(prefect_server.rsplit(":", 1)[1].split("/")[0])
    line = one_error_line(babelfeed("server", "start", env=local_env(tmp_path / "prefect-home", port)), 2)
    assert f"set PREFECT_API_URL=http://127.0.0.1:{port}/api" in line, line


def test_a_prefect_home_it_may_not_write_is_one_line_and_exit_2(tmp_path):
    home = tmp_path / "prefect-home"
    with unwritable(home) as prefix:
        result = subprocess.run([*prefix, BABELFEED, "ingest", str(SEEDS), "--warehouse", str(tmp_path / "wh")],
                                env=local_env(home, free_port()), capture_output=True, text=True, timeout=300)
    line = one_error_line(result, 2)
    assert f"PREFECT_HOME={home} cannot be written" in line and "PREFECT_API_URL" in line, line


def test_the_summary_is_printed_once_on_stdout_and_quiet_and_json_say_only_it(prefect_server, tmp_path):
    env = cli_env(prefect_server)
    one = SEEDS / "000_829fa38a8808de3c.txt"
    plain = babelfeed("ingest", one, "--warehouse", tmp_path / "wh", env=env)
    assert plain.returncode == 0, plain.stderr[-4000:]
    for line in ("ingest run ", "articles written: 1", "languages: en=1", "wall time: ", "tables: "):
        assert plain.stdout.count(line) == 1, plain.stdout
        assert line not in plain.stderr, plain.stderr[-4000:]  # not also as log lines
    assert "| INFO" in plain.stderr and "| INFO" not in plain.stdout  # progress on stderr only

    quiet = babelfeed("ingest", "-q", one, "--warehouse", tmp_path / "wh", env=env)
    assert quiet.returncode == 0, quiet.stderr[-4000:]
    assert quiet.stderr == "" and "1 unchanged" in quiet.stdout and quiet.stdout.count("ingest run ") == 1

    as_json = babelfeed("backfill", "--json", "--start", "2000-01-01", "--end", "2100-12-31", one,
                        "--warehouse", tmp_path / "wh", env=env)
    assert as_json.returncode == 0, as_json.stderr[-4000:]
    report = json.loads(as_json.stdout)  # the whole of stdout is one JSON object
    assert report["flow"] == "backfill" and report["counts"]["updated"] == 1 and report["languages"] == {"en": 1}
    assert flow_runs(prefect_server, [report["flow_run_id"]]) == {report["flow_run_id"]: "COMPLETED"}
    assert report["flow_run_url"].endswith(f"/runs/flow-run/{report['flow_run_id']}")

    # A script that reads only the first line of the summary (`| head -1`) is no failure.
    with open(tmp_path / "stderr", "w+") as stderr:
        piped = subprocess.Popen([BABELFEED, "ingest", "-q", one, "--warehouse", tmp_path / "wh"], env=env,
                                 stdout=subprocess.PIPE, stderr=stderr)
        piped.stdout.close()  # the reader is gone before the summary is printed
        assert piped.wait(timeout=600) == 0
        stderr.seek(0)
        assert stderr.read() == ""


def test_a_server_named_anywhere_prefect_looks_is_found_without_importing_prefect(tmp_path, monkeypatch):
    home, cwd = tmp_path / "home", tmp_path / "project"
    home.mkdir()
    cwd.mkdir()
    monkeypatch.setenv("PREFECT_HOME", str(home))
    for var in ("PREFECT_API_URL", "PREFECT_PROFILE", "PREFECT_PROFILES_PATH"):
        monkeypatch.delenv(var, raising=False)
    assert localserver.configured_api_url(cwd) is None
    (home / "profiles.toml").write_text(
        'active = "ephemeral"\n[profiles.ephemeral]\nPREFECT_SERVER_ALLOW_EPHEMERAL_MODE = "true"\n'
        '[profiles.team]\nPREFECT_API_URL = "http://team:4200/api"\n')
    assert localserver.configured_api_url(cwd) is None  # the active profile names none
    monkeypatch.setenv("PREFECT_PROFILE", "team")
    assert localserver.configured_api_url(cwd) == "http://team:4200/api"
    monkeypatch.delenv("PREFECT_PROFILE")
    for name, text, url in (
        ("prefect.toml", '[api]\nurl = "http://toml:4200/api"\n', "http://toml:4200/api"),
        ("pyproject.toml", '[tool.prefect.api]\nurl = "http://pyproject:4200/api"\n', "http://pyproject:4200/api"),
        (".env", "OTHER=1\nexport PREFECT_API_URL='http://dotenv:4200/api'\n", "http://dotenv:4200/api"),
    ):
        for old in cwd.iterdir():
            old.unlink()
        (cwd / name).write_text(text)
        assert localserver.configured_api_url(cwd) == url, name
    monkeypatch.setenv("PREFECT_API_URL", "http://env:4200/api")
    assert localserver.configured_api_url(cwd) == "http://env:4200/api"
