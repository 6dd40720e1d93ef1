"""Prefect flows that wire babelfeed's stages into tasks (installed as `babelfeed_flows`)."""

import atexit
import gc
import os

# babelfeed's own log lines (model installs, skipped packages, per-input failures) belong in
# the Prefect run log next to the flow's. Must be set before Prefect configures logging.
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "babelfeed")


def exit_without_final_collection() -> None:
    """At this process's exit, after the exit handlers registered later (Prefect's flush of
    logs and events among them), freeze the heap so the interpreter's last garbage
    collections skip it. A process that imported Prefect and the stages spent 1.5 to 2 s of a
    busy machine there, freeing memory it was about to give back whole: the command's user
    waited for it, and so did every run whose process pool waits for its workers to end.
    Files and streams are flushed and closed as before."""
    atexit.register(gc.freeze)
