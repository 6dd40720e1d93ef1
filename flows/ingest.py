"""The ingest flow: new and changed inputs into the warehouse, incrementally.

Scheduled runs use this flow: inputs already ingested unchanged are skipped without being
read, and stored articles that a newly installed model can now translate are translated.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from prefect import flow

from babelfeed_flows.runners import task_runner
from babelfeed_flows.tasks import run_pipeline, settings_for


@flow(name="ingest", task_runner=task_runner())
def ingest(
    paths: list[str] | None = None,
    warehouse: str | None = None,
    batch_size: int | None = None,
    feeds: list[str] | None = None,
    sitemaps: list[str] | None = None,
    sites: list[str] | None = None,
    since: date | None = None,
) -> dict:
    """Ingest files, folders and URLs (default: seeds/), and the new items of RSS/Atom feeds,
    sitemaps and the feeds and sitemaps that sites name (items dated before `since` skipped)."""
    return asdict(run_pipeline(
        "ingest", paths, settings_for(warehouse, batch_size), feeds=feeds, sitemaps=sitemaps, sites=sites,
        since=since,
    ))
