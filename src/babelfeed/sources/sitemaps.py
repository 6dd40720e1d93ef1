"""Sitemaps as a source: indexes, gzipped sitemaps, `<lastmod>`, and Google News sitemaps.

How most news sites list their articles. A news sitemap (`<news:news>`) gives each article's
publication date, title and language: they fill the article's published time and title where
the page does not say, and a language hint. Only URLs not ingested before are fetched (as feed
items are), and `since` skips entries dated before it (a child sitemap whose `<lastmod>` is
older is not even fetched).

Bounded: every sitemap goes through `fetch` (size cap, timeouts, robots.txt, the host's turn),
a gzipped one is inflated only up to the same cap, and an index nested deeper than
`MAX_DEPTH` levels is a `sitemap_too_deep` reject, never a walk without end; a sitemap seen
twice in one walk is read once. Each sitemap read is recorded in the ledger with its
validators, so an unchanged one costs a 304, and a child whose `<lastmod>` in its index is
not newer than our last reading of it is not fetched at all.

trafilatura's `sitemap_search` was read and not used for the walk: it fetches on its own
(without our client, guard or limiter) and keeps only `<loc>`, not the dates, titles and
languages. Its `is_plausible_sitemap` check is used on probed paths (`sources.site`).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urljoin, urlsplit

import httpx
from lxml import etree

from babelfeed.article import LedgerEntry, Reject, RejectReason, SourceRef
from babelfeed.dates import parse_iso
from babelfeed.sources.feeds import refuse_entities
from babelfeed.sources.http import FetchError, HttpPolicy, fetch
from babelfeed.sources.listing import Known, Listing, fetched_before, known_entries
from babelfeed.sources.urlnorm import normalize_url
from babelfeed.sources.urls import parse_validators, validators

#: The sitemap named by the user is level 1; an index at level MAX_DEPTH may not name more.
MAX_DEPTH = 3


@dataclass(frozen=True)
class Entry:
    """One `<url>` of a sitemap (or one `<sitemap>` of an index: only `url` and `lastmod`)."""

    url: str
    lastmod: datetime | None = None
    published_at: datetime | None = None
    title: str | None = None
    language: str | None = None

    @property
    def dated(self) -> datetime | None:
        return self.published_at or self.lastmod

    def completed_by(self, other: Entry) -> Entry:
        """This entry, given what `other` (the same URL listed again) knew and it did not."""
        return Entry(self.url, self.lastmod or other.lastmod, self.published_at or other.published_at,
                     self.title or other.title, self.language or other.language)


class SitemapError(Exception):
    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def inflate(content: bytes, max_bytes: int) -> bytes:
    """`content`, gunzipped if it is gzip (several members too), never beyond `max_bytes`."""
    if content[:2] != b"\x1f\x8b":
        return content
    out = bytearray()
    data = content
    try:
        while data:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out += inflater.decompress(data, max_bytes + 1 - len(out))
            if len(out) > max_bytes:
                raise SitemapError(RejectReason.TOO_LARGE, f"more than {max_bytes} bytes once inflated; "
                                   "raise BABELFEED_MAX_BYTES to accept it")
            if inflater.unconsumed_tail:  # stopped by the cap with input left: too large
                raise SitemapError(RejectReason.TOO_LARGE, f"more than {max_bytes} bytes once inflated")
            data = inflater.unused_data
    except zlib.error as exc:
        raise SitemapError(RejectReason.MALFORMED_SITEMAP, f"a damaged gzip stream ({exc})") from exc
    return bytes(out)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _text(element, name: str) -> str | None:
    for child in element.iter():
        if _local(child.tag) == name and child.text and child.text.strip():
            return child.text.strip()
    return None


def parse_sitemap(content: bytes, base_url: str) -> tuple[bool, list[Entry]]:
    """(is an index, its entries) of an XML sitemap or sitemap index, or of a plain-text
    sitemap (one URL a line). Raises SitemapError for anything else."""
    head = content.lstrip()[:1]
    if head != b"<":
        lines = content.decode("utf-8", errors="replace").split()
        urls = [line for line in lines if urlsplit(line).scheme in ("http", "https")]
        if not urls:
            raise SitemapError(RejectReason.MALFORMED_SITEMAP, "neither XML nor a list of URLs")
        return False, [Entry(normalize_url(u)) for u in urls]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise SitemapError(RejectReason.MALFORMED_SITEMAP, f"malformed sitemap XML ({exc})") from exc
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise SitemapError(RejectReason.MALFORMED_SITEMAP, f"<{kind}> is not a sitemap (<urlset> or <sitemapindex>)")
    index = kind == "sitemapindex"
    entries: list[Entry] = []
    for item in root:
        if _local(item.tag) != ("sitemap" if index else "url"):
            continue
        loc = None
        for child in item:
            if _local(child.tag) == "loc" and child.text:
                loc = child.text.strip()
        if not loc:
            continue
        url = normalize_url(urljoin(base_url, loc))
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        lastmod = parse_iso(next((c.text.strip() for c in item if _local(c.tag) == "lastmod" and c.text), None))
        news = next((c for c in item if _local(c.tag) == "news"), None)
        if news is None:
            entries.append(Entry(url, lastmod))
            continue
        entries.append(Entry(
            url, lastmod, published_at=parse_iso(_text(news, "publication_date")), title=_text(news, "title"),
            language=(_text(news, "language") or "").lower() or None,
        ))
    return index, entries


def discover_sitemap(
    sitemap_url: str, client: httpx.Client, policy: HttpPolicy, ledger: Known, run_id: str,
    since: date | None = None,
) -> Listing:
    """Walk a sitemap (or index) and list its articles not ingested before."""
    out = Listing()
    now = datetime.now(UTC)
    queue: list[tuple[str, int]] = [(normalize_url(sitemap_url), 1)]
    seen: set[str] = set()
    found: dict[str, Entry] = {}
    while queue:
        url, depth = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        try:
            entry = _read(url, client, policy, ledger, run_id, now)
        except SitemapError as exc:
            out.rejects.append(Reject(url, exc.reason, f"{url}: {exc}", now, "sitemap"))
            continue
        except FetchError as exc:
            out.rejects.append(Reject(url, exc.reason, str(exc), now, "sitemap"))
            continue
        if entry is None:  # 304: nothing new in it since our last reading
            continue
        ledger_entry, index, entries = entry
        out.ledger.append(ledger_entry)
        if not index:
            for item in entries:
                if since is not None and item.dated is not None and item.dated.date() < since:
                    out.too_old += 1
                    continue
                first = found.get(item.url)
                found[item.url] = item if first is None else first.completed_by(item)
            continue
        children = known_entries(ledger, (c.url for c in entries))
        for child in entries:
            if child.url in seen:
                continue
            if depth >= MAX_DEPTH:
                out.rejects.append(Reject(child.url, RejectReason.SITEMAP_TOO_DEEP, (
                    f"{child.url}: named by {url}, an index {depth} levels below {sitemap_url}; sitemap "
                    f"indexes nested deeper than {MAX_DEPTH} levels are not read"), now, "sitemap"))
                continue
            if since is not None and child.lastmod is not None and child.lastmod.date() < since:
                out.too_old += 1
                continue
            before = children.get(child.url)
            if child.lastmod is not None and before is not None and before.outcome == "sitemap" \
                    and child.lastmod <= before.observed_at:
                continue  # not changed since we read it
            queue.append((child.url, depth + 1))
    known = known_entries(ledger, found)
    for url, item in found.items():
        if fetched_before(known.get(url)):
            out.already_seen += 1
            continue
        out.refs.append(SourceRef(
            uri=url, location=url, fingerprint="", observed_at=now, kind="url", title=item.title,
            published_at=item.published_at or item.lastmod, language=item.language,
        ))
    return out


def _read(
    url: str, client: httpx.Client, policy: HttpPolicy, ledger: Known, run_id: str, now: datetime,
) -> tuple[LedgerEntry, bool, list[Entry]] | None:
    previous = ledger.get(url)
    etag, last_modified = parse_validators(previous.fingerprint if previous else "")
    got = fetch(client, url, policy, etag, last_modified)
    if got.not_modified:
        return None
    content = inflate(got.content, policy.max_bytes)
    reason = refuse_entities(content)
    if reason:
        raise SitemapError(RejectReason.UNSAFE_XML, reason)
    index, entries = parse_sitemap(content, got.url)
    return LedgerEntry(url, validators(got.etag, got.last_modified), None, "sitemap", now, run_id), index, entries
