"""One run, from discovery to its report, on whatever executes its units of work.

A run is a stream: units of work (a batch of tens of inputs, or one shard of a container)
are produced lazily, at most BABELFEED_MAX_IN_FLIGHT of them are out and not yet back, and
results are committed in chunks as they arrive (`babelfeed.runs.RunWriter`). Memory
therefore follows the chunk and the units in flight, never the size of the run, and a run
killed at any instant loses at most the chunk in hand. The whole run holds the warehouse
lock.

The loop decides what to do and when; an `Executor` says where units run. `flows/` drives it
with Prefect's task runners (every unit a task run, on the process pool, threads or Dask),
`in_process()` with a plain loop in this process, `pool()` with any concurrent.futures
executor. Workers cost seconds each to start (an interpreter, the stages' imports, a
translation model), so a run pays for them only when there is work for them: a run with
nothing to do starts none, and a run whose work is a single unit runs it in this process
(`Executor.call`) where the executor allows it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures import Executor as FuturesExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import chain
from typing import Any, Protocol

from babelfeed.article import BatchResult, SourceRef
from babelfeed.backlog import find_backlog
from babelfeed.incremental import Window, WorkUnit, file_size, plan, work_units
from babelfeed.pipeline import BatchOutcome, process_batch, retranslate
from babelfeed.progress import Bar, Progress
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

DEFAULT_PATHS = ["seeds"]
_log = logging.getLogger(__name__)


class Pending(Protocol):
    """What `Executor.submit` returns: something that will have a result."""

    def result(self) -> Any: ...


def _call_here(fn: Callable[..., Any], *args: Any) -> Any:
    return fn(*args)


@dataclass
class Executor:
    """Where a run's units of work run.

    `submit(fn, *args)` starts `fn(*args)` on a worker and returns a `Pending`;
    `first_done(pending)` blocks until one of them is done and returns it; `call(fn, *args)`
    runs it in this process now. `fn` is one of babelfeed's own unit functions
    (`pipeline.process_batch`, `pipeline.retranslate`, `fetch_listings`), so an executor may run
    its own wrapper for each (flows/ runs Prefect tasks). `workers` is how many processes
    submitted units may run on, `worker_threads` the CTranslate2 threads each may use (0: the
    settings' own), and `local_units` whether a run whose work is one unit may run it here
    rather than on a worker (not on a Dask cluster: the cluster is where the work belongs).
    """

    submit: Callable[..., Pending]
    first_done: Callable[[list[Pending]], Pending]
    call: Callable[..., Any] = _call_here
    workers: int = 1
    worker_threads: int = 0
    local_units: bool = True


def in_process() -> Executor:
    """A plain loop: every unit runs in this process as it is submitted."""

    def submit(fn: Callable[..., Any], *args: Any) -> Future:
        done: Future = Future()
        try:
            done.set_result(fn(*args))
        except Exception as exc:
            done.set_exception(exc)
        return done

    return Executor(submit=submit, first_done=lambda pending: pending[0], workers=0)


def pool(executor: FuturesExecutor, workers: int, worker_threads: int = 0) -> Executor:
    """Units on a concurrent.futures executor (a process or thread pool) of `workers`."""

    def first_done(pending: list[Pending]) -> Pending:
        return next(iter(wait(pending, return_when=FIRST_COMPLETED).done))  # type: ignore[arg-type]

    return Executor(submit=executor.submit, first_done=first_done, workers=workers, worker_threads=worker_threads)


@dataclass
class Listed:
    """What reading the sites, feeds and sitemaps found: their own ledger entries and
    rejects, and the items not fetched before."""

    outcome: BatchOutcome
    refs: list[SourceRef]
    notes: list[str]  # a line per site, feed or sitemap, for the run log


def fetch_listings(
    feeds: list[str], sitemaps: list[str], sites: list[str], since: date | None, settings: Settings, run_id: str,
) -> Listed:
    """Find the feeds and sitemaps of each site, read every feed and sitemap (conditionally,
    politely), and list their items not fetched before (and not dated before `since`)."""
    known = ledger.Lookup(settings.warehouse)  # the items' entries are read as they are met
    policy = settings.http_policy(run_id)
    with http_client(policy) as client:
        found = listings.discover(client, policy, known, run_id, feeds=feeds, sitemaps=sitemaps, sites=sites,
                                  since=since, discovery_ttl=settings.discovery_ttl)
    result = BatchResult(rejects=found.listing.rejects, ledger=found.listing.ledger)
    return Listed(BatchOutcome(result, TranslationStats()), found.listing.refs, found.lines)


@dataclass
class _Dispatch:
    """Where each unit goes: a worker, or (a run of one unit) this process."""

    executor: Executor
    limit: int
    submitted: int = 0  # units given to workers

    @property
    def workers(self) -> int:
        """Workers the run may have used: a pool starts one per unit up to its size."""
        return min(self.executor.workers, self.submitted)

    def run(self, fn: Callable[..., Any], jobs: Iterable[tuple[Any, tuple]], here: bool) -> Iterator[tuple[Any, Any]]:
        """(job, result) for each job `(key, args)`, in the order they finish; units are drawn
        from the (lazy) `jobs` only when there is room, so a container is split only when its
        turn comes. Items that are not jobs (results settled while planning) pass through as
        (None, item)."""
        if here and self.executor.local_units:
            for job in jobs:
                yield (None, job) if isinstance(job, BatchResult) else (job[0], self.executor.call(fn, *job[1]))
            return
        in_flight: dict[Pending, Any] = {}

        def first_done() -> tuple[Any, Any]:
            done = self.executor.first_done(list(in_flight))
            return in_flight.pop(done), done.result()

        for job in jobs:
            if isinstance(job, BatchResult):
                yield None, job
                continue
            self.submitted += 1
            in_flight[self.executor.submit(fn, *job[1])] = job[0]
            while len(in_flight) >= self.limit:
                yield first_done()
        while in_flight:
            yield first_done()


def _at_most_one(items: Iterator[Any], is_job: Callable[[Any], bool]) -> tuple[Iterator[Any], bool]:
    """The same items, and whether they hold at most one job (drawing at most two of them)."""
    head: list[Any] = []
    jobs = 0
    for item in items:
        head.append(item)
        jobs += is_job(item)
        if jobs == 2:
            break
    return chain(head, items), jobs <= 1


def _batches(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def run(
    flow_name: str,
    paths: list[str] | None,
    settings: Settings,
    executor: Executor,
    window: Window | None = None,
    force: bool = False,
    other_models: bool = False,
    feeds: list[str] | None = None,
    sitemaps: list[str] | None = None,
    sites: list[str] | None = None,
    since: date | None = None,
    log: logging.Logger | logging.LoggerAdapter = _log,
) -> RunReport:
    """Discover, plan against the ledger, process units as they fit, commit in chunks.

    `paths` may mix files, folders and http(s) URLs; `feeds` are RSS/Atom URLs, `sitemaps`
    sitemap (or index) URLs, `sites` homepages whose feeds and sitemaps are found; `since`
    skips listed items dated before it. `log` receives the run's progress (the flows pass
    Prefect's run logger).
    """
    started = time.monotonic()
    # Before any work: a GPU asked for and absent stops the run here, with what to do.
    threads = executor.worker_threads or settings.translate_threads
    device = device_for(settings.model_copy(update={"translate_threads": threads}))
    pinned = {"translate_device": device.name, "translate_compute_type": device.compute_type}
    on_workers = settings.model_copy(update={**pinned, "translate_threads": threads})
    here = settings.model_copy(update=pinned)  # a unit run in this process: every core
    feeds, sitemaps, sites = list(feeds or []), list(sitemaps or []), list(sites or [])
    listed = bool(feeds or sitemaps or sites)
    paths = list(paths or ([] if listed else DEFAULT_PATHS))
    urls = [p for p in paths if is_url(p)]
    refs = discover([p for p in paths if not is_url(p)]) + url_refs(urls)
    parameters: dict[str, Any] = {"paths": paths, "warehouse": settings.warehouse, "batch_size": settings.batch_size}
    parameters.update({k: v for k, v in (("feeds", feeds), ("sitemaps", sitemaps), ("sites", sites)) if v})
    if since:
        parameters["since"] = since.isoformat()
    if window:
        parameters.update(start=window.start.isoformat(), end=window.end.isoformat())
    if force or other_models:
        parameters.update(force=force, retranslate=other_models)
    context = RunContext(new_run_id(), flow_name, datetime.now(UTC), json.dumps(parameters), window)
    dispatch = _Dispatch(executor, settings.in_flight)
    with warehouse_lock(
        settings.state_path, context.run_id, settings.lock_timeout, on_wait=log.warning, label=settings.warehouse
    ):
        heal = start_run(settings, context)
        try:
            if (urls or listed) and not settings.respect_robots:
                log.warning("robots.txt is not read (BABELFEED_RESPECT_ROBOTS=false): fetch only from "
                            "sites that are yours or allow it")
            known = ledger.load(settings.warehouse, [r.uri for r in refs])
            settled: list[BatchOutcome] = []
            if listed:
                found: Listed = executor.call(fetch_listings, feeds, sitemaps, sites, since, settings, context.run_id)
                for note in found.notes:
                    log.info(note)
                known.update(ledger.load(settings.warehouse, [r.uri for r in found.refs]))
                refs = refs + found.refs
                settled.append(found.outcome)
            # One ref per URL; hosts taken in turn, so each batch's worker fetches many at once.
            refs = interleave(merge_refs(refs), lambda r: r.location if r.kind == "url" else None)
            work = plan(refs, known, window, force)
            del known, refs
            writer = RunWriter(settings, context, work.known, heal)
            units, one = _at_most_one(work_units(work, settings.batch_size, context.run_id),
                                      lambda u: isinstance(u, WorkUnit))
            one = one and executor.local_units
            log.info(
                "run %s: %d inputs, %d to process, %d unchanged, %d outside the window; %s%s",
                context.run_id, work.discovered, len(work.todo), work.unchanged, work.outside_window,
                "no worker needed" if not work.todo else "in this process (one unit of work)" if one
                else f"{executor.workers} workers", "; healing after a run that did not finish" if heal else "",
            )
            progress = Progress(total_bytes=float(sum(file_size(r) for r in work.todo)))
            bar = Bar(progress.total_bytes)
            try:
                jobs = (
                    u if isinstance(u, BatchResult)
                    else (u, (list(u.refs), here if one else on_workers, context.run_id, u.known, work.force))
                    for u in units
                )
                for unit, outcome in dispatch.run(process_batch, jobs, one):
                    committed = writer.add(outcome, unit.container if unit else None)
                    articles = len(outcome.result.articles if isinstance(outcome, BatchOutcome) else outcome.articles)
                    progress.advance(unit.size if unit else 0.0, articles)
                    bar.advance(unit.size if unit else 0.0)
                    if committed:
                        log.info("%s; %d commits", progress.line(), writer.commits)
            finally:
                bar.close()
            # The listings' own entries (validators, what a site has) go last: a run killed
            # before its items are committed reads the feeds and sitemaps again, in full.
            for outcome in settled:
                writer.add(outcome)

            backlog = find_backlog(settings, window, other_models, frozenset(r.uri for r in work.todo))
            if backlog:
                small = len(backlog) <= settings.batch_size and not dispatch.submitted
                log.info("re-translating %d stored articles%s", len(backlog), " in this process" if small else "")
                batches = ((None, (batch, here if small else on_workers)) for batch in _batches(backlog, settings.batch_size))
                for _, outcome in dispatch.run(retranslate, batches, small):
                    writer.add(outcome, retranslated=True)
            return writer.finish(work, time.monotonic() - started, dispatch.workers, device)
        except BaseException as exc:
            try:
                fail_run(settings, context, exc)
            except Exception as also:  # the disk that failed the run may refuse its record too
                log.warning("could not record the run as failed: %s", also)
            raise
