"""One writer at a time: a second run waits for the first, or stops and names it."""

import subprocess
import sys
import textwrap
import threading
import time

import duckdb
import pytest

from babelfeed.warehouse.lock import WarehouseLockedError, warehouse_lock
from conftest import BABELFEED, SEEDS, cli_env, write_article

HOLD = textwrap.dedent(
    """
    import sys, time
    from babelfeed.warehouse.lock import warehouse_lock
    with warehouse_lock(sys.argv[1], "holder-run-42"):  # a state folder
        print("held", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


def hold_in_another_process(warehouse, seconds):
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(warehouse), str(seconds)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_held_warehouse_stops_a_second_writer_and_names_the_holder(tmp_path):
    proc = hold_in_another_process(tmp_path, 30)
    try:
        with pytest.raises(WarehouseLockedError, match=r"held by run holder-run-42 \(pid \d+") as info:
            with warehouse_lock(tmp_path, "second", timeout=0.5):
                pass
        assert "BABELFEED_LOCK_TIMEOUT" in str(info.value)
    finally:
        proc.kill()
        proc.wait()


def test_a_waiting_writer_gets_the_warehouse_when_it_is_released(tmp_path):
    proc = hold_in_another_process(tmp_path, 1.5)
    start, said = time.monotonic(), []
    with warehouse_lock(tmp_path, "second", timeout=30, on_wait=said.append, label="wh"):
        waited = time.monotonic() - start
    proc.wait()
    assert waited > 0.5
    assert len(said) == 1 and said[0].startswith("warehouse wh is held by run holder-run-42 (pid")


def test_a_killed_holder_releases_the_warehouse(tmp_path):
    proc = hold_in_another_process(tmp_path, 60)
    proc.kill()
    proc.wait()
    with warehouse_lock(tmp_path, "next", timeout=0):
        pass


def test_threads_of_one_process_exclude_each_other(tmp_path):
    inside, overlaps = [], []

    def writer(name):
        with warehouse_lock(tmp_path, name, timeout=30, poll=0.01):
            inside.append(name)
            if len(inside) > 1:
                overlaps.append(tuple(inside))
            time.sleep(0.05)
            inside.remove(name)

    threads = [threading.Thread(target=writer, args=(f"t{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == []


@pytest.fixture
def landing(tmp_path):
    folder = tmp_path / "landing"
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    for i in range(40):
        write_article(folder / f"a{i:03d}.txt", texts[i % 5] + f"\nEdition {i}, copy {i * 7}.", f"2026-10-{i % 9 + 1:02d}")
    return folder


def start_cli(landing, wh, api_url, **env):
    return subprocess.Popen([BABELFEED, "ingest", str(landing), "--warehouse", str(wh), "--batch-size", "5"],
                            env=cli_env(api_url, **env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_overlapping_runs_leave_one_row_per_article(landing, tmp_path, prefect_server, packages_dir):
    wh = tmp_path / "wh"
    runs = [start_cli(landing, wh, prefect_server, BABELFEED_LOCK_TIMEOUT="300") for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in runs]
    assert [p.returncode for p in runs] == [0, 0], [o[1][-2000:] for o in outs]
    arts = f"read_parquet('{wh}/articles/**/*.parquet')"
    assert duckdb.sql(f"select count(*), count(distinct article_id) from {arts}").fetchall() == [(40, 40)]
    news = sorted(duckdb.sql(f"select new, unchanged from read_parquet('{wh}/runs/**/*.parquet')").fetchall())
    assert news == [(0, 40), (40, 0)]  # the second waited, then found everything ingested


def test_a_second_run_that_will_not_wait_says_who_holds_the_warehouse(landing, tmp_path, prefect_server, packages_dir):
    wh = tmp_path / "wh"
    holder = hold_in_another_process(wh / "_state", 120)
    try:
        second = start_cli(landing, wh, prefect_server, BABELFEED_LOCK_TIMEOUT="0")
        _, err = second.communicate(timeout=300)
    finally:
        holder.kill()
        holder.wait()
    assert second.returncode == 3, err[-2000:]
    assert "held by run holder-run-42" in " ".join(err.split())
    assert not (wh / "articles").exists()  # it wrote nothing
