"""Deployments of the ingest and backfill flows, for `babelfeed serve` (one process).

Users with a work pool and worker get the same two deployments from prefect.yaml. Overlapping
runs are stopped twice over: each deployment allows one run at a time (a scheduled ingest that
would overlap the previous one is cancelled, a backfill is queued), and across deployments the
warehouse lock makes the second run wait.
"""

from __future__ import annotations

from prefect import serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

from babelfeed_flows.backfill import backfill
from babelfeed_flows.ingest import ingest

INGEST = "babelfeed-ingest"
BACKFILL = "babelfeed-backfill"
DEFAULT_CRON = "0 * * * *"  # hourly


def build(
    paths: list[str] | None = None,
    warehouse: str | None = None,
    cron: str | None = None,
    interval: float | None = None,
    feeds: list[str] | None = None,
    sitemaps: list[str] | None = None,
    sites: list[str] | None = None,
):
    """The two runner deployments; `interval` (seconds) wins over `cron`. Scheduled ingests
    read `feeds`, `sitemaps` and `sites` too (backfills replay paths only)."""
    common = {"paths": paths, "warehouse": warehouse}
    common = {k: v for k, v in common.items() if v is not None}
    listed = {k: v for k, v in {"feeds": feeds, "sitemaps": sitemaps, "sites": sites}.items() if v}
    schedule = {"interval": interval} if interval else {"cron": cron or DEFAULT_CRON}
    return [
        ingest.to_deployment(
            name=INGEST,
            parameters={**common, **listed},
            concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW),
            description="Ingest new and changed inputs into the warehouse (scheduled).",
            tags=["babelfeed"],
            **schedule,
        ),
        backfill.to_deployment(
            name=BACKFILL,
            parameters=common,
            concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE),
            description="Replay a window of observed dates: run with -p start=YYYY-MM-DD -p end=YYYY-MM-DD.",
            tags=["babelfeed"],
        ),
    ]


def serve_all(**kwargs) -> None:
    """Serve both deployments from this process until interrupted."""
    serve(*build(**kwargs))
