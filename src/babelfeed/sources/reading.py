"""What reading one input produced (shared by every kind of source)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from babelfeed.article import Reject, SourceItem


@dataclass
class Reading:
    #: A list, or for a container shard a stream read as it is consumed (never held whole).
    items: Iterable[SourceItem | Reject]
    content_hash: str | None
    fingerprint: str  # what the ledger keeps to recognise the input next time
    unchanged: bool = False  # same bytes as last time (or HTTP 304): nothing to do
    container: bool = False  # a WARC or JSONL file: many items under one input
