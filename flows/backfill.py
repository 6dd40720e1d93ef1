"""The backfill flow: replay a window of observed dates, idempotently.

Every input observed in the window is processed again (the ledger is not consulted), which
yields exactly the rows the scheduled runs over that window would have written. With
`retranslate`, stored articles in the window whose translation is missing or came from
another model version are translated again by the installed model.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from prefect import flow

from babelfeed.incremental import Window
from babelfeed_flows.runners import task_runner
from babelfeed_flows.tasks import run_pipeline, settings_for


@flow(name="backfill", task_runner=task_runner())
def backfill(
    start: date,
    end: date,
    paths: list[str] | None = None,
    warehouse: str | None = None,
    retranslate: bool = False,
    batch_size: int | None = None,
) -> dict:
    """Re-ingest inputs observed between `start` and `end` (inclusive, UTC dates)."""
    window = Window(start, end)
    settings = settings_for(warehouse, batch_size)
    return asdict(run_pipeline("backfill", paths, settings, window=window, force=True, other_models=retranslate))
