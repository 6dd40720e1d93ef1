"""Where the flows' tasks run: worker processes (default), threads, or a Dask cluster.

The CPU-bound stages (extraction glue, language detection, segmentation, translation) are
pure Python or hold the GIL, so threads leave all but one core idle. The default is Prefect's
own `ProcessPoolTaskRunner`: one process per core (BABELFEED_WORKERS), each loading a
translation model once and starting trafilatura's time-limited helper process once. Its
processes are not daemonic, so that time limit still holds inside them; Dask's workers are, so
there pages are extracted without it. Scale-out beyond one machine uses prefect-dask's
DaskTaskRunner (BABELFEED_DASK_ADDRESS, or `--dask-address`). The choice is made when the flow
module is imported, so served deployments follow the environment of the process that serves
them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from babelfeed.settings import Settings
from babelfeed_flows import exit_without_final_collection


def task_runner(address: str | None = None, settings: Settings | None = None) -> TaskRunner:
    """A task runner for `address` (a Dask scheduler, or `local` for a LocalCluster), else the
    process pool or, with BABELFEED_RUNNER=thread, a thread pool; both sized by BABELFEED_WORKERS."""
    settings = settings or Settings()
    address = address if address is not None else settings.dask_address
    if address:
        from prefect_dask import DaskTaskRunner

        if address == "local":
            return DaskTaskRunner()  # a LocalCluster sized to this machine
        return DaskTaskRunner(address=address)
    if settings.runner == "thread":
        return ThreadPoolTaskRunner(max_workers=settings.worker_count)
    # The pool's shutdown waits for its workers to end: they end without the final collection.
    return ProcessPoolTaskRunner(max_workers=settings.worker_count, initializer=exit_without_final_collection)


def translate_threads(settings: Settings) -> int:
    """CTranslate2 threads per worker: the cores shared among the worker processes, so that
    two workers on two cores do not each start a pool of four threads."""
    if settings.translate_threads or settings.dask_address or settings.runner == "thread":
        return settings.translate_threads
    return max(1, len(os.sched_getaffinity(0)) // settings.worker_count)


@contextmanager
def workers_report_here() -> Iterator[None]:
    """Inside a flow run: hand the flow's API URL to the task runner's workers.

    Without PREFECT_API_URL, Prefect serves a flow from a temporary server of this process
    whose URL is in no setting, so each worker process of the task runner (process pool or
    Dask) started yet another temporary server: seconds per worker, and a history nobody
    sees. With the URL in the settings context, the process pool passes it to its workers in
    their environment and prefect-dask in each task's context: every task run reports to
    the flow's server. A URL that is already set is left as it is.
    """
    from prefect.context import FlowRunContext
    from prefect.settings import PREFECT_API_URL, temporary_settings

    context = FlowRunContext.get()
    url = str(context.client.api_url).rstrip("/") if context and context.client else ""
    if PREFECT_API_URL.value() or not url.startswith("http"):
        yield
        return
    with temporary_settings(updates={PREFECT_API_URL: url}):
        yield
