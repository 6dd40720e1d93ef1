"""Readers that turn what the user names into `SourceItem`s (raw bytes + provenance).

Every kind of input goes through one interface. Discovery is cheap (names, sizes, times, feed
items) so a flow can plan and batch it; `read` happens inside a batch, so bytes never travel
between workers, and returns a `Reading`: the items (one for a page, many for a WARC or JSONL
file) or rejects, and what the ledger needs to recognise the input next time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import httpx

from babelfeed.article import LedgerEntry, SourceRef
from babelfeed.sources.files import SUPPORTED_SUFFIXES, SourceNotFoundError, discover, read_file
from babelfeed.sources.hosts import each_by_host
from babelfeed.sources.http import HttpPolicy
from babelfeed.sources.reading import Reading
from babelfeed.sources.urls import read_url, url_refs

#: Hosts one worker fetches at once (threads waiting on the network, each for its host's turn).
FETCH_THREADS = 16


def is_url(name: str) -> bool:
    return name[:8].lower().startswith(("http://", "https://"))  # schemes are case-insensitive


def read(
    ref: SourceRef, max_bytes: int, known: LedgerEntry | None, http: httpx.Client | None, policy: HttpPolicy
) -> Reading:
    """Read one input. `known` is what the ledger recorded (None to force a full read)."""
    if ref.kind == "url":
        if http is None:
            raise ValueError("reading a URL needs an HTTP client")
        return read_url(ref, http, policy, known)
    return read_file(ref, max_bytes, known)


def read_each(
    refs: list[SourceRef], max_bytes: int, known: Mapping[str, LedgerEntry], http: httpx.Client | None,
    policy: HttpPolicy,
) -> Iterator[tuple[SourceRef, Reading]]:
    """Read every input of a batch, yielding each with its reading as it is ready: URLs first,
    fetched side by side for different hosts (each host's requests in turn, see
    `hosts.each_by_host`), so a worker never waits out one host's delay with nothing to do;
    then files, in order."""
    urls = [r for r in refs if r.kind == "url"]
    if urls:
        if http is None:
            raise ValueError("reading a URL needs an HTTP client")
        yield from each_by_host(
            urls, lambda r: r.location, lambda r: read_url(r, http, policy, known.get(r.uri)), FETCH_THREADS,
        )
    for ref in refs:
        if ref.kind != "url":
            yield ref, read_file(ref, max_bytes, known.get(ref.uri))


__all__ = [
    "SUPPORTED_SUFFIXES", "HttpPolicy", "Reading", "SourceNotFoundError", "discover", "is_url", "read", "read_each",
    "url_refs",
]
