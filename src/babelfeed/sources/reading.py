"""What reading one input produced (shared by every kind of source)."""

from __future__ import annotations

from dataclasses import dataclass

from babelfeed.article import Reject, SourceItem


@dataclass
class Reading:
    items: list[SourceItem | Reject]
    content_hash: str | None
    fingerprint: str  # what the ledger keeps to recognise the input next time
    unchanged: bool = False  # same bytes as last time (or HTTP 304): nothing to do
    container: bool = False  # a WARC or JSONL file: many items under one input
