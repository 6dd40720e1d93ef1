"""Kill real `babelfeed ingest` runs with SIGKILL at random instants; prove the warehouse heals.

The landing folder holds text files and a WARC; runs commit in small chunks (a few articles)
and read the WARC in shards of a few records, so kills land mid-container and mid-chunk.
For every kill:
  1. copy a warehouse holding an earlier state S0 of a landing folder;
  2. start `babelfeed ingest` on the changed landing folder and SIGKILL it after a random delay:
     anywhere in the run, after its first chunk is committed (where commits happen), or once
     the WARC's first shard is committed (mid-container), in turn;
  3. check that every Parquet file present is complete, that no id has two rows, and that
     every article's rows (its `articles` row, its `segments`, a source's `rejects` row) are
     either all as in S0 or all as after a clean run: chunks commit whole articles, never part;
  4. run ingest again and check the tables equal the clean run's, row for row (run stamps
     aside, and duplicate groups, which are checked for consistency: which of two copies in
     one run comes first depends on which is committed first), and that `babelfeed check`
     finds nothing wrong.

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
from newsroom import page, warc_bytes  # noqa: E402
from random_argos import build_argos_package, seed_lines  # noqa: E402

TABLES = ("articles", "segments", "rejects")
GROUP_BY = {"articles": "article_id", "segments": "article_id", "rejects": "source_uri"}
RUN_STAMPS = {"run_id", "ingested_at", "rejected_at"}
#: Which of two copies ingested by the same run is the first of their group depends on which
#: is committed first, so these are checked for consistency (`duplicates_consistent`), not
#: compared with the clean run's.
ORDER_DEPENDENT = {"duplicate_group", "duplicate_kind"}
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
    write_warc(landing / "wire.warc.gz", texts, rng, 0)
    return texts


def write_warc(path: Path, texts: list[str], rng: random.Random, version: int) -> None:
    """A WARC of 24 English pages (the second version rewrites a third of them)."""
    english = [t for t in texts if " the " in t]
    pages = []
    for i in range(24):
        lines = [line for line in english[i % len(english)].splitlines() if line.strip()]
        rng.shuffle(lines)
        title = f"Wire {i} v{version if i % 3 == 0 else 0}"
        pages.append((f"https://wire.example.org/{i}", "text/html", page(title, [title + "."] + lines[:6]).encode()))
    path.write_bytes(warc_bytes(pages))
    stamp = 1790000000 + (7 + version) * 86400
    os.utime(path, (stamp, stamp))


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
    write_warc(landing / "wire.warc.gz", texts, rng, 1)


def groups(warehouse: Path, table: str) -> dict[str, list]:
    """The table's rows (run stamps aside) grouped by article or source, as sorted reprs."""
    out: dict[str, list] = {}
    for file in (warehouse / table).glob("*/*.parquet"):
        t = pq.read_table(file)
        for row in t.select([c for c in t.column_names if c not in RUN_STAMPS | ORDER_DEPENDENT]).to_pylist():
            out.setdefault(row[GROUP_BY[table]], []).append(repr(row))
    return {key: sorted(rows) for key, rows in out.items()}


def duplicates_consistent(warehouse: Path) -> list[str]:
    """Groups that make sense: only the first of a group names itself, kinds are known, and
    articles with the same words are in one group."""
    from babelfeed.dedup.signature import exact_key

    problems, by_key = [], {}
    for file in (warehouse / "articles").glob("*/*.parquet"):
        for row in pq.read_table(file).to_pylist():
            first = row["duplicate_group"] == row["article_id"]
            if row["duplicate_kind"] not in (None, "exact", "near") or first != (row["duplicate_kind"] is None):
                problems.append(f"{row['article_id']}: group {row['duplicate_group']}, kind {row['duplicate_kind']}")
            by_key.setdefault(exact_key(row["text_english"] or row["text_original"]), set()).add(row["duplicate_group"])
    problems += [f"one text, several groups: {sorted(g)}" for g in by_key.values() if len(g) > 1]
    return problems


def all_rows(warehouse: Path, table: str) -> list:
    return sorted(row for rows in groups(warehouse, table).values() for row in rows)


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
    """Start a run, SIGKILL it `delay` s after it starts, after its first commit, or after
    the first shard of the WARC is committed."""
    proc = subprocess.Popen(
        [BABELFEED, "ingest", str(landing), "--warehouse", str(warehouse), "--batch-size", "4"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    committed, shard_done = threading.Event(), threading.Event()

    def watch():
        for line in proc.stderr:
            if "progress:" in line:  # logged after each chunk commit
                committed.set()
            if "shard " in line and "wire.warc.gz" in line:
                shard_done.set()
        committed.set()
        shard_done.set()

    threading.Thread(target=watch, daemon=True).start()
    if mode == "commit":
        committed.wait(timeout=600)
    elif mode == "container":
        shard_done.wait(timeout=600)
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
            BABELFEED_CHUNK_ARTICLES="6",  # many small commits: kills land between and inside them
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
        before_groups = {t: groups(s0, t) for t in TABLES}
        after_groups = {t: groups(after, t) for t in TABLES}
        reference = {t: all_rows(after, t) for t in TABLES}
        runs = sorted((r for f in (after / "runs").rglob("*.parquet") for r in pq.read_table(f).to_pylist()),
                      key=lambda r: r["started_at"])
        write_seconds = dict(runs[-1]["stage_seconds"])["write"]
        print(f"clean run over the changed landing folder: {full_run:.1f} s, of which writing {write_seconds:.2f} s",
              flush=True)

        failures, states, outcomes = [], Counter(), Counter()
        modes = ("anywhere", "commit", "container")
        for k in range(args.kills):
            mode = modes[k % 3]
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
                now = groups(wh, t)
                for key in set(now) | set(before_groups[t]) | set(after_groups[t]):
                    state = now.get(key, [])
                    was, will = before_groups[t].get(key, []), after_groups[t].get(key, [])
                    if state == was and state == will:
                        continue
                    if state == was:
                        kinds.add("before")
                    elif state == will:
                        kinds.add("after")
                    else:
                        failures.append(f"kill {k}: {t} rows of {key} are neither as before nor as after the run")
            label = "mixed" if len(kinds) > 1 else next(iter(kinds), "before")
            states[label] += 1
            healed = ingest(landing, wh, env)
            if healed.returncode != 0:
                failures.append(f"kill {k}: healing run failed: {healed.stderr[-1000:]}")
            for t in TABLES:
                if all_rows(wh, t) != reference[t]:
                    failures.append(f"kill {k}: {t} after the healing run differs from a clean run's")
            failures += [f"kill {k}: duplicate groups: {p}" for p in duplicates_consistent(wh)]
            checked = subprocess.run([BABELFEED, "check", "--warehouse", str(wh)], env=env, capture_output=True,
                                     text=True, timeout=300)
            if checked.returncode != 0:
                failures.append(f"kill {k}: `babelfeed check` after the healing run: {checked.stdout[-1000:]}")
            print(f"kill {k:2d} ({mode:9s} +{delay:5.2f}s, {outcome}): articles {label}; healed", flush=True)
            shutil.rmtree(wh, ignore_errors=True)

    print(f"{args.kills} kills: {dict(outcomes)}; article states seen: {dict(states)}")
    print(f"{len(failures)} failures")
    for failure in failures:
        print("  " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
