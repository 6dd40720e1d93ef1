"""Readers that turn what the user names into `SourceItem`s (raw bytes + provenance).

Every kind of input goes through one interface. Discovery is cheap (names, sizes, times, feed
items) so a flow can plan and batch it; `read` happens inside a batch, so bytes never travel
between workers, and returns a `Reading`: the items (one for a page, many for a WARC or JSONL
file) or rejects, and what the ledger needs to recognise the input next time.
"""

from __future__ import annotations

import httpx

from babelfeed.article import LedgerEntry, SourceRef
from babelfeed.sources.files import SUPPORTED_SUFFIXES, SourceNotFoundError, discover, read_file
from babelfeed.sources.http import HttpPolicy
from babelfeed.sources.reading import Reading
from babelfeed.sources.urls import read_url, url_refs


def is_url(name: str) -> bool:
    return name.startswith(("http://", "https://"))


def read(
    ref: SourceRef, max_bytes: int, known: LedgerEntry | None, http: httpx.Client | None, policy: HttpPolicy
) -> Reading:
    """Read one input. `known` is what the ledger recorded (None to force a full read)."""
    if ref.kind == "url":
        if http is None:
            raise ValueError("reading a URL needs an HTTP client")
        return read_url(ref, http, policy, known)
    return read_file(ref, max_bytes, known)


__all__ = [
    "SUPPORTED_SUFFIXES", "HttpPolicy", "Reading", "SourceNotFoundError", "discover", "is_url", "read", "url_refs",
]
