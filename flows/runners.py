"""Where the flows' tasks run: threads in the flow's process, or a Dask cluster.

Scale-out uses an existing engine rather than our own: prefect-dask's DaskTaskRunner sends
each batch task to a Dask worker. Batches carry only file references and settings (bytes are
read on the worker), each worker loads a translation model once, and the translation cache is
shared through SQLite. The choice is made when the flow module is imported, from
BABELFEED_DASK_ADDRESS (which `--dask-address` sets), so served deployments follow the
environment of the process that serves them.
"""

from __future__ import annotations

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from babelfeed.settings import Settings


def task_runner(address: str | None = None) -> TaskRunner:
    """A task runner for `address`: None for threads, `local` for a LocalCluster, or a scheduler."""
    address = address if address is not None else Settings().dask_address
    if not address:
        return ThreadPoolTaskRunner()
    from prefect_dask import DaskTaskRunner

    if address == "local":
        return DaskTaskRunner()  # a LocalCluster sized to this machine
    return DaskTaskRunner(address=address)
