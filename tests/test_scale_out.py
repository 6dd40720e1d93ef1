"""Scale-out on existing engines: the same tables from a Dask cluster as from threads."""

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
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    from babelfeed_flows.runners import task_runner

    monkeypatch.delenv("BABELFEED_DASK_ADDRESS", raising=False)
    runner = task_runner(address)
    if address:
        assert isinstance(runner, DaskTaskRunner)
        assert runner.address == (None if address == "local" else address)
    else:
        assert isinstance(runner, ThreadPoolTaskRunner)
