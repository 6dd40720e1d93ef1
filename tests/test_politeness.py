"""Real sites, politely: robots.txt, one host at a time across worker processes, Retry-After,
sitemaps, a site's own feeds, one URL one article.

Every case runs against real HTTP servers on distinct loopback addresses (each a host) and
asserts on the servers' own request logs (what arrived, when, what was answered), never on how
long the test took.
"""

from __future__ import annotations

import gzip
import multiprocessing
from datetime import UTC, date, datetime

import httpx
import pytest

from babelfeed.article import RejectReason
from babelfeed.sources.hosts import each_by_host, interleave
from babelfeed.sources.http import FetchError, HttpPolicy, fetch, retry_after
from babelfeed.sources.polite import Politeness
from babelfeed.sources.robots import parse_robots
from babelfeed.sources.sitemaps import inflate, parse_sitemap
from babelfeed.sources.urlnorm import normalize_url
from conftest import table_rows
from newsroom import ENGLISH, Newsroom, page, rss

# -- pure rules ------------------------------------------------------------------------------


@pytest.mark.parametrize("given, normal", [
    ("HTTP://News.Example.ORG:80/a/b.html?utm_source=rss&id=3#comments", "http://news.example.org/a/b.html?id=3"),
    ("https://x.org:443", "https://x.org/"),
    ("https://x.org:8443/a?fbclid=1&utm_medium=x", "https://x.org:8443/a"),
    ("https://x.org/article?1234", "https://x.org/article?1234"),  # a key without a value names the article
    ("https://x.org/a+b(c)/d;e?q=a+b&ref=1", "https://x.org/a+b(c)/d;e?q=a+b&ref=1"),  # kept byte for byte
    ("https://x.org/a?b=2&a=1", "https://x.org/a?b=2&a=1"),
    ("ftp://X.org/a#b", "ftp://X.org/a#b"),
])
def test_urls_are_normalised_before_lookup(given, normal):
    assert normalize_url(given) == normal
    assert normalize_url(normal) == normal  # stable


ROBOTS = """\
# comments and odd spacing are fine
User-agent: *
Disallow: /
Allow: /news/
Disallow: /news/private/
Disallow: /*?print=
Allow: /*.html$
Crawl-delay: 3

User-agent: otherbot
Disallow: /news/

Sitemap: /sitemap_index.xml
"""


def test_robots_rules_follow_rfc_9309_longest_match():
    rules = parse_robots(ROBOTS, "babelfeed", "https://x.org/robots.txt")
    allowed = ["https://x.org/news/a", "https://x.org/robots.txt", "https://x.org/other/page.html"]
    disallowed = {
        "https://x.org/": "Disallow: / (line 3)",
        "https://x.org/news/private/b": "Disallow: /news/private/ (line 5)",
        "https://x.org/news/a?print=1": "Disallow: /*?print= (line 6)",
        "https://x.org/other/page.html?x=1": "Disallow: / (line 3)",  # `$`: the .html must end it
    }
    for url in allowed:
        assert rules.blocking_rule(url) is None, url
    for url, rule in disallowed.items():
        assert str(rules.blocking_rule(url)) == rule, url
    assert rules.crawl_delay == 3.0
    assert rules.sitemaps == ("https://x.org/sitemap_index.xml",)
    # A group naming us replaces the * group; the match is on the product token only.
    mine = parse_robots(ROBOTS + "\nUser-agent: BabelFeed\nDisallow: /tmp/\n", "babelfeed")
    assert mine.blocking_rule("https://x.org/") is None and mine.blocking_rule("https://x.org/tmp/x") is not None
    assert mine.crawl_delay is None
    # Allow wins a tie; an empty Disallow allows everything.
    tie = parse_robots("User-agent: *\nDisallow: /a\nAllow: /a\n", "babelfeed")
    assert tie.blocking_rule("https://x.org/a") is None
    assert parse_robots("User-agent: *\nDisallow:\n", "babelfeed").blocking_rule("https://x.org/") is None


def test_a_hostile_robots_pattern_is_matched_without_backtracking():
    rules = parse_robots("User-agent: *\nDisallow: /" + "*a" * 60 + "*b$\n", "babelfeed")
    # A regex engine would backtrack through ~len(path)**60 ways; this matcher takes len x len.
    assert rules.blocking_rule("https://x.org/" + "a" * 3000) is None
    assert rules.blocking_rule("https://x.org/" + "a" * 100 + "b") is not None


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after("2") == 2.0
    assert retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=datetime(2015, 10, 21, 7, 28, tzinfo=UTC).timestamp()) == 10.0
    assert retry_after("soon") is None and retry_after(None) is None


def test_hosts_are_taken_in_turn_and_fetched_side_by_side():
    urls = [f"http://a.example/{i}" for i in range(3)] + [f"http://b.example/{i}" for i in range(2)] + ["http://c.example/0"]
    mixed = interleave(urls, lambda u: u)
    assert mixed == ["http://a.example/0", "http://b.example/0", "http://c.example/0", "http://a.example/1",
                     "http://b.example/1", "http://a.example/2"]
    done = [u for u, _ in each_by_host(urls, lambda u: u, lambda u: u.upper(), threads=3)]
    assert sorted(done) == sorted(urls)
    for host in ("a", "b"):  # one host's items keep their order
        mine = [u for u in done if f"//{host}." in u]
        assert mine == sorted(mine)


# -- real servers ----------------------------------------------------------------------------

@pytest.fixture
def hosts():
    """Three sites, each on its own loopback address: three hosts."""
    with Newsroom("127.0.0.2") as a, Newsroom("127.0.0.3") as b, Newsroom("127.0.0.4") as c:
        yield a, b, c


def polite(tmp_path, run_id="run-1", **overrides) -> HttpPolicy:
    rules = dict(state_dir=str(tmp_path / "state"), run_id=run_id, host_delay=0.2, max_retry_after=30.0)
    rules.update(overrides)
    return HttpPolicy(timeout=2.0, attempts=3, backoff=0.01, allow_private=True, max_bytes=200_000,
                      max_retry_after=rules["max_retry_after"], polite=Politeness(**rules))


def fetch_or_reason(url: str, policy: HttpPolicy) -> str:
    with httpx.Client() as client:
        try:
            fetch(client, url, policy)
        except FetchError as exc:
            return f"{exc.reason}: {exc}"
    return "ok"


def test_a_disallowed_path_is_never_requested_and_is_a_reject(hosts, tmp_path):
    from babelfeed.pipeline import process_batch
    from babelfeed.settings import Settings
    from babelfeed.sources import url_refs

    site = hosts[0]
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", ctype="text/plain")
    site.add("/private/secret.html", page("Secret", ENGLISH[:4]))
    site.add("/news/open.html", page("Open", ENGLISH[4:8]))
    settings = Settings(warehouse=str(tmp_path / "wh"), online_models=False, extract_timeout=0, host_delay=0.05,
                        allow_private_addresses=True, http_timeout=2.0, http_retries=1)
    refs = url_refs([site.base + "/private/secret.html", site.base + "/news/open.html"])
    result = process_batch(refs, settings, "robots-run").result
    again = process_batch(refs, settings, "robots-run").result  # a second batch, same run
    for batch in (result, again):
        rejects = {r.source_uri: r for r in batch.rejects}
        reject = rejects[site.base + "/private/secret.html"]
        assert reject.reason is RejectReason.ROBOTS_DISALLOWED
        assert "Disallow: /private/ (line 2)" in reject.detail and "robots.txt" in reject.detail
        assert [a.source_uri for a in batch.articles] == [site.base + "/news/open.html"]
    assert site.hits["/private/secret.html"] == 0
    assert site.hits["/robots.txt"] == 1  # fetched once, then cached in the state folder
    assert (tmp_path / "wh" / "_state" / "robots").is_dir()


def test_robots_txt_that_answers_500_allows_nothing_that_run(hosts, tmp_path):
    site = hosts[0]
    site.add("/robots.txt", "oops", status=500)
    site.add("/a.html", page("A", ENGLISH[:4]))
    policy = polite(tmp_path, run_id="run-1")
    first = fetch_or_reason(site.base + "/a.html", policy)
    second = fetch_or_reason(site.base + "/b.html", policy)
    assert first.startswith("robots_unreachable") and "RFC 9309" in first and "HTTP 500" in first
    assert second.startswith("robots_unreachable")
    assert site.hits["/a.html"] == 0 and site.hits["/b.html"] == 0
    assert site.hits["/robots.txt"] == 3  # the retries of one fetch, then nothing more this run
    # The next run asks again; a robots.txt that is missing (404) allows everything.
    del site.routes["/robots.txt"]
    assert fetch_or_reason(site.base + "/a.html", polite(tmp_path, run_id="run-2")) == "ok"
    assert site.hits["/robots.txt"] == 4 and site.hits["/a.html"] == 1


def test_respect_robots_false_reads_no_robots_txt(hosts, tmp_path):
    site = hosts[0]
    site.add("/robots.txt", "User-agent: *\nDisallow: /\n", ctype="text/plain")
    site.add("/mine.html", page("Mine", ENGLISH[:4]))
    assert fetch_or_reason(site.base + "/mine.html", polite(tmp_path, respect_robots=False)) == "ok"
    assert site.hits["/robots.txt"] == 0 and site.hits["/mine.html"] == 1


def _fetch_in_a_worker(urls: list[str], policy: HttpPolicy) -> list[str]:
    """What a worker process does with a batch's URLs (`sources.read_each`)."""
    from babelfeed.sources import read_each, url_refs

    with httpx.Client() as client:
        return [ref.uri for ref, _ in read_each(url_refs(urls), 200_000, {}, client, policy)]


def _assert_one_at_a_time(requests, gap: float) -> None:
    for before, after in zip(requests, requests[1:], strict=False):
        assert after.start >= before.end, f"{after.path} overlapped {before.path}"
        assert after.start - before.end >= gap, f"{after.path} only {after.start - before.end:.3f} s after {before.path}"


def test_one_host_at_a_time_across_worker_processes_while_hosts_interleave(tmp_path):
    with Newsroom("127.0.0.2", latency=0.05) as slow, Newsroom("127.0.0.3", latency=0.05) as quick:
        slow.add("/robots.txt", "User-agent: *\nCrawl-delay: 0.4\n", ctype="text/plain")
        urls = []
        for site in (slow, quick):
            for i in range(6):
                urls.append(site.add(f"/p{i}.html", page(f"P{i}", ENGLISH[:3])))
        policy = polite(tmp_path, host_delay=0.2)
        mixed = interleave(urls, lambda u: u)
        batches = [mixed[:6], mixed[6:]]  # two batches (two workers), each holding both hosts
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(2) as pool:
            done = pool.starmap(_fetch_in_a_worker, [(batch, policy) for batch in batches])
        assert sorted(sum(done, [])) == sorted(urls)
        slow_log, quick_log = slow.requests(), quick.requests()
        assert [r.path for r in slow_log][0] == "/robots.txt" and len(slow_log) == 7 and len(quick_log) == 7
        _assert_one_at_a_time(slow_log, 0.4)  # its Crawl-delay, larger than the host delay
        _assert_one_at_a_time(quick_log, 0.2)
        # The two hosts were fetched side by side: each one's requests began before the other's ended.
        assert quick_log[0].start < slow_log[-1].start and slow_log[0].start < quick_log[-1].start
        between = [r for r in quick_log if slow_log[1].start < r.start < slow_log[-1].start]
        assert len(between) >= 2


def test_429_with_retry_after_is_retried_no_sooner_and_slows_the_host(hosts, tmp_path):
    site = hosts[0]
    site.respond("/busy.html", lambda n: (429, {"Retry-After": "2"}, b"") if n == 1
                 else (200, {}, page("Busy", ENGLISH[:3]).encode()))
    for i in range(2):
        site.add(f"/after{i}.html", page("After", ENGLISH[:3]))
    policy = polite(tmp_path, host_delay=0.1)
    assert fetch_or_reason(site.base + "/busy.html", policy) == "ok"
    for i in range(2):
        assert fetch_or_reason(site.base + f"/after{i}.html", policy) == "ok"
    busy = site.requests("/busy.html")
    assert len(busy) == 2 and busy[1].start - busy[0].end >= 2.0
    # The rest of the run the host gets twice the delay.
    log = site.requests()
    pages = [r for r in log if r.path != "/robots.txt"]
    for before, after in zip(pages[1:], pages[2:], strict=False):
        assert after.start - before.end >= 0.2


def test_a_retry_after_beyond_the_bound_is_a_rate_limited_reject_and_holds_the_host(hosts, tmp_path):
    site = hosts[0]
    site.add("/busy.html", "", status=429, Retry_After="600")
    site.add("/next.html", page("Next", ENGLISH[:3]))
    policy = polite(tmp_path, max_retry_after=5.0)
    first = fetch_or_reason(site.base + "/busy.html", policy)
    assert first.startswith("rate_limited") and "Retry-After 600 s" in first and "BABELFEED_MAX_RETRY_AFTER" in first
    nxt = fetch_or_reason(site.base + "/next.html", policy)
    assert nxt.startswith("rate_limited") and "the next run tries again" in nxt
    assert site.hits["/busy.html"] == 1 and site.hits["/next.html"] == 0
    other = hosts[1]  # another host is not held
    other.add("/x.html", page("X", ENGLISH[:3]))
    assert fetch_or_reason(other.base + "/x.html", policy) == "ok"


def test_a_429_without_retry_after_is_rate_limited_after_the_attempts(hosts, tmp_path):
    site = hosts[0]
    site.add("/busy.html", "", status=429)
    reason = fetch_or_reason(site.base + "/busy.html", polite(tmp_path, host_delay=0.01))
    assert reason.startswith("rate_limited") and "after 3 attempts" in reason
    assert site.hits["/busy.html"] == 3


# -- sitemaps --------------------------------------------------------------------------------

def urlset(base: str, items: list[tuple], lang: str = "en") -> str:
    """A Google News sitemap of (path, publication date, title[, language]) items."""
    entries = "".join(
        f"<url><loc>{base}{item[0]}</loc><news:news><news:publication><news:name>Paper</news:name>"
        f"<news:language>{item[3] if len(item) > 3 else lang}</news:language></news:publication>"
        f"<news:publication_date>{item[1]}</news:publication_date><news:title>{item[2]}</news:title></news:news></url>"
        for item in items
    )
    return ("<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
            f"xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>{entries}</urlset>")


def plain_urlset(base: str, paths: list[str]) -> str:
    entries = "".join(f"<url><loc>{base}{p}</loc><lastmod>2026-10-01</lastmod></url>" for p in paths)
    return f"<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{entries}</urlset>"


def index(base: str, children: list[tuple[str, str | None]]) -> str:
    entries = "".join(f"<sitemap><loc>{base}{path}</loc>{f'<lastmod>{mod}</lastmod>' if mod else ''}</sitemap>"
                      for path, mod in children)
    return f"<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{entries}</sitemapindex>"


def test_news_sitemaps_parse_and_gzip_is_inflated_within_the_cap():
    index_flag, entries = parse_sitemap(urlset("https://x.org", [("/a?utm_source=x", "2026-10-01T08:00:00+02:00", "A")],
                                               "de").encode(), "https://x.org/s.xml")
    assert not index_flag
    assert entries[0].url == "https://x.org/a" and entries[0].title == "A" and entries[0].language == "de"
    assert entries[0].published_at == datetime(2026, 10, 1, 6, tzinfo=UTC)
    assert inflate(gzip.compress(b"<x/>" * 10), 100) == b"<x/>" * 10
    from babelfeed.sources.sitemaps import SitemapError

    with pytest.raises(SitemapError) as info:
        inflate(gzip.compress(b"0" * 5_000_000), 100_000)  # a gzip bomb stops at the cap
    assert info.value.reason is RejectReason.TOO_LARGE


@pytest.fixture
def ingest(prefect_server, packages_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("BABELFEED_ALLOW_PRIVATE_ADDRESSES", "true")
    monkeypatch.setenv("BABELFEED_HTTP_TIMEOUT", "2")
    monkeypatch.setenv("BABELFEED_HTTP_RETRIES", "2")
    monkeypatch.setenv("BABELFEED_HOST_DELAY", "0.05")
    from babelfeed_flows.ingest import ingest as flow

    def run(**kwargs):
        return flow(warehouse=str(tmp_path / "wh"), **kwargs)

    return run


def _articles(wh):
    import duckdb

    rel = duckdb.sql(f"select * from read_parquet('{wh}/articles/**/*.parquet', hive_partitioning=true)")
    return {row[rel.columns.index("source_uri")]: dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()}


AMHARIC = ["ሰላም ለዓለም ይህ የሙከራ ጽሑፍ ነው እና ረጅም ነው ብዙ ቃላት አሉት።",
           "የአዲስ አበባ ከተማ ነዋሪዎች ዛሬ ጠዋት በዝናብ ምክንያት ወደ ሥራ ለመሄድ ተቸግረው ነበር።",
           "መንግሥት አዲስ የትምህርት ፖሊሲ በሚቀጥለው ዓመት እንደሚጀምር አስታውቋል።",
           "የእግር ኳስ ቡድኑ በመጨረሻው ጨዋታ ሁለት ለአንድ አሸንፏል።"]


def test_a_sitemap_index_to_a_gzipped_index_to_a_news_sitemap_yields_each_article_once(
    hosts, ingest, tmp_path, monkeypatch,
):
    monkeypatch.setenv("BABELFEED_MAX_BYTES", "300000")
    site, cdn, _ = hosts
    b = site.base
    news = [(f"/story{i}.html", f"2026-10-0{i + 1}T09:00:00Z", f"Headline {i}") for i in range(3)]
    for i, (path, _, _) in enumerate(news):
        site.add(path, page("", ENGLISH[4 * i : 4 * i + 4]))
    site.add("/amharic.html", page("", AMHARIC, lang=""))
    site.add("/old.html", page("Old", ENGLISH[12:16]))
    listed = news + [("/old.html", "2020-01-01T00:00:00Z", "Old"), ("/amharic.html", "2026-10-04T09:00:00Z", "Am", "am")]
    site.add("/news.xml", urlset(b, listed), ctype="application/xml", etag='"n1"')
    # index -> gzipped index (on another host, as on a CDN) -> news sitemap; a plain sitemap
    # lists one of the stories again.
    cdn.add("/sitemaps.xml.gz", gzip.compress(index(b, [("/news.xml", None)]).encode()), ctype="application/gzip")
    site.add("/more.xml", plain_urlset(b, ["/story0.html?utm_campaign=x"]))
    site.add("/sitemap_index.xml", index("", [(f"{cdn.base}/sitemaps.xml.gz", None), (f"{b}/more.xml", None)]))
    # An index chain deeper than 3 levels, and a sitemap larger than the cap once inflated.
    deep = [f"/deep{i}.xml" for i in range(4)]
    for level, path in enumerate(deep):
        site.add(path, index(b, [(deep[level + 1] if level + 1 < len(deep) else "/news.xml", None)]))
    site.add("/big.xml.gz", gzip.compress(b"<urlset>" + b" " * 1_000_000 + b"</urlset>"), ctype="application/gzip")

    report = ingest(sitemaps=[f"{b}/sitemap_index.xml", f"{b}/deep0.xml", f"{b}/big.xml.gz"], since=date(2026, 1, 1))
    wh = tmp_path / "wh"
    arts = _articles(wh)
    for path, when, title in news:
        assert arts[b + path]["title"] == title
        assert arts[b + path]["published_at"] == datetime.fromisoformat(when.replace("Z", "+00:00"))
        assert site.hits[path] == 1  # listed by two sitemaps: fetched once
    # langdetect cannot tell Amharic; the news sitemap's language is taken (confidence 0).
    assert arts[b + "/amharic.html"]["language"] == "am" and arts[b + "/amharic.html"]["language_confidence"] == 0.0
    assert b + "/old.html" not in arts and site.hits["/old.html"] == 0  # older than --since
    rejects = {r[0]: (r[1], r[2]) for r in table_rows(wh, "rejects")}
    assert rejects[f"{b}/deep3.xml"][0] == "sitemap_too_deep" and site.hits["/deep3.xml"] == 0
    assert rejects[f"{b}/big.xml.gz"][0] == "too_large"
    assert report["counts"]["new"] == 4

    # The second run fetches nothing new: the news sitemap answers 304, no article is requested.
    hits = dict(site.hits)
    again = ingest(sitemaps=[f"{b}/sitemap_index.xml"], since=date(2026, 1, 1))
    assert again["counts"]["new"] == 0 and again["counts"]["articles"] == 0
    for path in [p for p, *_ in listed]:
        assert site.hits[path] == hits.get(path, 0)
    assert site.not_modified["/news.xml"] == 1


def test_a_site_is_found_by_its_homepage_feed_and_robots_sitemap_and_one_url_is_one_article(hosts, ingest, tmp_path):
    site = hosts[0]
    b = site.base
    site.add("/", "<html><head><title>Home</title>"
                  f"<link rel='alternate' type='application/rss+xml' href='{b}/feed.xml'>"
                  f"<link rel='alternate' type='application/rss+xml' href='{b}/comments/feed'></head>"
                  "<body><p>Welcome</p></body></html>")
    site.add("/robots.txt", f"User-agent: *\nDisallow: /private/\nSitemap: {b}/news.xml\n", ctype="text/plain")
    site.add("/feed.xml", rss(b, ["/a.html?utm_source=rss&utm_medium=feed#top", "/private/p.html"]),
             ctype="application/rss+xml")
    site.add("/news.xml", urlset(b, [("/a.html", "2026-10-01T09:00:00Z", "A"), ("/b.html", "2026-10-02T09:00:00Z", "B")]),
             ctype="application/xml")
    site.add("/a.html", page("A page", ENGLISH[:4]))
    site.add("/b.html", page("B page", ENGLISH[4:8]))
    site.add("/private/p.html", page("P", ENGLISH[8:12]))

    ingest(sites=[b + "/"], paths=[f"HTTP://127.0.0.2:{site.server.server_port}/a.html#again"])
    wh = tmp_path / "wh"
    arts = _articles(wh)
    assert set(arts) == {b + "/a.html", b + "/b.html"}
    a_requests = site.requests("/a.html")
    assert [r.path for r in a_requests] == ["/a.html"]  # feed, sitemap and link: fetched once, clean
    assert site.hits["/private/p.html"] == 0 and site.hits["/comments/feed"] == 0
    rejects = {r[0]: r[1] for r in table_rows(wh, "rejects")}
    assert rejects[b + "/private/p.html"] == "robots_disallowed"
    assert site.hits["/"] == 1 and site.hits["/robots.txt"] == 1

    ingest(sites=[b + "/"])  # discovery is recorded: the homepage is not asked again
    assert site.hits["/"] == 1 and site.hits["/a.html"] == 1 and site.hits["/b.html"] == 1
    assert site.hits["/feed.xml"] == 2 and site.hits["/news.xml"] == 2


def test_a_site_without_feeds_or_sitemaps_is_a_reject(hosts, ingest, tmp_path):
    site = hosts[0]
    site.add("/", "<html><body><p>Nothing to list</p></body></html>")
    report = ingest(sites=[site.base])
    rejects = {r[0]: (r[1], r[2]) for r in table_rows(tmp_path / "wh", "rejects")}
    assert rejects[site.base + "/"][0] == "no_feed_or_sitemap" and "--feed" in rejects[site.base + "/"][1]
    assert site.hits["/feed"] == 1 and site.hits["/sitemap.xml"] == 1  # the common paths were tried
    assert report["counts"]["rejected"] == 1


def test_scheduled_runs_can_name_sites_feeds_and_sitemaps():
    from babelfeed_flows.deployments import INGEST, build

    sources = dict(sites=["https://news.example.org/"], feeds=["https://news.example.org/rss.xml"],
                   sitemaps=["https://news.example.org/news-sitemap.xml"])
    ingest, backfill = build(warehouse="/data/wh", cron="*/15 * * * *", **sources)
    assert ingest.name == INGEST and ingest.parameters == {"warehouse": "/data/wh", **sources}
    from prefect.utilities.callables import parameter_schema

    from babelfeed_flows.ingest import ingest as flow

    assert {"sites", "feeds", "sitemaps", "since"} <= set(parameter_schema(flow.fn).properties)
    assert backfill.parameters == {"warehouse": "/data/wh"}  # backfills replay paths only


def test_the_command_refuses_a_site_or_sitemap_that_is_not_a_url(tmp_path):
    import subprocess

    from conftest import BABELFEED

    for option in ("--site", "--sitemap"):
        done = subprocess.run([BABELFEED, "ingest", option, "news.example.org", "--warehouse", str(tmp_path / "wh")],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 2 and f"{option} 'news.example.org': expected an http(s) URL" in done.stderr
