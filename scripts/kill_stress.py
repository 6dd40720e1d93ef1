"""Kill real `babelfeed ingest` runs with SIGKILL at random instants; prove the warehouse heals.

For every kill:
  1. copy a warehouse holding an earlier state S0 of a landing folder;
  2. start `babelfeed ingest` on the changed landing folder and SIGKILL it after a random delay,
     either anywhere in the run or (every other kill) inside its commit phase, where the
     interesting instants are;
  3. check that every Parquet file present is complete and every partition of articles,
     segments and rejects equals either its S0 content or its content after a clean run;
  4. run ingest again and check the tables equal the clean run's, row for row (run stamps
     aside).

Usage: python scripts/kill_stress.py [--kills 25] [--seed 1] [--workdir DIR] [--api-url URL]
Exit status 0 when every check holds. Without --api-url a temporary Prefect server is started.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import nullcontext
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # before prefect is imported

import pyarrow.parquet as pq  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from random_argos import build_argos_package, seed_lines  # noqa: E402

TABLES = ("articles", "segments", "rejects")
RUN_STAMPS = {"run_id", "ingested_at", "rejected_at"}
BABELFEED = str(Path(sys.executable).parent / "babelfeed")


def write(path: Path, text: str, day: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    stamp = 1790000000 + day * 86400  # fixed observed times: noon-ish on consecutive days
    os.utime(path, (stamp, stamp))


def make_landing(landing: Path, rng: random.Random) -> list[str]:
    """S0 of the landing folder: 36 articles in two languages over 12 days."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "seeds").glob("*.txt"))]
    for i in range(36):
        lines = texts[i % 5].splitlines()
        rng.shuffle(lines)
        write(landing / f"story-{i:03d}.txt", "\n".join(lines[: 6 + i % 10]), i % 12)
    return texts


def change_landing(landing: Path, texts: list[str], rng: random.Random) -> None:
    """S1: some stories rewritten (and re-dated), some emptied, some new."""
    for i in range(0, 36, 4):
        lines = texts[(i + 2) % 5].splitlines()
        rng.shuffle(lines)
        write(landing / f"story-{i:03d}.txt", "\n".join(lines[:8]), 12 + i % 3)
    for i in (5, 17):
        write(landing / f"story-{i:03d}.txt", "", 15)
    for i in range(36, 44):
        write(landing / f"story-{i:03d}.txt", texts[i % 5], 13 + i % 4)


def partition_contents(warehouse: Path, table: str) -> dict[str, list]:
    out = {}
    for file in (warehouse / table).glob("*/data.parquet"):
        t = pq.read_table(file)
        t = t.select([c for c in t.column_names if c not in RUN_STAMPS])
        out[file.parent.name] = sorted(map(repr, t.to_pylist()))
    return out


def all_parquet_complete(warehouse: Path) -> list[str]:
    broken = []
    for file in warehouse.rglob("*.parquet"):
        try:
            pq.read_table(file)
        except Exception as exc:  # noqa: BLE001 - any failure to read is the finding
            broken.append(f"{file}: {exc}")
    return broken


def ingest(landing: Path, warehouse: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([BABELFEED, "ingest", str(landing), "--warehouse", str(warehouse), "--batch-size", "4"],
                          env=env, capture_output=True, text=True, timeout=900)


def killed_run(landing: Path, warehouse: Path, env: dict, mode: str, delay: float) -> str:
    """Start a run, SIGKILL it `delay` s after it starts (or after its commit begins)."""
    proc = subprocess.Popen(
        [BABELFEED, "ingest", str(landing), "--warehouse", str(warehouse), "--batch-size", "4"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    committing = threading.Event()

    def watch():
        for line in proc.stderr:
            if "retranslate-backlog" in line or "Task run 'commit" in line:
                committing.set()
        committing.set()

    threading.Thread(target=watch, daemon=True).start()
    if mode == "commit":
        committing.wait(timeout=600)
    time.sleep(delay)
    finished = proc.poll() is not None
    if not finished:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return "finished before the kill" if finished else "killed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--api-url", default=os.environ.get("PREFECT_API_URL"))
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="babelfeed-kill-"))
    work.mkdir(parents=True, exist_ok=True)

    harness = nullcontext(args.api_url)
    if not args.api_url:
        from prefect.testing.utilities import prefect_test_harness

        harness = prefect_test_harness(server_startup_timeout=120)
    with harness:
        api_url = args.api_url or __import__("prefect").settings.PREFECT_API_URL.value()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
        model_dir = work / "models"
        if not model_dir.exists():
            build_argos_package(model_dir, seed_lines())
        env.update(
            PREFECT_API_URL=api_url, PREFECT_SERVER_ANALYTICS_ENABLED="false",
            ARGOS_PACKAGES_DIR=str(work / "argos"), BABELFEED_MODEL_DIRS=str(model_dir),
            BABELFEED_ONLINE_MODELS="false", BABELFEED_LOCK_TIMEOUT="60",
            BABELFEED_MAX_DECODING_LENGTH="24",  # random weights babble to the limit: keep runs short
        )
        landing, s0, after = work / "landing", work / "s0", work / "after"
        for folder in (landing, s0, after):
            shutil.rmtree(folder, ignore_errors=True)
        texts = make_landing(landing, rng)
        assert ingest(landing, s0, env).returncode == 0, "the S0 run failed"
        change_landing(landing, texts, rng)
        shutil.copytree(s0, after)
        start = time.monotonic()
        done = ingest(landing, after, env)
        full_run = time.monotonic() - start
        assert done.returncode == 0, done.stderr[-3000:]
        before_parts = {t: partition_contents(s0, t) for t in TABLES}
        after_parts = {t: partition_contents(after, t) for t in TABLES}
        reference = {t: sorted(sum(after_parts[t].values(), [])) for t in TABLES}
        write_seconds = dict(pq.read_table(next((after / "runs").rglob("*.parquet"))).to_pylist()[-1]["stage_seconds"])["write"]
        print(f"clean run over the changed landing folder: {full_run:.1f} s, of which writing {write_seconds:.2f} s",
              flush=True)

        failures, states, outcomes = [], Counter(), Counter()
        for k in range(args.kills):
            mode = "anywhere" if k % 2 == 0 else "commit"
            delay = rng.uniform(0, full_run) if mode == "anywhere" else rng.uniform(0, 0.3 + 1.5 * write_seconds)
            wh = work / f"kill-{k:02d}"
            shutil.rmtree(wh, ignore_errors=True)
            shutil.copytree(s0, wh)
            outcome = killed_run(landing, wh, env, mode, delay)
            outcomes[outcome] += 1
            broken = all_parquet_complete(wh)
            if broken:
                failures.append(f"kill {k}: incomplete files {broken}")
            kinds = set()
            for t in TABLES:
                now = partition_contents(wh, t)
                for part in set(now) | set(before_parts[t]) | set(after_parts[t]):
                    state = now.get(part, [])
                    was, will = before_parts[t].get(part, []), after_parts[t].get(part, [])
                    if state == was and state == will:
                        continue
                    if state == was:
                        kinds.add("before")
                    elif state == will:
                        kinds.add("after")
                    else:
                        failures.append(f"kill {k}: {t}/{part} is neither as before nor as after the run")
            label = "mixed" if len(kinds) > 1 else next(iter(kinds), "before")
            states[label] += 1
            healed = ingest(landing, wh, env)
            if healed.returncode != 0:
                failures.append(f"kill {k}: healing run failed: {healed.stderr[-1000:]}")
            for t in TABLES:
                got = sorted(sum(partition_contents(wh, t).values(), []))
                if got != reference[t]:
                    failures.append(f"kill {k}: {t} after the healing run differs from a clean run's")
            print(f"kill {k:2d} ({mode:8s} +{delay:5.2f}s, {outcome}): partitions {label}; healed", flush=True)
            shutil.rmtree(wh, ignore_errors=True)

    print(f"{args.kills} kills: {dict(outcomes)}; partition states seen: {dict(states)}")
    print(f"{len(failures)} failures")
    for failure in failures:
        print("  " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
