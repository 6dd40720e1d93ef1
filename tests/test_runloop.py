"""The run loop is the library's: Prefect's task runners, a process pool or a plain loop in
this process drive the same code and write the same tables; workers are paid for only when
there is work for them."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from babelfeed import runloop
from babelfeed.pipeline import retranslate
from babelfeed.settings import Settings
from conftest import table_rows

TABLES = ("articles", "segments", "rejects")


class Counting:
    """An executor around a real one that counts where each unit went."""

    def __init__(self, inner: runloop.Executor) -> None:
        self.inner = inner
        self.submitted: list[str] = []
        self.called: list[str] = []
        self.executor = runloop.Executor(
            submit=self.submit, first_done=inner.first_done, call=self.call, workers=inner.workers,
            worker_threads=inner.worker_threads, local_units=inner.local_units,
        )

    def submit(self, fn, *args):
        self.submitted.append(fn.__name__)
        return self.inner.submit(fn, *args)

    def call(self, fn, *args):
        self.called.append(fn.__name__)
        return self.inner.call(fn, *args)


def run(folder, wh, executor, **settings):
    return runloop.run("ingest", [str(folder)], Settings(warehouse=str(wh), **settings), executor)


def test_a_plain_loop_a_process_pool_and_the_prefect_flow_write_the_same_tables(
    seeds_copy, tmp_path, model_file, packages_dir, monkeypatch, prefect_server
):
    monkeypatch.setenv("BABELFEED_MODEL_DIRS", str(model_file.parent))
    plain = run(seeds_copy, tmp_path / "plain", runloop.in_process(), batch_size=2)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as processes:
        pooled = run(seeds_copy, tmp_path / "pool", runloop.pool(processes, 2, worker_threads=1), batch_size=2)
    from babelfeed_flows.ingest import ingest

    flowed = ingest(paths=[str(seeds_copy)], warehouse=str(tmp_path / "flow"), batch_size=2)
    for report in (plain.counts, pooled.counts, flowed["counts"]):
        assert (report["new"], report["articles"], report["translated"]) == (5, 5, 1)
    # Three units each: the pool's two workers; the flow's process pool, one per core.
    assert (plain.workers, pooled.workers, flowed["workers"]) == (0, 2, min(3, len(os.sched_getaffinity(0))))
    for table in TABLES:
        assert table_rows(tmp_path / "plain", table) == table_rows(tmp_path / "pool", table), table
        assert table_rows(tmp_path / "plain", table) == table_rows(tmp_path / "flow", table), table
    assert len(table_rows(tmp_path / "plain", "articles")) == 5


def test_workers_are_used_only_when_there_is_more_than_one_unit_of_work(seeds_copy, tmp_path, packages_dir):
    wh = tmp_path / "wh"
    # One unit (five inputs, a batch of 50): it runs in this process, no worker is started.
    one = Counting(runloop.in_process())
    report = run(seeds_copy, wh, one.executor)
    assert (one.called, one.submitted, report.workers, report.counts["new"]) == (["process_batch"], [], 0, 5)
    assert "in one process (no worker needed)" in report.lines()[-2]

    # Nothing to do: nothing runs anywhere.
    idle = Counting(runloop.in_process())
    report = run(seeds_copy, wh, idle.executor)
    assert (idle.called, idle.submitted, report.counts["unchanged"]) == ([], [], 5)

    # Three units: each goes to a worker.
    for path in seeds_copy.iterdir():
        path.write_text(path.read_text(encoding="utf-8") + "\nOne more line for a new version.\n", encoding="utf-8")
    three = Counting(runloop.in_process())
    report = run(seeds_copy, wh, three.executor, batch_size=2)
    assert (three.called, three.submitted, report.counts["updated"]) == ([], ["process_batch"] * 3, 5)


def test_on_a_cluster_even_one_unit_goes_to_a_worker(seeds_copy, tmp_path, packages_dir):
    cluster = runloop.in_process()
    cluster.local_units = False  # as on Dask: the cluster is where the work belongs
    counted = Counting(cluster)
    run(seeds_copy, tmp_path / "wh", counted.executor)
    assert (counted.called, counted.submitted) == ([], ["process_batch"])


def test_a_small_backlog_is_translated_in_this_process(seeds_copy, tmp_path, packages_dir, model_file):
    from babelfeed import models

    wh = tmp_path / "wh"
    run(seeds_copy, wh, runloop.in_process())  # no model: the German seed is stored untranslated
    models.install_file(model_file)
    counted = Counting(runloop.in_process())
    report = run(seeds_copy, wh, counted.executor)
    assert (counted.called, counted.submitted) == ([retranslate.__name__], [])
    assert report.counts["retranslated"] == 1 and report.statuses == {"translated": 1}
    assert len(table_rows(wh, "articles")) == 5
