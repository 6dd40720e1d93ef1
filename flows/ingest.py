"""The ingest flow: discover inputs, process them in batched tasks, commit once.

Batches of tens to hundreds of inputs per task keep Prefect's per-task overhead negligible
and let translation batch sentences across articles. All writes happen in one commit task at
the end, so a failed batch never leaves a half-written warehouse behind.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime

from prefect import flow, get_run_logger, task, unmapped
from prefect.cache_policies import NO_CACHE

from babelfeed.pipeline import BatchOutcome, RunReport, commit_run, new_run_id, process_batch
from babelfeed.settings import Settings
from babelfeed.sources import discover

DEFAULT_PATHS = ["seeds"]


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


@task(name="process-batch", cache_policy=NO_CACHE)
def process_batch_task(paths: list[str], settings: Settings) -> BatchOutcome:
    outcome = process_batch(paths, settings)
    get_run_logger().info(
        "batch of %d inputs: %d articles, %d rejects",
        len(paths), len(outcome.result.articles), len(outcome.result.rejects),
    )
    return outcome


@task(name="commit", cache_policy=NO_CACHE)
def commit_task(
    outcomes: list[BatchOutcome], settings: Settings, run_id: str, started_at: datetime,
    discovered: int, parameters: str,
) -> RunReport:
    return commit_run(outcomes, settings, run_id, started_at, discovered, "ingest", parameters)


@flow(name="ingest")
def ingest(
    paths: list[str] | None = None,
    warehouse: str | None = None,
    batch_size: int | None = None,
) -> dict:
    """Ingest files and folders of .txt/.html articles into the warehouse."""
    logger = get_run_logger()
    overrides = {k: v for k, v in {"warehouse": warehouse, "batch_size": batch_size}.items() if v}
    settings = Settings(**overrides)
    started_at = datetime.now(UTC)
    run_id = new_run_id()
    files = [str(p) for p in discover(paths or DEFAULT_PATHS)]
    logger.info("run %s: %d inputs into %s", run_id, len(files), settings.warehouse)
    futures = process_batch_task.map(_chunks(files, settings.batch_size), unmapped(settings))
    outcomes = [f.result() for f in futures]
    parameters = json.dumps({"paths": paths or DEFAULT_PATHS, "warehouse": settings.warehouse,
                             "batch_size": settings.batch_size})
    report = commit_task(outcomes, settings, run_id, started_at, len(files), parameters)
    for line in report.lines():
        logger.info(line)
    return asdict(report)
