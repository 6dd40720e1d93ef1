"""Scheduled runs and backfills against a real Prefect server on 127.0.0.1 (not the harness).

A `prefect server start` process, `babelfeed serve` serving both deployments on a short
interval, a scheduled ingest that fills the warehouse, a backfill deployment run triggered
with parameters, and the run artifacts read back through the Prefect client.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import httpx
import pytest

from conftest import BABELFEED, client_call, free_port, table_rows, wait_for

PREFECT = str(Path(sys.executable).parent / "prefect")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="2",
        PREFECT_UI_ENABLED="false",
    )
    log = open(home / "server.log", "w")
    server = subprocess.Popen([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/api"

    def healthy():
        try:
            return httpx.get(f"{url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(healthy, 180, "the Prefect server", server)
        yield url
    finally:
        stop(server)
        log.close()


def test_serve_schedules_ingest_runs_backfills_and_publishes_artifacts(
    prefect_api, seeds_copy, tmp_path, model_file, packages_dir
):
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterKey,
        FlowRunFilter,
        FlowRunFilterDeploymentId,
        FlowRunFilterId,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    wh = tmp_path / "wh"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_API_URL=prefect_api, PREFECT_RUNNER_POLL_FREQUENCY="2",
               PREFECT_SERVER_ANALYTICS_ENABLED="false", BABELFEED_MODEL_DIRS=str(model_file.parent))
    log = open(tmp_path / "serve.log", "w")
    served = subprocess.Popen([BABELFEED, "serve", str(seeds_copy), "--warehouse", str(wh), "--interval", "5"],
                              env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        # A scheduled ingest run completes and the warehouse holds the five seed articles.
        def articles():
            return any((wh / "articles").glob("*/*.parquet")) and len(table_rows(wh, "articles")) == 5

        wait_for(articles, 240, "a scheduled ingest run to write the seeds", served)

        async def ingest_state(client):
            dep = await client.read_deployment_by_name("ingest/babelfeed-ingest")
            runs = await client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    deployment_id=FlowRunFilterDeploymentId(any_=[dep.id]),
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.COMPLETED])),
                ))
            return dep, [r.state.type.value for r in runs]

        seen = []

        def completed():
            dep, states = client_call(prefect_api, ingest_state)
            seen.append(states)
            return (dep, states) if "COMPLETED" in states else None

        try:
            dep, states = wait_for(completed, 120, "a completed scheduled run", served)
        except AssertionError:
            raise AssertionError(f"states seen: {seen[-3:]}") from None
        assert dep.global_concurrency_limit is not None and dep.global_concurrency_limit.limit == 1
        assert dep.concurrency_options.collision_strategy.value == "CANCEL_NEW"
        assert dep.schedules and dep.schedules[0].schedule.interval.total_seconds() == 5

        # The backfill deployment, triggered with window parameters as a user would.
        from prefect.deployments import run_deployment
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings({PREFECT_API_URL: prefect_api}):
            backfill_run = run_deployment("backfill/babelfeed-backfill",
                                          parameters={"start": "2000-01-01", "end": "2100-12-31"}, timeout=300)
        assert backfill_run.state.type.value == "COMPLETED", backfill_run.state
        rows = duckdb.sql(f"select flow, status, window_start, articles from read_parquet('{wh}/runs/**/*.parquet') "
                          "where flow = 'backfill'").fetchall()
        assert [(r[0], r[1], str(r[2]), r[3]) for r in rows] == [("backfill", "completed", "2000-01-01", 5)]

        async def artifacts(client):
            return await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(
                    any_=["babelfeed-counts", "babelfeed-rejects", "babelfeed-stages", "babelfeed-summary"])),
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[backfill_run.id])))

        found = client_call(prefect_api, artifacts)
        mine = {a.key: a for a in found if a.flow_run_id == backfill_run.id}
        assert set(mine) == {"babelfeed-counts", "babelfeed-rejects", "babelfeed-stages", "babelfeed-summary"}
        assert "backfill run" in mine["babelfeed-summary"].data
        counts = mine["babelfeed-counts"].data
        assert '"language": "de"' in counts and '"outcome": "translated"' in counts
    finally:
        stop(served)
        log.close()
    print((tmp_path / "serve.log").read_text()[-3000:])
