"""A failure reads as one line on the console; its traceback only with --debug.

The errors a user meets (a damaged file, a full disk, a denied folder) are explained in one
line by the command that ran the flow; Prefect's engine also logs every exception raised in a
flow or a task, with its traceback, to the console. That traceback is for debugging: it stays
in the Prefect run log (the API handler keeps it, and runs before the console's) and reaches
the console only with BABELFEED_DEBUG=1 (`babelfeed --debug`).
"""

from __future__ import annotations

import logging

from prefect.logging.handlers import PrefectConsoleHandler

from babelfeed.errors import debugging

#: Marks a log record of the run's summary (`extra={SUMMARY: True}`): the command line prints
#: the summary on standard output itself, so its console leaves these records out.
SUMMARY = "babelfeed_summary"


class _WithoutTraceback(logging.Filter):
    def __init__(self, drop: bool) -> None:
        super().__init__()
        self.drop = drop

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and self.drop:
            return False
        record.exc_info = record.exc_text = record.stack_info = None
        return True


def quiet_tracebacks(drop: bool = False) -> None:
    """Keep tracebacks off Prefect's console handlers of this process (unless debugging).

    Called where the flows' modules are imported, in every process that runs flows or tasks,
    once Prefect has configured its logging. `drop`: leave out the records that carry an
    exception altogether, for the command line, which words the failure itself."""
    if debugging():
        return
    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler):
            for old in [f for f in handler.filters if isinstance(f, _WithoutTraceback)]:
                handler.removeFilter(old)
            handler.addFilter(_WithoutTraceback(drop))


class _ConsoleFilter(logging.Filter):
    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= self.level and not getattr(record, SUMMARY, False)


def console_for_command(quiet: bool = False) -> None:
    """The console of `babelfeed ingest|backfill`: progress and log lines on standard error,
    without the summary's lines (the command prints the summary once, on standard output);
    with `quiet`, warnings and errors only. The run log in Prefect keeps every line."""
    level = logging.WARNING if quiet else logging.NOTSET
    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler):
            for old in [f for f in handler.filters if isinstance(f, _ConsoleFilter)]:
                handler.removeFilter(old)
            handler.addFilter(_ConsoleFilter(level))
    if quiet:
        logging.getLogger("distributed").setLevel(logging.WARNING)  # Dask's own console lines
