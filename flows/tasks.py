"""Prefect tasks around babelfeed's units of work, and the executor that runs the library's
run loop (`babelfeed.runloop`) with them.

The loop decides what to do and when; this module only makes each unit a Prefect task run
(retried when the failure may be transient, logged in the run log), submits them to the
flow's task runner, and reports the run to Prefect: the summary in the run log and the
artifacts in the UI.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, as_completed
from prefect.tasks import exponential_backoff

from babelfeed import runloop
from babelfeed.article import LedgerEntry, SourceRef
from babelfeed.errors import explain
from babelfeed.pipeline import BatchOutcome, process_batch, retranslate
from babelfeed.runs import RunReport
from babelfeed.settings import Settings
from babelfeed_flows.artifacts import publish
from babelfeed_flows.logs import SUMMARY, quiet_tracebacks
from babelfeed_flows.runners import translate_threads, workers_report_here

quiet_tracebacks()


def _worth_retrying(task, task_run, state) -> bool:
    """Retry what may be transient (a worker lost, a network blip), not a full disk, a
    denied folder or a damaged file: those fail the same way again, only later."""
    try:
        state.result()
    except Exception as exc:
        known = explain(exc)
        return known is None or known.transient
    return True


_RETRIES = dict(retries=2, retry_delay_seconds=exponential_backoff(backoff_factor=5), retry_condition_fn=_worth_retrying)


# A batch writes nothing, so retrying it is safe; per-input problems are rejects, not errors,
# so what is retried here is what is transient (a worker lost, a model file busy).
@task(name="process-batch", cache_policy=NO_CACHE, **_RETRIES)
def process_batch_task(
    refs: list[SourceRef], settings: Settings, run_id: str, known: dict[str, LedgerEntry], force: bool
) -> BatchOutcome:
    outcome = process_batch(refs, settings, run_id, known, force)
    shard = refs[0].shard if len(refs) == 1 else None
    what = f"shard {shard.index} of {refs[0].uri}" if shard else f"batch of {len(refs)} inputs"
    get_run_logger().info(
        "%s: %d articles, %d rejects, %d unchanged", what,
        len(outcome.result.articles), len(outcome.result.rejects), outcome.result.outcomes["unchanged"],
    )
    return outcome


@task(name="discover-listings", cache_policy=NO_CACHE, **_RETRIES)
def listings_task(
    feeds: list[str], sitemaps: list[str], sites: list[str], since: date | None, settings: Settings, run_id: str,
) -> runloop.Listed:
    """Find the feeds and sitemaps of each site, read every feed and sitemap (conditionally),
    and list their items not fetched before."""
    return runloop.fetch_listings(feeds, sitemaps, sites, since, settings, run_id)


@task(name="retranslate-backlog", cache_policy=NO_CACHE, **_RETRIES)
def backlog_task(backlog: list[tuple[str, str]], settings: Settings) -> BatchOutcome:
    """Translate one batch of stored articles again (read from the warehouse by the worker)."""
    return retranslate(backlog, settings)


#: The task that runs each of the library's unit functions.
TASKS = {process_batch: process_batch_task, runloop.fetch_listings: listings_task, retranslate: backlog_task}


def _first_done(pending: list[PrefectFuture]) -> PrefectFuture:
    return next(as_completed(pending))


def executor(settings: Settings) -> runloop.Executor:
    """The flow's task runner as the run loop's executor: each unit a task run."""
    return runloop.Executor(
        submit=lambda fn, *args: TASKS[fn].submit(*args),
        first_done=_first_done,
        call=lambda fn, *args: TASKS[fn](*args),
        workers=settings.worker_count,
        worker_threads=translate_threads(settings),
        local_units=not settings.dask_address,
    )


def run_pipeline(flow_name: str, paths: list[str] | None, settings: Settings, **options: Any) -> RunReport:
    """One run of the library's loop on the flow's task runner, reported to Prefect.

    `options` are `runloop.run`'s own (window, force, other_models, feeds, sitemaps, sites,
    since), passed through: the loop is where they mean something."""
    logger = get_run_logger()
    with workers_report_here():
        report = runloop.run(flow_name, paths, settings, executor(settings), log=logger, **options)
    for line in report.lines():
        logger.info(line, extra={SUMMARY: True})
    publish(report)
    return report


def settings_for(warehouse: str | None, batch_size: int | None) -> Settings:
    overrides = {k: v for k, v in {"warehouse": warehouse, "batch_size": batch_size}.items() if v}
    return Settings(**overrides)
