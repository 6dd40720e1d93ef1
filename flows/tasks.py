"""Prefect tasks around babelfeed's stages, and the run skeleton both flows share.

A run is a stream: units of work (a batch of tens of inputs, or one shard of a container)
are produced lazily, at most BABELFEED_MAX_IN_FLIGHT of them are submitted and not yet
back, and results are committed in chunks as they arrive (see `babelfeed.runs.RunWriter`).
Memory therefore follows the chunk and the batches in flight, never the size of the run, and
a run killed at any instant loses at most the chunk in hand. The whole run holds the
warehouse lock.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, as_completed
from prefect.tasks import exponential_backoff

from babelfeed.article import BatchResult, LedgerEntry, SourceRef
from babelfeed.backlog import find_backlog
from babelfeed.errors import explain
from babelfeed.incremental import Window, WorkUnit, file_size, plan, work_units
from babelfeed.pipeline import BatchOutcome, process_batch, retranslate
from babelfeed.progress import Progress
from babelfeed.runs import RunContext, RunReport, RunWriter, fail_run, new_run_id, start_run
from babelfeed.settings import Settings
from babelfeed.sources import discover, is_url, url_refs
from babelfeed.sources import discovery as listings
from babelfeed.sources.hosts import interleave
from babelfeed.sources.http import client as http_client
from babelfeed.sources.listing import merge_refs
from babelfeed.translate import TranslationStats, device_for
from babelfeed.warehouse import ledger
from babelfeed.warehouse.lock import warehouse_lock
from babelfeed_flows.artifacts import publish
from babelfeed_flows.logs import quiet_tracebacks
from babelfeed_flows.runners import translate_threads

DEFAULT_PATHS = ["seeds"]
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
    refs: tuple[SourceRef, ...], settings: Settings, run_id: str, known: dict[str, LedgerEntry], force: bool
) -> BatchOutcome:
    outcome = process_batch(list(refs), settings, run_id, known, force)
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
) -> tuple[BatchOutcome, list[SourceRef]]:
    """Find the feeds and sitemaps of each site, read every feed and sitemap (conditionally),
    and list their items not fetched before."""
    known = ledger.Lookup(settings.warehouse)  # the items' entries are read as they are met
    policy = settings.http_policy(run_id)
    with http_client(policy) as client:
        found = listings.discover(client, policy, known, run_id, feeds=feeds, sitemaps=sitemaps, sites=sites,
                                  since=since, discovery_ttl=settings.discovery_ttl)
    for line in found.lines:
        get_run_logger().info(line)
    result = BatchResult(rejects=found.listing.rejects, ledger=found.listing.ledger)
    return BatchOutcome(result, TranslationStats()), found.listing.refs


@task(name="retranslate-backlog", cache_policy=NO_CACHE, **_RETRIES)
def backlog_task(backlog: list[tuple[str, str]], settings: Settings) -> BatchOutcome:
    """Translate one batch of stored articles again (read from the warehouse by the worker)."""
    return retranslate(backlog, settings)


def _bounded(
    units: Iterator[WorkUnit | BatchResult], submit: Callable[[WorkUnit], PrefectFuture], limit: int
) -> Iterator[tuple[WorkUnit | None, BatchOutcome | BatchResult]]:
    """Submit units as results come back, never more than `limit` in flight; yield each unit
    with its result in the order they finish. Units are drawn from the (lazy) iterator only
    when there is room, so a container is split only when its turn comes."""
    in_flight: dict[PrefectFuture, WorkUnit] = {}

    def first_done() -> tuple[WorkUnit, BatchOutcome]:
        done = next(as_completed(list(in_flight)))
        return in_flight.pop(done), done.result()

    for unit in units:
        if isinstance(unit, BatchResult):  # settled while planning (an unchanged container)
            yield None, unit
            continue
        in_flight[submit(unit)] = unit
        while len(in_flight) >= limit:
            yield first_done()
    while in_flight:
        yield first_done()


class _Bar:
    """A rich progress bar on a terminal; nothing when stderr is a file or a pipe."""

    def __init__(self, total: float) -> None:
        self.bar = None
        if sys.stderr.isatty() and total > 0:
            from rich.progress import Progress as RichProgress

            self.bar = RichProgress(transient=True)
            self.task = self.bar.add_task("ingesting", total=total)
            self.bar.start()

    def advance(self, size: float) -> None:
        if self.bar is not None:
            self.bar.advance(self.task, size)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _batches(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def run_pipeline(
    flow_name: str,
    paths: list[str] | None,
    settings: Settings,
    window: Window | None = None,
    force: bool = False,
    other_models: bool = False,
    feeds: list[str] | None = None,
    sitemaps: list[str] | None = None,
    sites: list[str] | None = None,
    since: date | None = None,
) -> RunReport:
    """Discover, plan against the ledger, process units as they fit, commit in chunks.

    `paths` may mix files, folders and http(s) URLs; `feeds` are RSS/Atom URLs, `sitemaps`
    sitemap (or index) URLs, `sites` homepages whose feeds and sitemaps are found; `since`
    skips listed items dated before it.
    """
    logger = get_run_logger()
    started = time.monotonic()
    # Before any work: a GPU asked for and absent stops the run here, with what to do.
    threaded = settings.model_copy(update={"translate_threads": translate_threads(settings)})
    device = device_for(threaded)
    work_settings = threaded.model_copy(update={
        "translate_device": device.name,  # concrete, so workers do not decide again
        "translate_compute_type": device.compute_type,
    })
    feeds, sitemaps, sites = list(feeds or []), list(sitemaps or []), list(sites or [])
    listed = bool(feeds or sitemaps or sites)
    paths = list(paths or ([] if listed else DEFAULT_PATHS))
    urls = [p for p in paths if is_url(p)]
    refs = discover([p for p in paths if not is_url(p)]) + url_refs(urls)
    parameters = {"paths": paths, "warehouse": settings.warehouse, "batch_size": settings.batch_size}
    parameters.update({k: v for k, v in (("feeds", feeds), ("sitemaps", sitemaps), ("sites", sites)) if v})
    if since:
        parameters["since"] = since.isoformat()
    if window:
        parameters.update(start=window.start.isoformat(), end=window.end.isoformat())
    if force or other_models:
        parameters.update(force=force, retranslate=other_models)
    context = RunContext(new_run_id(), flow_name, datetime.now(UTC), json.dumps(parameters), window)
    workers = settings.worker_count
    with warehouse_lock(
        settings.state_path, context.run_id, settings.lock_timeout, on_wait=logger.warning, label=settings.warehouse
    ):
        heal = start_run(settings, context)
        try:
            if (urls or listed) and not settings.respect_robots:
                logger.warning("robots.txt is not read (BABELFEED_RESPECT_ROBOTS=false): fetch only from "
                               "sites that are yours or allow it")
            known = ledger.load(settings.warehouse, [r.uri for r in refs])
            settled: list[BatchOutcome] = []
            if listed:
                listed_outcome, listed_refs = listings_task(feeds, sitemaps, sites, since, settings, context.run_id)
                known.update(ledger.load(settings.warehouse, [r.uri for r in listed_refs]))
                refs = refs + listed_refs
                settled.append(listed_outcome)
            # One ref per URL; hosts taken in turn, so each batch's worker fetches many at once.
            refs = interleave(merge_refs(refs), lambda r: r.location if r.kind == "url" else None)
            work = plan(refs, known, window, force)
            del known, refs
            logger.info(
                "run %s: %d inputs, %d to process, %d unchanged, %d outside the window; %d workers%s",
                context.run_id, work.discovered, len(work.todo), work.unchanged, work.outside_window,
                workers, "; healing after a run that did not finish" if heal else "",
            )
            writer = RunWriter(settings, context, work.known, heal)
            progress = Progress(total_bytes=float(sum(file_size(r) for r in work.todo)))
            bar = _Bar(progress.total_bytes)
            try:
                units = work_units(work, settings.batch_size, context.run_id)

                def submit(unit: WorkUnit) -> PrefectFuture:
                    return process_batch_task.submit(unit.refs, work_settings, context.run_id, unit.known, work.force)

                for unit, outcome in _bounded(units, submit, settings.in_flight):
                    committed = writer.add(outcome, unit.container if unit else None)
                    articles = len(outcome.result.articles if isinstance(outcome, BatchOutcome) else outcome.articles)
                    progress.advance(unit.size if unit else 0.0, articles)
                    bar.advance(unit.size if unit else 0.0)
                    if committed:
                        logger.info("%s; %d commits", progress.line(), writer.commits)
            finally:
                bar.close()
            # The listings' own entries (validators, what a site has) go last: a run killed
            # before its items are committed reads the feeds and sitemaps again, in full.
            for outcome in settled:
                writer.add(outcome)

            backlog = find_backlog(settings, window, other_models, frozenset(r.uri for r in work.todo))
            if backlog:
                logger.info("re-translating %d stored articles", len(backlog))
                for _, outcome in _bounded(
                    _batches(backlog, settings.batch_size), lambda b: backlog_task.submit(b, work_settings),
                    settings.in_flight,
                ):
                    writer.add(outcome, retranslated=True)
            report = writer.finish(work, time.monotonic() - started, workers, device)
        except BaseException as exc:
            try:
                fail_run(settings, context, exc)
            except Exception as also:  # the disk that failed the run may refuse its record too
                logger.warning("could not record the run as failed: %s", also)
            raise
    for line in report.lines():
        logger.info(line)
    publish(report)
    return report


def settings_for(warehouse: str | None, batch_size: int | None) -> Settings:
    overrides = {k: v for k, v in {"warehouse": warehouse, "batch_size": batch_size}.items() if v}
    return Settings(**overrides)
