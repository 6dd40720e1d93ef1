"""Every core, on existing engines: Prefect's process pool by default, threads or a Dask cluster
by setting; the same tables from each."""

import subprocess

import pytest

from conftest import BABELFEED, cli_env, table_rows

TABLES = ("articles", "segments", "rejects")


def test_a_two_worker_dask_cluster_writes_the_same_tables(seeds_copy, tmp_path, model_file, packages_dir, prefect_server, monkeypatch):
    monkeypatch.setenv("BABELFEED_MODEL_DIRS", str(model_file.parent))
    from babelfeed_flows.ingest import ingest

    threads = tmp_path / "threads"
    ingest(paths=[str(seeds_copy)], warehouse=str(threads), batch_size=2)

    # The CLI as a user runs it: a LocalCluster sized to the machine (two worker processes here).
    dask = tmp_path / "dask"
    done = subprocess.run(
        [BABELFEED, "ingest", str(seeds_copy), "--warehouse", str(dask), "--batch-size", "2", "--dask-address", "local"],
        env=cli_env(prefect_server),
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert "Creating a new Dask cluster with `distributed.deploy.local.LocalCluster`" in done.stderr
    assert done.stderr.count("distributed.scheduler - Register worker addr") == 2  # this machine: 2 cores
    for table in TABLES:
        assert table_rows(dask, table) == table_rows(threads, table), table
    assert len(table_rows(dask, "articles")) == 5


@pytest.mark.parametrize("address", [None, "", "local", "tcp://127.0.0.1:8786"])
def test_the_task_runner_follows_the_address(address, monkeypatch):
    from prefect.task_runners import ProcessPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    from babelfeed_flows.runners import task_runner

    monkeypatch.delenv("BABELFEED_DASK_ADDRESS", raising=False)
    runner = task_runner(address)
    if address:
        assert isinstance(runner, DaskTaskRunner)
        assert runner.address == (None if address == "local" else address)
    else:
        assert isinstance(runner, ProcessPoolTaskRunner)  # every core by default


def test_the_process_pool_has_a_worker_per_core_unless_told(monkeypatch):
    import os

    from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

    from babelfeed.settings import Settings
    from babelfeed_flows.runners import task_runner, translate_threads

    monkeypatch.delenv("BABELFEED_DASK_ADDRESS", raising=False)
    cores = len(os.sched_getaffinity(0))
    assert task_runner(None, Settings())._max_workers == cores
    assert translate_threads(Settings()) == 1  # one worker per core: a thread each
    three = Settings(workers=3)
    assert task_runner(None, three)._max_workers == 3 and three.in_flight == 3
    assert Settings(workers=3, max_in_flight=7).in_flight == 7
    assert translate_threads(Settings(workers=1)) == cores
    assert isinstance(task_runner(None, Settings(runner="thread")), ThreadPoolTaskRunner)
    assert not isinstance(task_runner(None, Settings(runner="thread")), ProcessPoolTaskRunner)


def test_the_extraction_time_limit_holds_inside_a_worker_process(tmp_path, prefect_server, monkeypatch):
    from conftest import write_article
    from newsroom import ENGLISH, page

    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "huge.html").write_text(page("Huge", [" ".join(ENGLISH)] * 400), encoding="utf-8")
    write_article(landing / "fine.txt", "\n".join(ENGLISH[:6]), "2026-10-01")
    monkeypatch.setenv("BABELFEED_EXTRACT_TIMEOUT", "0.05")
    from babelfeed_flows.ingest import ingest

    # Two units (a batch each): the pool's workers run them, not the flow's own process.
    report = ingest(paths=[str(landing)], warehouse=str(tmp_path / "wh"), batch_size=1)
    assert report["workers"] >= 1 and report["reject_reasons"] == {"extract_timeout": 1}
    assert report["counts"]["articles"] == 1
    (uri, reason), = [(r[0], r[1]) for r in table_rows(tmp_path / "wh", "rejects")]
    assert uri.endswith("huge.html") and reason == "extract_timeout"
