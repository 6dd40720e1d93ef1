"""Which Prefect server a command's flow run reports to.

PREFECT_API_URL (or a Prefect profile, prefect.toml, pyproject.toml or .env naming a server)
wins: babelfeed uses that server and starts none. Otherwise the command runs against the local
server of its PREFECT_HOME (`babelfeed_flows.localserver`): it began to find or start it and
named it in PREFECT_API_URL before importing Prefect (so the server's start overlaps the
imports, and Prefect's global settings, which every thread and worker process of the command
reads, name it), and waits here until it answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prefect.settings import PREFECT_API_URL, temporary_settings

from babelfeed_flows.localserver import Starting


@contextmanager
def server_for_command(starting: Starting | None) -> Iterator[str | None]:
    """Inside: the command's server answers and Prefect's settings name it; yields its API URL.

    `starting` is the local server begun by the command (None when the environment names a
    server)."""
    if starting is None:
        yield PREFECT_API_URL.value()
        return
    server = starting.wait()
    if PREFECT_API_URL.value() == server.api_url:
        yield server.api_url
        return
    # Prefect was imported before the command named the server (a command run from Python):
    # its settings context names it, for this thread and the workers it starts.
    with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
        yield server.api_url
