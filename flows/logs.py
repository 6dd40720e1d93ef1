"""A failure reads as one line on the console; its traceback only with --debug.

The errors a user meets (a damaged file, a full disk, a denied folder) are explained in one
line by the command that ran the flow; Prefect's engine also logs every exception raised in a
flow or a task, with its traceback, to the console. That traceback is for debugging: it stays
in the Prefect run log (the API handler keeps it, and runs before the console's) and reaches
the console only with BABELFEED_DEBUG=1 (`babelfeed --debug`).
"""

from __future__ import annotations

import logging
import os

from prefect.logging.handlers import PrefectConsoleHandler


def debugging() -> bool:
    return os.environ.get("BABELFEED_DEBUG", "").lower() in ("1", "true", "yes")


class _WithoutTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = record.exc_text = record.stack_info = None
        return True


def quiet_tracebacks() -> None:
    """Keep tracebacks off Prefect's console handlers of this process (unless debugging).

    Called where the flows' modules are imported, in the command's process and in every
    worker process, once Prefect has configured its logging."""
    if debugging():
        return
    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler) and not any(
            isinstance(f, _WithoutTraceback) for f in handler.filters
        ):
            handler.addFilter(_WithoutTraceback())
