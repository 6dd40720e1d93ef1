"""A run killed inside a WARC resumes at the first shard it had not committed.

Real `babelfeed ingest` processes, a real WARC on disk, SIGKILL: the shards committed before
the kill keep their rows (and their run id); the next run processes only the other shards and
the tables end as a clean run leaves them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import duckdb

from conftest import BABELFEED, cli_env, table_rows
from newsroom import ENGLISH, page, warc_bytes

RECORDS = 40
PER_SHARD = 2


def landing_with_warc(folder):
    folder.mkdir()
    pages = [
        (f"https://news.example.org/story-{i}", "text/html",
         page(f"Story {i}", [f"This is story number {i}.", *ENGLISH[i % 5 : i % 5 + 4]]).encode())
        for i in range(RECORDS)
    ]
    (folder / "day.warc.gz").write_bytes(warc_bytes(pages))
    return folder


def env(api_url):
    # One worker, one shard in flight, a commit per shard: the run advances shard by shard.
    return cli_env(
        api_url, BABELFEED_WORKERS="1", BABELFEED_MAX_IN_FLIGHT="1", BABELFEED_CHUNK_ARTICLES=str(PER_SHARD),
        BABELFEED_BATCH_SIZE=str(PER_SHARD),
    )


def shards_done(wh) -> int:
    from babelfeed.warehouse import ledger

    try:
        entries = ledger.load(wh)
    except Exception:  # noqa: BLE001 - a bucket being replaced right now: ask again
        return 0
    return max((len(e.shards_done) for e in entries.values()), default=0)


def test_a_warc_run_killed_after_its_first_shards_resumes_at_the_next(tmp_path, prefect_server):
    landing = landing_with_warc(tmp_path / "landing")
    wh = tmp_path / "wh"
    proc = subprocess.Popen(
        [BABELFEED, "ingest", str(landing), "--warehouse", str(wh)], env=env(prefect_server),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while shards_done(wh) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed: " + proc.stderr.read().decode()[-2000:]
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()

    kept = duckdb.sql(
        f"select article_id, run_id from read_parquet('{wh}/articles/**/*.parquet')"
    ).fetchall()
    committed = shards_done(wh) * PER_SHARD  # articles of the shards the ledger says are done
    # (a kill between a chunk's tables and its ledger entry leaves rows the next run redoes)
    assert 3 * PER_SHARD <= committed <= len(kept) < RECORDS

    healed = subprocess.run(
        [BABELFEED, "ingest", str(landing), "--warehouse", str(wh)], env=env(prefect_server),
        capture_output=True, text=True, timeout=600,
    )
    assert healed.returncode == 0, healed.stderr[-3000:]
    # Only the shards not committed were processed again...
    assert f"articles written: {RECORDS - committed}" in healed.stdout
    after = dict(duckdb.sql(f"select article_id, run_id from read_parquet('{wh}/articles/**/*.parquet')").fetchall())
    assert len(after) == RECORDS
    assert sum(after[article_id] == run_id for article_id, run_id in kept) >= committed  # ...the rest kept theirs
    assert shards_done(wh) == RECORDS // PER_SHARD

    clean = tmp_path / "clean"
    done = subprocess.run(
        [BABELFEED, "ingest", str(landing), "--warehouse", str(clean)], env=env(prefect_server),
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for table in ("articles", "segments", "rejects"):
        assert table_rows(wh, table) == table_rows(clean, table), table
    # A third run finds the container complete and does nothing.
    again = subprocess.run(
        [BABELFEED, "ingest", str(landing), "--warehouse", str(wh)], env=env(prefect_server),
        capture_output=True, text=True, timeout=600,
    )
    assert "1 unchanged" in again.stdout and "articles written: 0" in again.stdout
