"""Prefect tasks around babelfeed's stages, and the run skeleton both flows share.

Batches of tens to hundreds of inputs per task keep Prefect's per-task overhead negligible
and let translation batch sentences across articles. The whole run holds the warehouse lock;
all writes happen in one commit at the end, so a failed batch never leaves tables that
disagree.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from prefect import get_run_logger, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from babelfeed.article import BatchResult, LedgerEntry, SourceRef
from babelfeed.backlog import find_backlog
from babelfeed.incremental import Plan, Window, plan
from babelfeed.pipeline import BatchOutcome, process_batch, translate_batch
from babelfeed.runs import RunContext, RunReport, commit_run, fail_run, new_run_id, start_run
from babelfeed.settings import Settings
from babelfeed.sources import discover, is_url, url_refs
from babelfeed.sources.feeds import discover_feed
from babelfeed.sources.http import client as http_client
from babelfeed.translate import TranslationStats
from babelfeed.warehouse import ledger
from babelfeed.warehouse.lock import warehouse_lock
from babelfeed_flows.artifacts import publish

DEFAULT_PATHS = ["seeds"]


# A batch writes nothing, so retrying it is safe; per-input problems are rejects, not errors,
# so what is retried here is what is transient (a worker lost, a model file busy).
@task(name="process-batch", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=exponential_backoff(backoff_factor=5))
def process_batch_task(
    refs: list[SourceRef], settings: Settings, run_id: str, known: dict[str, LedgerEntry], force: bool
) -> BatchOutcome:
    outcome = process_batch(refs, settings, run_id, known, force)
    get_run_logger().info(
        "batch of %d inputs: %d articles, %d rejects, %d unchanged",
        len(refs), len(outcome.result.articles), len(outcome.result.rejects),
        outcome.result.outcomes["unchanged"],
    )
    return outcome


@task(name="discover-feeds", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=exponential_backoff(backoff_factor=5))
def feeds_task(
    feeds: list[str], settings: Settings, known: dict[str, LedgerEntry], run_id: str
) -> tuple[BatchOutcome, list[SourceRef]]:
    """Fetch each feed (conditionally) and list its items not fetched before."""
    found = BatchResult()
    refs: list[SourceRef] = []
    policy = settings.http_policy()
    with http_client(policy) as client:
        for feed in feeds:
            discovery = discover_feed(feed, client, policy, known, run_id)
            refs.extend(discovery.refs)
            found.rejects.extend(discovery.rejects)
            found.ledger.extend(discovery.ledger)
            get_run_logger().info(
                "feed %s: %d new items, %d fetched before%s", feed, len(discovery.refs), discovery.already_seen,
                "; rejected: " + discovery.rejects[0].detail if discovery.rejects else "",
            )
    return BatchOutcome(found, TranslationStats()), refs


@task(name="retranslate-backlog", cache_policy=NO_CACHE)
def backlog_task(
    settings: Settings, window: Window | None, other_models: bool, exclude_uris: frozenset[str]
) -> BatchOutcome | None:
    articles = find_backlog(settings, window, other_models, exclude_uris)
    if not articles:
        return None
    get_run_logger().info("re-translating %d stored articles", len(articles))
    return translate_batch(articles, settings, BatchResult())


@task(name="commit", cache_policy=NO_CACHE)
def commit_task(
    outcomes: list[BatchOutcome], settings: Settings, context: RunContext, plan: Plan,
    retranslated: BatchOutcome | None,
) -> RunReport:
    return commit_run(outcomes, settings, context, plan, retranslated)


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def run_pipeline(
    flow_name: str,
    paths: list[str] | None,
    settings: Settings,
    window: Window | None = None,
    force: bool = False,
    other_models: bool = False,
    feeds: list[str] | None = None,
) -> RunReport:
    """Discover, plan against the ledger, process in batches, re-translate, commit.

    `paths` may mix files, folders and http(s) URLs; `feeds` are RSS/Atom URLs.
    """
    logger = get_run_logger()
    feeds = list(feeds or [])
    paths = list(paths or ([] if feeds else DEFAULT_PATHS))
    urls = [p for p in paths if is_url(p)]
    refs = discover([p for p in paths if not is_url(p)]) + url_refs(urls)
    parameters = {"paths": paths, "warehouse": settings.warehouse, "batch_size": settings.batch_size}
    if feeds:
        parameters["feeds"] = feeds
    if window:
        parameters.update(start=window.start.isoformat(), end=window.end.isoformat())
    if force or other_models:
        parameters.update(force=force, retranslate=other_models)
    context = RunContext(new_run_id(), flow_name, datetime.now(UTC), json.dumps(parameters), window)
    with warehouse_lock(
        settings.state_path, context.run_id, settings.lock_timeout, on_wait=logger.warning, label=settings.warehouse
    ):
        start_run(settings, context)
        try:
            known = ledger.load(settings.warehouse)
            discovered = []
            if feeds:
                feed_outcome, feed_refs = feeds_task(feeds, settings, known, context.run_id)
                refs = refs + feed_refs
                discovered = [feed_outcome]
            work = plan(refs, known, window, force)
            logger.info(
                "run %s: %d inputs, %d to process, %d unchanged, %d outside the window",
                context.run_id, work.discovered, len(work.todo), work.unchanged, work.outside_window,
            )
            batches = _chunks(work.todo, settings.batch_size)
            futures = process_batch_task.map(
                batches, unmapped(settings), unmapped(context.run_id),
                [{r.uri: work.known[r.uri] for r in batch if r.uri in work.known} for batch in batches],
                unmapped(work.force),
            )
            outcomes = list(discovered)
            for i, future in enumerate(futures, 1):
                outcomes.append(future.result())
                logger.info("progress: %d/%d batches done", i, len(batches))
            retranslated = backlog_task(
                settings, window, other_models, frozenset(r.uri for r in work.todo)
            )
            report = commit_task(outcomes, settings, context, work, retranslated)
        except BaseException as exc:
            fail_run(settings, context, exc)
            raise
    for line in report.lines():
        logger.info(line)
    publish(report)
    return report


def settings_for(warehouse: str | None, batch_size: int | None) -> Settings:
    overrides = {k: v for k, v in {"warehouse": warehouse, "batch_size": batch_size}.items() if v}
    return Settings(**overrides)
