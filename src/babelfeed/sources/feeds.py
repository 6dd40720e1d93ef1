"""RSS and Atom feeds: each item's page is fetched once, the feed itself conditionally.

The feed document is fetched with the validators (ETag, Last-Modified) recorded by the last
run, so an unchanged feed costs a 304. Items whose link the ledger already knows are not
fetched again. A feed that declares XML entities is refused before parsing (defusedxml):
news feeds never need them, and entity expansion is how a hostile feed exhausts memory.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import defusedxml.ElementTree as safe_xml
import feedparser
import httpx
from defusedxml import DefusedXmlException

from babelfeed.article import LedgerEntry, Reject, RejectReason, SourceRef
from babelfeed.sources.http import FetchError, HttpPolicy, fetch
from babelfeed.sources.urls import parse_validators, validators
from babelfeed.warehouse.ledger import Lookup


@dataclass
class FeedDiscovery:
    refs: list[SourceRef] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    ledger: list[LedgerEntry] = field(default_factory=list)  # the feeds' own entries
    already_seen: int = 0


def _entry_time(entry) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed else None


def refuse_entities(content: bytes) -> str | None:
    """Why the document must not be parsed (entity or DTD tricks), or None."""
    try:
        safe_xml.fromstring(content, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        return f"the feed declares XML entities ({type(exc).__name__}); refused to parse it"
    except Exception:  # noqa: BLE001 - malformed XML is feedparser's to judge, leniently
        return None
    return None


def discover_feed(
    feed_url: str, client: httpx.Client, policy: HttpPolicy, ledger: Mapping[str, LedgerEntry] | Lookup,
    run_id: str,
) -> FeedDiscovery:
    out = FeedDiscovery()
    now = datetime.now(UTC)
    known = ledger.get(feed_url)
    etag, last_modified = parse_validators(known.fingerprint if known else "")
    try:
        got = fetch(client, feed_url, policy, etag, last_modified)
    except FetchError as exc:
        out.rejects.append(Reject(feed_url, exc.reason, str(exc), now, "feed"))
        return out
    if got.not_modified:
        return out
    reason = refuse_entities(got.content)
    if reason:
        out.rejects.append(Reject(feed_url, RejectReason.UNSAFE_XML, reason, now, "feed"))
        return out
    parsed = feedparser.parse(got.content, response_headers={"content-location": got.url})
    links = list(dict.fromkeys(
        urljoin(got.url, e["link"]) for e in parsed.entries if e.get("link")
    ))
    links = [link for link in links if urlsplit(link).scheme in ("http", "https")]
    if not links and (parsed.get("bozo") or not parsed.get("version")):
        problem = parsed.get("bozo_exception")
        detail = f"malformed feed XML ({problem})" if problem else "not an RSS or Atom feed"
        out.rejects.append(Reject(feed_url, RejectReason.MALFORMED_FEED, detail, now, "feed"))
        return out
    entries = {urljoin(got.url, e["link"]): e for e in parsed.entries if e.get("link")}
    for link in links:
        entry = entries[link]
        previous = ledger.get(link)
        if previous is not None and previous.outcome != "reject":
            out.already_seen += 1  # ingested before: never fetched again
            continue
        out.refs.append(SourceRef(
            uri=link, location=link, fingerprint="", observed_at=now, kind="url",
            title=entry.get("title") or None, published_at=_entry_time(entry),
        ))
    out.ledger.append(LedgerEntry(feed_url, validators(got.etag, got.last_modified), None, "feed", now, run_id))
    return out
