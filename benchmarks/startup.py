"""What a user waits for on a small command: a one-file `babelfeed ingest`, against the imports alone.

Every figure is a ratio against a baseline measured in this run, on this machine:

  baseline   a bare `python -c "import prefect, babelfeed_flows.ingest"`: the interpreter and
             the imports any run of the flows pays. It runs just before every measured command,
             and each command is compared with the baseline run next to it (a shared machine's
             load drifts over minutes); the ratio is the median of those.
  reused     `babelfeed ingest <one 5 KB file>` with the local Prefect server already running
             (a fresh warehouse each time, --repeats times); goal <= 2x the baseline.
  first      the same as the first command on a fresh PREFECT_HOME (it starts the server, whose
             database is created and migrated; --first times, each in a fresh home);
             goal <= 6x the baseline.

and the timeline of the middle reused and first commands, stage by stage, read from the
timestamps of the lines the command logs (Prefect's and babelfeed's) against the instant the
command was started. With `--before REF` the same is measured for the code of a git commit
(exported with `git archive`, run by this virtual environment's interpreter), whose commands
used a temporary server of their own (`first`) or the server PREFECT_API_URL named (`reused`).

Usage: python benchmarks/startup.py [--repeats 3] [--first 2] [--before REF] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine_line  # noqa: E402

BIN = Path(sys.executable).parent
ONE_FILE = REPO / "seeds" / "000_829fa38a8808de3c.txt"
STAMP = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) \| ")
#: (stage, what the first log line that ends it holds); the last stage ends with the process.
MILESTONES = (
    ("interpreter, imports, server found or started, flow run created", ("Flow run '", "Beginning flow run")),
    ("planning (discover, ledger, plan)", ("Flow run '", " to process, ")),
    ("the work (one unit, on a worker or in the flow's process)", ("Task run 'process-batch", "Finished in state")),
    ("commit, runs row, summary log, artifacts, the flow's final state", ("Flow run '", "Finished in state")),
)


@dataclass
class Timed:
    seconds: float
    stages: dict[str, float] = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timeline(started: float, stderr: str, ended: float) -> dict[str, float]:
    """Seconds per stage, from the wall-clock stamps of the first line that ends each."""
    day = datetime.fromtimestamp(started).replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    stamps: list[tuple[str, float]] = []
    for line in stderr.splitlines():
        found = STAMP.match(line)
        if found:
            h, m, s, ms = map(int, found.groups())
            at = day + h * 3600 + m * 60 + s + ms / 1000
            stamps.append((line, at + 86400 if at < started - 60 else at))
    stages, last = {}, started
    for stage, mark in MILESTONES:
        at = next((t for line, t in stamps if all(m in line for m in mark) and t >= last), None)
        if at is None:
            continue
        stages[stage] = at - last
        last = at
    stages["summary printed, the task runner and the interpreter shut down"] = ended - last
    return stages


def command(argv: list[str], env: dict[str, str], stages: bool = True) -> Timed:
    started = time.time()
    clock = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=900)
    seconds = time.perf_counter() - clock
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited with {done.returncode}:\n{done.stderr[-3000:]}")
    return Timed(seconds, timeline(started, done.stderr, started + seconds) if stages else {},
                 done.stdout, done.stderr)


@dataclass
class Code:
    """A version of babelfeed to measure: this checkout, or a commit's files."""

    label: str
    pythonpath: str | None = None

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
        for var in ("BABELFEED_WAREHOUSE", "BABELFEED_MODEL_DIRS", "BABELFEED_STATE_DIR", "BABELFEED_DASK_ADDRESS"):
            env.pop(var, None)
        # A temporary server's start may outlast Prefect's 20 s on a busy machine (the old code's
        # first command failed so): allow it the time babelfeed's own server gets.
        env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", BABELFEED_ONLINE_MODELS="false",
                   PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="300", **extra)
        if self.pythonpath:
            env["PYTHONPATH"] = self.pythonpath
        return env


def export(ref: str, into: Path) -> Code:
    """The files of commit `ref`, importable as `babelfeed` and `babelfeed_flows`."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", ref], capture_output=True, check=True).stdout
    tarfile.open(fileobj=BytesIO(archive)).extractall(into / "tree", filter="data")
    (into / "path").mkdir()
    (into / "path" / "babelfeed").symlink_to(into / "tree" / "src" / "babelfeed")
    (into / "path" / "babelfeed_flows").symlink_to(into / "tree" / "flows")
    return Code(f"before ({ref})", str(into / "path"))


def bare_import(code: Code) -> float:
    """Seconds of a bare `import prefect, babelfeed_flows.ingest` of `code`."""
    argv = [sys.executable, "-c", "import prefect, babelfeed_flows.ingest"]
    return command(argv, code.env(), stages=False).seconds


@dataclass
class Paired:
    """Commands, each right after a baseline run: on a machine whose load drifts, each
    command is compared with the baseline run next to it."""

    runs: list[Timed] = field(default_factory=list)
    baselines: list[float] = field(default_factory=list)

    def add(self, code: Code, run) -> Timed:
        self.baselines.append(bare_import(code))
        self.runs.append(run())
        return self.runs[-1]

    @property
    def ratio(self) -> float:
        return statistics.median(r.seconds / b for r, b in zip(self.runs, self.baselines, strict=True))

    @property
    def middle(self) -> Timed:
        """The run of the median ratio (the slower middle one of an even number)."""
        order = sorted(range(len(self.runs)), key=lambda i: self.runs[i].seconds / self.baselines[i])
        return self.runs[order[len(order) // 2]]


def ingest(code: Code, work: Path, name: str, env: dict[str, str]) -> Timed:
    return command([str(BIN / "babelfeed"), "ingest", str(ONE_FILE), "--warehouse", str(work / name)], env)


def stop_local(home: Path) -> None:
    """Stop what a command started for `home`: babelfeed's server (new code)."""
    if (home / "babelfeed-server.json").exists():
        subprocess.run([str(BIN / "babelfeed"), "server", "stop"], env={**os.environ, "PREFECT_HOME": str(home)},
                       capture_output=True, timeout=120)


def measure(code: Code, work: Path, repeats: int, firsts: int, new: bool) -> dict[str, Paired]:
    bare_import(code)  # warm the page cache
    first, homes = Paired(), []
    for i in range(firsts):
        home, port = work / f"home-{i}", free_port()
        homes.append((home, port))
        env = code.env(PREFECT_HOME=str(home), BABELFEED_SERVER_PORT=str(port))
        done = first.add(code, lambda i=i, env=env: ingest(code, work, f"wh-first-{i}", env))
        print(f"{code.label}: first command {done.seconds:.2f} s (bare import {first.baselines[-1]:.2f} s)",
              file=sys.stderr, flush=True)
        if i:  # the first home's server serves the reused commands; no other idles meanwhile
            stop_local(home)
    home, port = homes[0]
    server = None
    if new:
        env = code.env(PREFECT_HOME=str(home), BABELFEED_SERVER_PORT=str(port))
    else:  # the old code started no server of its own: give it one, as a user would
        server = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                                  env=code.env(PREFECT_HOME=str(home)), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
        env = code.env(PREFECT_HOME=str(home), PREFECT_API_URL=f"http://127.0.0.1:{port}/api")
        wait_healthy(f"http://127.0.0.1:{port}/api")
    reused = Paired()
    try:
        ingest(code, work, "wh-warm-up", env)
        for i in range(repeats):
            done = reused.add(code, lambda i=i: ingest(code, work, f"wh-reused-{i}", env))
            print(f"{code.label}: reused {done.seconds:.2f} s (bare import {reused.baselines[-1]:.2f} s)",
                  file=sys.stderr, flush=True)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
        for home, _ in homes:
            stop_local(home)
    return {"reused": reused, "first": first}


def wait_healthy(api_url: str, timeout: float = 300) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"no Prefect server answered at {api_url}")


def report(machine: str, results: dict[str, dict[str, Paired]]) -> str:
    out = [machine, "", "ratio: the median of each command's time over the bare import run just before it", ""]
    out += ["| figure | measured | baseline | ratio | goal | result |", "|---|---|---|---|---|---|"]
    for label, r in results.items():
        for name, goal in (("reused", 2.0), ("first", 6.0)):
            paired = r[name]
            what = ("one-file ingest, server already running" if name == "reused"
                    else "one-file ingest, first command on a fresh PREFECT_HOME")
            verdict = "PASS" if paired.ratio <= goal else "MISS"
            out.append(f"| {what}, {label} / bare import | {statistics.median(t.seconds for t in paired.runs):.1f} s "
                       f"| {statistics.median(paired.baselines):.1f} s | {paired.ratio:.2f}x | <= {goal:g}x | {verdict} |")
    for label, r in results.items():
        for name in ("first", "reused"):
            timed = r[name].middle
            out += ["", f"timeline, {label}, {name} ({timed.seconds:.1f} s, "
                        f"{timed.stderr.count('Starting temporary server')} temporary server(s) started):", "",
                    "| stage | seconds |", "|---|---|"]
            out += [f"| {stage} | {seconds:.2f} |" for stage, seconds in timed.stages.items()]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of the baseline and of the reused command")
    parser.add_argument("--first", type=int, default=2, help="first commands, each on a fresh PREFECT_HOME")
    parser.add_argument("--before", help="also measure the code of this git commit (e.g. main)")
    parser.add_argument("--markdown", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    machine = machine_line()
    print(machine, file=sys.stderr, flush=True)
    work = Path(tempfile.mkdtemp(prefix="babelfeed-startup-"))
    results: dict[str, dict[str, Paired]] = {}
    try:
        if args.before:
            results[f"before ({args.before})"] = measure(export(args.before, work / "before"), work / "b",
                                                        args.repeats, args.first, new=False)
        results["this checkout"] = measure(Code("this checkout"), work / "a", args.repeats, args.first, new=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = report(machine, results)
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
