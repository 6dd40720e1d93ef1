"""What reading a feed, a sitemap or a site yields: the articles to fetch, and its own records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from babelfeed.article import LedgerEntry, Reject, SourceRef
from babelfeed.warehouse.ledger import Lookup


@dataclass
class Listing:
    refs: list[SourceRef] = field(default_factory=list)  # items not ingested before
    rejects: list[Reject] = field(default_factory=list)
    ledger: list[LedgerEntry] = field(default_factory=list)  # the listings' own entries
    already_seen: int = 0  # items ingested before: not fetched again
    too_old: int = 0  # items dated before --since

    def extend(self, other: Listing) -> None:
        self.refs.extend(other.refs)
        self.rejects.extend(other.rejects)
        self.ledger.extend(other.ledger)
        self.already_seen += other.already_seen
        self.too_old += other.too_old


Known = Mapping[str, LedgerEntry] | Lookup


def known_entries(ledger: Known, uris: Iterable[str]) -> dict[str, LedgerEntry]:
    """The ledger entries of `uris`, read in one pass over their buckets."""
    uris = list(dict.fromkeys(uris))
    if isinstance(ledger, Lookup):
        return ledger.get_many(uris)
    return {u: ledger[u] for u in uris if u in ledger}


def fetched_before(entry: LedgerEntry | None) -> bool:
    """An item ingested before (article or container) is never fetched again from a listing;
    one that was rejected is tried again while it is listed."""
    return entry is not None and entry.outcome != "reject"


def merge_refs(refs: Iterable[SourceRef]) -> list[SourceRef]:
    """One ref per URI (the first), given what the others knew that it did not (a feed's title,
    a sitemap's publication date): the same article listed twice is fetched once."""
    merged: dict[str, SourceRef] = {}
    for ref in refs:
        first = merged.get(ref.uri)
        if first is None:
            merged[ref.uri] = ref
            continue
        merged[ref.uri] = replace(
            first, title=first.title or ref.title, published_at=first.published_at or ref.published_at,
            language=first.language or ref.language,
        )
    return list(merged.values())
