"""A site as a source: find its feeds and sitemaps, then read those.

`babelfeed ingest --site https://site.example/` should not ingest the homepage as an article:
it reads the homepage's `<link rel="alternate">` feeds (trafilatura's `determine_feed`, which
also drops comment feeds), else tries a few common feed paths; and it takes the sitemaps
named by `Sitemap:` lines in robots.txt, else `/sitemap.xml`. What it found is recorded in the
ledger (outcome `site`), so later runs go straight to the feeds and sitemaps until the record
is older than `BABELFEED_DISCOVERY_TTL`.

trafilatura's `find_feed_urls` and `sitemap_search` do this whole walk themselves, but they
fetch with their own downloader, outside our client, SSRF guard, size cap, robots.txt and host
limiter, so only their parsing pieces are used: `determine_feed`, `is_potential_feed` and
`is_plausible_sitemap`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from trafilatura.feeds import FeedParameters, determine_feed, is_potential_feed
from trafilatura.sitemaps import is_plausible_sitemap

from babelfeed.article import LedgerEntry, Reject, RejectReason
from babelfeed.sources.http import FetchError, HttpPolicy, fetch, robots_rules
from babelfeed.sources.listing import Known
from babelfeed.sources.sitemaps import SitemapError, inflate
from babelfeed.sources.urlnorm import normalize_url, origin

#: Tried in turn when the homepage links no feed; the first that is a feed is taken.
FEED_PATHS = ("/feed", "/rss.xml", "/feed.xml", "/atom.xml", "/rss", "/index.xml")
SITEMAP_PATHS = ("/sitemap.xml",)


@dataclass
class Found:
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    ledger: list[LedgerEntry] = field(default_factory=list)
    from_ledger: bool = False  # recorded by an earlier run: nothing fetched


def discover_site(
    site_url: str, client: httpx.Client, policy: HttpPolicy, ledger: Known, run_id: str, ttl: float,
) -> Found:
    site_url = normalize_url(site_url)
    now = datetime.now(UTC)
    recorded = ledger.get(site_url)
    if recorded is not None and recorded.outcome == "site" and (now - recorded.observed_at).total_seconds() < ttl:
        try:
            kept = json.loads(recorded.fingerprint)
            return Found(list(kept["feeds"]), list(kept["sitemaps"]), from_ledger=True)
        except (ValueError, KeyError, TypeError):
            pass  # an unreadable record: discover again
    out = Found()
    try:
        home = fetch(client, site_url, policy)
    except FetchError as exc:
        out.rejects.append(Reject(site_url, exc.reason, str(exc), now, "site"))
        return out
    html = home.content.decode(home.charset or "utf-8", errors="replace")
    base = origin(home.url)
    out.feeds = [normalize_url(u) for u in determine_feed(html, FeedParameters(base, base, home.url))]
    if not out.feeds:
        out.feeds = _probe(client, policy, base, FEED_PATHS, lambda url, text: is_potential_feed(text.lstrip()))
    out.sitemaps = [normalize_url(u) for u in robots_rules(client, site_url, policy).sitemaps]
    if not out.sitemaps:
        out.sitemaps = _probe(client, policy, base, SITEMAP_PATHS, is_plausible_sitemap)
    out.feeds, out.sitemaps = list(dict.fromkeys(out.feeds)), list(dict.fromkeys(out.sitemaps))
    if not out.feeds and not out.sitemaps:
        out.rejects.append(Reject(site_url, RejectReason.NO_FEED_OR_SITEMAP, (
            f"{site_url}: no feed linked from the homepage or at {', '.join(FEED_PATHS)}, and no sitemap in "
            f"robots.txt or at {', '.join(SITEMAP_PATHS)}; name them with --feed or --sitemap"), now, "site"))
        return out
    record = json.dumps({"feeds": out.feeds, "sitemaps": out.sitemaps})
    out.ledger.append(LedgerEntry(site_url, record, None, "site", now, run_id))
    return out


def _probe(client: httpx.Client, policy: HttpPolicy, base: str, paths: tuple[str, ...], looks_right) -> list[str]:
    """The first of `paths` under `base` that answers with what `looks_right` accepts."""
    for path in paths:
        url = base + path
        try:
            got = fetch(client, url, policy)
        except FetchError:
            continue
        try:
            text = inflate(got.content, policy.max_bytes).decode("utf-8", errors="replace")
        except SitemapError:
            continue
        if looks_right(got.url, text):
            return [normalize_url(got.url)]
    return []
