"""RSS and Atom feeds: each item's page is fetched once, the feed itself conditionally.

The feed document is fetched with the validators (ETag, Last-Modified) recorded by the last
run, so an unchanged feed costs a 304. Items whose link (normalised, `urlnorm`) the ledger
already knows are not fetched again. A feed that declares XML entities is refused before
parsing (defusedxml): news feeds never need them, and entity expansion is how a hostile feed
exhausts memory.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime
from urllib.parse import urljoin, urlsplit

import defusedxml.ElementTree as safe_xml
import feedparser
import httpx
from defusedxml import DefusedXmlException

from babelfeed.article import LedgerEntry, Reject, RejectReason, SourceRef
from babelfeed.sources.http import FetchError, HttpPolicy, fetch
from babelfeed.sources.listing import Known, Listing, fetched_before, known_entries
from babelfeed.sources.urlnorm import normalize_url
from babelfeed.sources.urls import parse_validators, validators


def _entry_time(entry) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed else None


def refuse_entities(content: bytes) -> str | None:
    """Why the document must not be parsed (entity or DTD tricks), or None."""
    try:
        safe_xml.fromstring(content, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        return f"the document declares XML entities ({type(exc).__name__}); refused to parse it"
    except Exception:  # noqa: BLE001 - malformed XML is feedparser's to judge, leniently
        return None
    return None


def discover_feed(
    feed_url: str, client: httpx.Client, policy: HttpPolicy, ledger: Known, run_id: str, since: date | None = None,
) -> Listing:
    """The feed's items not ingested before (and not dated before `since`)."""
    out = Listing()
    now = datetime.now(UTC)
    previous = ledger.get(feed_url)
    etag, last_modified = parse_validators(previous.fingerprint if previous else "")
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
    entries: dict[str, dict] = {}
    for e in parsed.entries:
        link = normalize_url(urljoin(got.url, e["link"])) if e.get("link") else ""
        if urlsplit(link).scheme in ("http", "https"):
            entries.setdefault(link, e)
    if not entries and (parsed.get("bozo") or not parsed.get("version")):
        problem = parsed.get("bozo_exception")
        detail = f"malformed feed XML ({problem})" if problem else "not an RSS or Atom feed"
        out.rejects.append(Reject(feed_url, RejectReason.MALFORMED_FEED, detail, now, "feed"))
        return out
    known = known_entries(ledger, entries)
    for link, entry in entries.items():
        if fetched_before(known.get(link)):
            out.already_seen += 1  # ingested before: never fetched again
            continue
        published = _entry_time(entry)
        if since is not None and published is not None and published.date() < since:
            out.too_old += 1
            continue
        out.refs.append(SourceRef(
            uri=link, location=link, fingerprint="", observed_at=now, kind="url",
            title=entry.get("title") or None, published_at=published,
        ))
    out.ledger.append(LedgerEntry(feed_url, validators(got.etag, got.last_modified), None, "feed", now, run_id))
    return out
