"""The articles that sites, feeds and sitemaps list: read side by side, one host at a time.

A scheduled run over 200 sites starts by reading 200 robots.txt files and as many feeds or
sitemaps: one after another, with a delay between two requests to one host, that alone would
take minutes. Sources are read with `each_by_host`, so different hosts are read at once while
each host's own requests wait their turn. The same article listed by a feed and a sitemap (or
twice in one) is listed once, with what each knew of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import httpx

from babelfeed.sources.feeds import discover_feed
from babelfeed.sources.hosts import each_by_host
from babelfeed.sources.http import HttpPolicy
from babelfeed.sources.listing import Known, Listing, merge_refs
from babelfeed.sources.site import discover_site
from babelfeed.sources.sitemaps import discover_sitemap
from babelfeed.sources.urlnorm import normalize_url

#: Hosts read at once while listing (each a thread waiting on the network, not a core).
THREADS = 16


@dataclass
class Discovered:
    listing: Listing = field(default_factory=Listing)
    lines: list[str] = field(default_factory=list)  # one per source, for the run log


def discover(
    client: httpx.Client, policy: HttpPolicy, ledger: Known, run_id: str, *,
    feeds: list[str] = (), sitemaps: list[str] = (), sites: list[str] = (),
    since: date | None = None, discovery_ttl: float = 86400.0,
) -> Discovered:
    out = Discovered()
    feeds = [normalize_url(u) for u in feeds]
    sitemaps = [normalize_url(u) for u in sitemaps]
    for site, found in each_by_host(
        [normalize_url(u) for u in dict.fromkeys(sites)], lambda u: u,
        lambda u: discover_site(u, client, policy, ledger, run_id, discovery_ttl), THREADS,
    ):
        out.listing.rejects.extend(found.rejects)
        out.listing.ledger.extend(found.ledger)
        feeds += found.feeds
        sitemaps += found.sitemaps
        how = "recorded earlier" if found.from_ledger else "found"
        out.lines.append(f"site {site}: {how} {len(found.feeds)} feed(s), {len(found.sitemaps)} sitemap(s)"
                         + (f"; rejected: {found.rejects[0].detail}" if found.rejects else ""))
    named = [("feed", u) for u in dict.fromkeys(feeds)] + [("sitemap", u) for u in dict.fromkeys(sitemaps)]

    def read(source: tuple[str, str]) -> Listing:
        kind, url = source
        if kind == "feed":
            return discover_feed(url, client, policy, ledger, run_id, since)
        return discover_sitemap(url, client, policy, ledger, run_id, since)

    for (kind, url), listing in each_by_host(named, lambda s: s[1], read, THREADS):
        out.listing.extend(listing)
        older = f", {listing.too_old} older than --since" if listing.too_old else ""
        out.lines.append(
            f"{kind} {url}: {len(listing.refs)} new items, {listing.already_seen} fetched before{older}"
            + (f"; rejected: {listing.rejects[0].detail}" if listing.rejects else "")
        )
    out.listing.refs = merge_refs(out.listing.refs)
    return out
