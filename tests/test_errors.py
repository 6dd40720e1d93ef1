"""Every failure a user can act on is one line and a documented exit code (issue 12, item 4).

Real environments, not mocks: a Parquet file cut in half, a lock held by another process, a
tmpfs filled to the last byte, a folder the process may not write, settings it cannot use, a
model that is not there or not a model, an object store nobody listens for. Each command prints
`error: <what happened and what to do>` once, no traceback, and exits with the code the README
documents; `--debug` (or BABELFEED_DEBUG=1) brings the traceback back.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from babelfeed.errors import (
    EXIT_DAMAGED,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_MODEL,
    EXIT_PROBLEMS,
    EXIT_STORAGE,
    EXIT_USAGE,
)
from babelfeed.warehouse.lock import warehouse_lock
from babelfeed.warehouse.schema import TABLES
from conftest import BABELFEED, SEEDS, cli_env, one_error_line, unwritable, write_article


def babelfeed(*args: str, env: dict[str, str], timeout: float = 300, prefix: tuple[str, ...] = ()):
    return subprocess.run([*prefix, BABELFEED, *map(str, args)], env=env, capture_output=True, text=True,
                          timeout=timeout)


def ingested(wh: Path, inputs: Path, env: dict[str, str]) -> None:
    done = babelfeed("ingest", inputs, "--warehouse", wh, env=env)
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]


def files_of(wh: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of the warehouse, its bytes and mtime, but the lock (each run rewrites who holds it)."""
    return {
        str(p.relative_to(wh)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(wh.rglob("*"))
        if p.is_file() and p.relative_to(wh) != Path("_state/lock")
    }


def table_files(wh: Path) -> list[Path]:
    return sorted(p for t in TABLES for p in (wh / t).rglob("*.parquet"))


# -- a damaged warehouse ------------------------------------------------------------------


def test_a_damaged_table_file_stops_ingest_and_stats_and_names_repair(tmp_path, seeds_copy, prefect_server):
    env = cli_env(prefect_server)
    wh = tmp_path / "wh"
    ingested(wh, seeds_copy, env)
    healthy = babelfeed("check", "--warehouse", wh, env=env)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert "healthy" in healthy.stdout

    newer = tmp_path / "newer"
    shutil.copytree(wh, newer, ignore=shutil.ignore_patterns("lock"))

    victim = sorted((wh / "articles").glob("*/*.parquet"))[0]
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2])
    before = files_of(wh)

    line = one_error_line(babelfeed("ingest", seeds_copy, "--warehouse", wh, env=env), EXIT_DAMAGED)
    assert str(victim) in line and "babelfeed repair" in line, line
    assert files_of(wh) == before  # refused before writing anything

    line = one_error_line(babelfeed("stats", "--warehouse", wh, env=env), EXIT_DAMAGED)
    assert str(victim) in line and "babelfeed repair" in line, line

    found = babelfeed("check", "--warehouse", wh, env=env)  # a problem found is not an error
    assert found.returncode == EXIT_PROBLEMS, found.stdout + found.stderr
    assert str(victim) in found.stdout and "babelfeed repair" in found.stderr
    assert "Traceback" not in found.stdout + found.stderr
    # (SQLite's shared-memory index of a WAL database is rewritten whenever the database is opened)
    assert {k: v for k, v in files_of(wh).items() if not k.endswith("-shm")} == {
        k: v for k, v in before.items() if not k.endswith("-shm")
    }

    # A file written by a newer babelfeed is not damaged, and not to be repaired: upgrade.
    future = sorted((newer / "articles").glob("*/*.parquet"))[0]
    table = pq.read_table(future)
    pq.write_table(table.replace_schema_metadata({**table.schema.metadata, b"babelfeed.schema_version": b"99"}), future)
    line = one_error_line(babelfeed("ingest", seeds_copy, "--warehouse", newer, env=env), EXIT_DAMAGED)
    assert str(future) in line and "newer babelfeed" in line and "upgrade" in line, line
    assert "babelfeed repair" not in line


# -- interrupted --------------------------------------------------------------------------


def test_ctrl_c_exits_130_in_one_line_and_the_next_run_goes_on(tmp_path, prefect_server):
    inputs = tmp_path / "inputs"
    for i in range(60):
        seed = sorted(SEEDS.glob("*.txt"))[i % 5]
        write_article(inputs / f"a{i:02d}.txt", f"Headline {i}\n" + seed.read_text(encoding="utf-8"), "2026-10-01")
    wh = tmp_path / "wh"
    env = cli_env(prefect_server)
    run = subprocess.Popen([BABELFEED, "ingest", str(inputs), "--warehouse", str(wh), "--batch-size", "2"],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = []
    for line in run.stdout:  # the flow has planned its work: interrupt it
        seen.append(line)
        if "to process" in line:
            run.send_signal(signal.SIGINT)
            break
    out = "".join(seen) + run.stdout.read()
    run.wait(timeout=300)
    result = subprocess.CompletedProcess(run.args, run.returncode, out, "")
    assert "interrupted" in one_error_line(result, EXIT_INTERRUPTED)
    healed = babelfeed("ingest", inputs, "--warehouse", wh, env=env)
    assert healed.returncode == 0, healed.stdout[-3000:] + healed.stderr[-3000:]
    assert babelfeed("check", "--warehouse", wh, env=env).returncode == 0


# -- a warehouse held by another run ------------------------------------------------------


def test_a_warehouse_held_by_another_run_exits_3_and_names_it(tmp_path, prefect_server):
    wh = tmp_path / "wh"
    with warehouse_lock(wh / "_state", "someone-else-42"):
        result = babelfeed("ingest", SEEDS, "--warehouse", wh,
                           env=cli_env(prefect_server, BABELFEED_LOCK_TIMEOUT="1"))
    line = one_error_line(result, EXIT_LOCKED)
    assert "held by run someone-else-42" in line and f"pid {os.getpid()}" in line, line
    assert "BABELFEED_LOCK_TIMEOUT" in line
    assert not (wh / "articles").exists()


# -- a full disk --------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A 16 MiB tmpfs of its own, unmounted afterwards (skips where mounting is not allowed)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        if subprocess.run(["umount", str(disk)]).returncode != 0:
            subprocess.run(["umount", "-l", str(disk)])


def fill(path: Path) -> int:
    """Write `path` until the disk is full; the bytes written."""
    chunk, written = b"\0" * (1 << 20), 0
    with open(path, "wb", buffering=0) as sink:
        while len(chunk) >= 512:
            try:
                written += sink.write(chunk)
            except OSError:
                chunk = chunk[: len(chunk) // 2]
    return written


def test_a_full_disk_exits_5_and_leaves_the_written_files_whole(small_disk, seeds_copy, prefect_server):
    env = cli_env(prefect_server)
    wh = small_disk / "wh"
    ingested(wh, seeds_copy, env)
    kept = {p: pq.read_table(p) for p in table_files(wh)}
    assert any("articles" in p.parts for p in kept)

    # New articles on the days the seeds are on: the partition files written above take their rows.
    days = sorted({p.parent.name.split("=", 1)[1] for p in (wh / "articles").glob("*/*.parquet")})
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    for i in range(60):
        write_article(seeds_copy / f"more-{i:03d}.txt", texts[i % 5] + f"\nEdition {i}, page {i * 7}.", days[i % len(days)])
    filler = small_disk / "filler"
    assert fill(filler) > 0

    # Room for nothing (the run stops as it takes the lock), for less than a table file (it
    # stops writing the runs table's file), for a part of the run's rows (it stops mid-commit).
    for room in (0, 8 << 10, 64 << 10):
        os.truncate(filler, filler.stat().st_size - room)
        line = one_error_line(babelfeed("ingest", seeds_copy, "--warehouse", wh, env=env), EXIT_STORAGE)
        assert "no space left" in line and str(wh) in line, (room, line)
        assert list(wh.rglob("*.tmp")) == [], room
        for path in table_files(wh):
            pq.read_table(path)  # whole: the old file or the new one, never half of one
        if room < 64 << 10:  # nothing was committed
            assert {p: pq.read_table(p) for p in table_files(wh)}.keys() == kept.keys()
            for path, table in kept.items():
                assert pq.read_table(path).equals(table), (room, path)

    filler.unlink()
    healthy = babelfeed("check", "--warehouse", wh, env=env)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    ingested(wh, seeds_copy, env)  # with room again, the next run completes the work
    arts = f"read_parquet('{wh}/articles/**/*.parquet')"
    assert duckdb.sql(f"select count(*), count(distinct article_id) from {arts}").fetchall() == [(65, 65)]


# -- a folder babelfeed may not write -----------------------------------------------------


def test_a_warehouse_it_may_not_write_exits_5_and_says_permission_denied(tmp_path, prefect_server):
    wh = tmp_path / "wh"
    with unwritable(wh) as prefix:
        result = babelfeed("ingest", SEEDS, "--warehouse", wh, env=cli_env(prefect_server), prefix=prefix)
    line = one_error_line(result, EXIT_STORAGE)
    assert "permission denied" in line and str(wh) in line, line
    assert list(wh.iterdir()) == []


# -- settings and arguments ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "variable", "value"),
    [
        ("ingest", "BABELFEED_BATCH_SIZE", "0"),
        ("ingest", "BABELFEED_TRANSLATE_DEVICE", "gpu"),
        ("check", "BABELFEED_TRANSLATE_DEVICE", "gpu"),
        ("stats", "BABELFEED_BATCH_SIZE", "0"),
        ("repair", "BABELFEED_TRANSLATE_DEVICE", "gpu"),
    ],
)
def test_an_invalid_setting_exits_2_and_names_the_variable(command, variable, value, tmp_path, prefect_server):
    wh = tmp_path / "wh"
    wh.mkdir()
    args = ("ingest", SEEDS) if command == "ingest" else (command,)
    result = babelfeed(*args, "--warehouse", wh, env=cli_env(prefect_server, **{variable: value}))
    line = one_error_line(result, EXIT_USAGE)
    assert f"{variable}={value!r}" in line, line
    assert list(wh.iterdir()) == []


def test_a_missing_warehouse_folder_exits_2(tmp_path, prefect_server):
    for command in ("check", "stats", "repair"):
        line = one_error_line(babelfeed(command, "--warehouse", tmp_path / "nowhere", env=cli_env(prefect_server)),
                              EXIT_USAGE)
        assert "nowhere is not a warehouse folder" in line, (command, line)
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("how", ["--debug", "BABELFEED_DEBUG=1"])
def test_debug_shows_the_traceback(how, tmp_path, prefect_server):
    env = cli_env(prefect_server, BABELFEED_BATCH_SIZE="0")
    if how == "--debug":
        result = babelfeed("--debug", "ingest", SEEDS, "--warehouse", tmp_path, env=env)
    else:
        result = babelfeed("ingest", SEEDS, "--warehouse", tmp_path, env={**env, "BABELFEED_DEBUG": "1"})
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Traceback" in out and "ValidationError" in out and "batch_size" in out, out[-4000:]


# -- translation models -------------------------------------------------------------------


def test_a_model_that_cannot_be_found_offline_exits_6(packages_dir, tmp_path):
    line = one_error_line(babelfeed("models", "install", "de-en", env=dict(os.environ)), EXIT_MODEL)
    assert "no de->en package found" in line and "babelfeed models install /path/to/" in line, line


def test_a_broken_model_file_exits_6(packages_dir, tmp_path):
    garbage = tmp_path / "x.argosmodel"
    garbage.write_bytes(os.urandom(4096))
    line = one_error_line(babelfeed("models", "install", garbage, env=dict(os.environ)), EXIT_MODEL)
    assert str(garbage) in line and "not an .argosmodel" in line, line
    assert [p for p in packages_dir.iterdir()] == []


def test_a_missing_model_file_exits_6(packages_dir, tmp_path):
    missing = tmp_path / "translate-de_en.argosmodel"
    line = one_error_line(babelfeed("models", "install", missing, env=dict(os.environ)), EXIT_MODEL)
    assert f"{missing} does not exist" in line, line


# -- an object store nobody answers for ---------------------------------------------------


def test_an_unreachable_object_store_exits_5_without_hanging(tmp_path, prefect_server):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    env = cli_env(
        prefect_server, AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}", AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test", AWS_REGION="us-east-1", BABELFEED_STATE_DIR=str(tmp_path / "state"),
    )
    start = time.monotonic()
    result = babelfeed("ingest", SEEDS, "--warehouse", "s3://bucket/wh", env=env, timeout=120)
    took = time.monotonic() - start
    line = one_error_line(result, EXIT_STORAGE)
    assert "cannot reach the object store" in line and "AWS_ENDPOINT_URL" in line, line
    print(f"unreachable object store: exit {result.returncode} after {took:.1f} s")
