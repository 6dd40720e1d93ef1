"""The runs table tells the truth about every run: completed, failed or abandoned."""

import json
import os
from datetime import UTC, datetime

import duckdb
import pytest

from babelfeed import runs
from babelfeed.warehouse import RUNS, commit
from babelfeed.warehouse.records import runs_table

pytestmark = pytest.mark.usefixtures("prefect_server")


def ingest(paths, wh, **parameters):
    from babelfeed_flows.ingest import ingest as flow

    return flow(paths=[str(p) for p in paths], warehouse=str(wh), **parameters)


def run_rows(wh):
    return duckdb.sql(
        f"select run_id, status, message, parameters, stage_seconds from read_parquet('{wh}/runs/**/*.parquet') "
        "order by started_at"
    ).fetchall()


def test_a_completed_run_records_parameters_counts_and_stage_times(seeds_copy, tmp_path, packages_dir):
    wh = tmp_path / "wh"
    report = ingest([seeds_copy], wh, batch_size=1)  # five units: the pool's workers run them
    (run_id, status, message, parameters, stages), = run_rows(wh)
    assert (run_id, status) == (report["run_id"], "completed")
    assert json.loads(parameters)["paths"] == [str(seeds_copy)]
    assert {"read", "extract", "language", "segment", "translate", "write"} <= set(dict(stages))
    (wall, workers, commits), = duckdb.sql(
        f"select wall_seconds, workers, commits from read_parquet('{wh}/runs/**/*.parquet')"
    ).fetchall()
    assert 0 < wall < 600 and workers == len(os.sched_getaffinity(0)) and commits == 1
    # Stage seconds are each worker's own wall time: no stage can exceed the workers' time.
    assert sum(dict(stages).values()) <= wall * workers
    assert "babelfeed models install de-en" in message


def test_a_failing_run_is_recorded_as_failed_and_releases_the_warehouse(seeds_copy, tmp_path, packages_dir, monkeypatch):
    wh = tmp_path / "wh"

    def broken_save(*args, **kwargs):
        raise OSError("disk full")

    # The commit runs in the flow's process: its ledger write fails after the tables are written.
    monkeypatch.setattr(runs.ledger, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        ingest([seeds_copy], wh)
    assert [(r[1], r[2]) for r in run_rows(wh)] == [("failed", "OSError: disk full")]
    monkeypatch.undo()
    ingest([seeds_copy], wh)  # the lock was released: the next run goes through
    assert [r[1] for r in run_rows(wh)] == ["failed", "completed"]


def test_a_run_that_died_is_marked_abandoned_by_the_next(seeds_copy, tmp_path, packages_dir):
    wh = tmp_path / "wh"
    dead = runs.RunContext("20260101T000000Z-deadbeef", "ingest", datetime(2026, 1, 1, tzinfo=UTC), "{}")
    commit(wh, RUNS, runs_table(dead.row("running")))
    ingest([seeds_copy], wh)
    assert [(r[0], r[1]) for r in run_rows(wh)][0] == ("20260101T000000Z-deadbeef", "abandoned")
