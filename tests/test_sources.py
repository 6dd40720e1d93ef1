"""Every source kind, served for real over HTTP on 127.0.0.1 or written to disk, and every bad
input turned into a reject or an explicit status while the rest of the batch is written."""

import json
import os

import httpx
import pytest

from babelfeed.article import RejectReason
from babelfeed.sources.http import FetchError, HttpPolicy, check_url, fetch
from conftest import table_rows, write_article
from newsroom import BILLION_LAUGHS, ENGLISH, GERMAN, Newsroom, atom, gz, page, rss, warc_bytes

FAST = HttpPolicy(timeout=1.0, attempts=3, backoff=0.01, allow_private=True, max_bytes=200_000)


@pytest.fixture
def site():
    with Newsroom() as newsroom:
        yield newsroom


@pytest.fixture
def http():
    with httpx.Client(follow_redirects=False) as client:
        yield client


# -- fetching ---------------------------------------------------------------------------------

def test_404_is_an_http_error_without_retries(site, http):
    with pytest.raises(FetchError) as info:
        fetch(http, site.base + "/missing", FAST)
    assert info.value.reason is RejectReason.HTTP_ERROR and "404" in str(info.value)
    assert site.hits["/missing"] == 1


def test_500_is_retried_with_backoff_then_rejected(site, http):
    url = site.add("/broken", "oops", status=500)
    with pytest.raises(FetchError) as info:
        fetch(http, url, FAST)
    assert info.value.reason is RejectReason.HTTP_ERROR and "500" in str(info.value)
    assert site.hits["/broken"] == 3


def test_a_slow_server_times_out(site, http):
    with pytest.raises(FetchError) as info:
        fetch(http, site.base + "/slow", HttpPolicy(timeout=0.3, attempts=2, backoff=0.01, allow_private=True))
    assert info.value.reason is RejectReason.TIMEOUT
    assert site.hits["/slow"] == 2


def test_redirect_loops_stop(site, http):
    site.add("/a", "", status=302, Location="/b")
    site.add("/b", "", status=302, Location="/a")
    with pytest.raises(FetchError) as info:
        fetch(http, site.base + "/a", FAST)
    assert info.value.reason is RejectReason.REDIRECT_LOOP


def test_private_addresses_and_other_schemes_are_refused(site, http):
    url = site.add("/ok", page("t", ENGLISH[:3]))
    with pytest.raises(FetchError) as info:
        fetch(http, url, HttpPolicy(allow_private=False))
    assert info.value.reason is RejectReason.PRIVATE_ADDRESS and "BABELFEED_ALLOW_PRIVATE_ADDRESSES" in str(info.value)
    assert site.hits["/ok"] == 0
    for bad in ("file:///etc/passwd", "ftp://example.org/x", "http:///nohost"):
        with pytest.raises(FetchError) as info:
            check_url(bad, allow_private=True)
        assert info.value.reason is RejectReason.BAD_URL
    # A public URL that redirects to this machine is refused at the hop, too.
    site.add("/to-private", "", status=302, Location="http://127.0.0.1:9/admin")
    with pytest.raises(FetchError):
        fetch(http, site.base + "/to-private", HttpPolicy(allow_private=False))


def test_the_size_cap_holds_even_without_content_length(site, http):
    url = site.add("/big", "x" * 300_000)
    with pytest.raises(FetchError) as info:
        fetch(http, url, FAST)
    assert info.value.reason is RejectReason.TOO_LARGE


def test_conditional_requests_get_304(site, http):
    url = site.add("/p", page("t", ENGLISH[:3]), etag='"v1"')
    first = fetch(http, url, FAST)
    again = fetch(http, url, FAST, etag=first.etag, last_modified=first.last_modified)
    assert first.status == 200 and again.not_modified and site.not_modified["/p"] == 1


# -- the whole pipeline --------------------------------------------------------------------------

@pytest.fixture
def ingest(prefect_server, packages_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("BABELFEED_ALLOW_PRIVATE_ADDRESSES", "true")
    monkeypatch.setenv("BABELFEED_HTTP_TIMEOUT", "1")
    monkeypatch.setenv("BABELFEED_HTTP_RETRIES", "2")
    monkeypatch.setenv("BABELFEED_HOST_DELAY", "0")  # one host, one request at a time, no pause
    from babelfeed_flows.ingest import ingest as flow

    def run(paths=None, feeds=None):
        return flow(paths=paths, feeds=feeds, warehouse=str(tmp_path / "wh"))

    return run


def rejects_by_uri(wh):
    return {r[0]: r[1] for r in table_rows(wh, "rejects")}


def test_urls_feeds_and_archives_end_to_end(site, ingest, tmp_path):
    b = site.base
    links = ["/news/1.html", "/news/2.html", "/news/3.html"]
    site.add(links[0], page("Troops", ENGLISH[:4]), etag='"a"')
    site.add(links[1], page("Raketen", GERMAN[:5], lang="de"), etag='"b"')
    site.add(links[2], "missing", status=404)
    site.add("/feed.xml", rss(b, links), ctype="application/rss+xml", etag='"feed1"')
    site.add("/atom.xml", atom(b, ["/news/4.html"]), ctype="application/atom+xml")
    site.add("/news/4.html", page("Atom", ENGLISH[4:8]))
    site.add("/bad-feed.xml", "<rss><channel><item><title>oops", ctype="application/rss+xml")
    site.add("/bomb.xml", BILLION_LAUGHS, ctype="application/rss+xml")
    site.add("/latin1.html", page("Präsident", ["Präsident Biden hat gesagt, dass es Israel verteidigen soll und "
                                                "größere Hilfe schickt."] * 3, lang="de").encode("latin-1"),
             ctype="text/html; charset=iso-8859-1")
    site.add("/meta.html", page("Straße", ["Die Straße in München wurde für den Verkehr gesperrt, sagte die Polizei "
                                           "am Montag."] * 3, lang="de", meta="<meta charset='windows-1252'>").encode("cp1252"),
             ctype="text/html")
    site.add("/utf16.txt", "\ufeff" .encode("utf-16-le")[:0] + b"\xff\xfe" + "\n".join(ENGLISH[:3]).encode("utf-16-le"),
             ctype="text/plain")
    site.add("/empty.html", "", ctype="text/html")
    site.add("/nav.html", "<html><body><script>var a;</script></body></html>")
    site.add("/archive.warc.gz", warc_bytes([
        ("https://news.example.org/w1", "text/html; charset=utf-8", page("W1", ENGLISH[8:12]).encode()),
        ("https://news.example.org/w2", "text/html", page("W2", GERMAN[6:10], lang="de").encode()),
        ("https://news.example.org/logo.png", "image/png", b"\x89PNG\r\n"),
    ]), ctype="application/warc")

    landing = tmp_path / "landing"
    write_article(landing / "good.txt", "\n".join(ENGLISH[:5]), "2026-10-01")
    (landing / "local.warc.gz").write_bytes(warc_bytes([("https://x.org/1", "text/html", page("L", ENGLISH[2:6]).encode())]))
    whole = warc_bytes([("https://x.org/t1", "text/html", page("T1", ENGLISH[:4]).encode()),
                        ("https://x.org/t2", "text/html", page("T2", ENGLISH[4:8]).encode())])
    (landing / "truncated.warc.gz").write_bytes(whole[: len(whole) - 450])  # into the last response
    lines = [json.dumps({"id": "j1", "text": "\n".join(ENGLISH[:4]), "url": "https://x.org/j1", "title": "J1",
                         "authors": ["A. Writer"], "published_at": "2026-09-01T10:00:00Z"}),
             json.dumps({"id": "j2", "html": page("J2", GERMAN[:4], lang="de")}),
             "{not json", json.dumps(["a", "list"]), json.dumps({"id": "j5", "title": "no text"})]
    (landing / "export.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (landing / "cut.jsonl.gz").write_bytes(gz(("\n".join(lines[:2]) + "\n").encode())[:-12])
    (landing / "nul.txt").write_bytes(b"Some text\x00with a NUL byte in it and more words here.")
    (landing / "folder.txt").mkdir()
    os.mkfifo(landing / "pipe.txt")

    urls = [f"{b}/latin1.html", f"{b}/meta.html", f"{b}/utf16.txt", f"{b}/empty.html", f"{b}/nav.html",
            f"{b}/archive.warc.gz", f"{b}/gone.html", f"{b}/redirect-nowhere"]
    report = ingest(paths=[str(landing), *urls], feeds=[f"{b}/feed.xml", f"{b}/atom.xml", f"{b}/bad-feed.xml", f"{b}/bomb.xml"])
    wh = tmp_path / "wh"

    arts = {r["source_uri"]: r for r in _articles(wh)}
    rejects = rejects_by_uri(wh)
    # Feed items were fetched and became articles; the 404 item is a reject.
    assert f"{b}/news/1.html" in arts and f"{b}/news/2.html" in arts and f"{b}/news/4.html" in arts
    assert arts[f"{b}/news/2.html"]["language"] == "de"
    assert arts[f"{b}/news/2.html"]["translation_status"] == "model_missing"
    assert arts[f"{b}/news/1.html"]["title"] == "Troops"
    assert rejects[f"{b}/news/3.html"] == "http_error"
    assert rejects[f"{b}/bad-feed.xml"] == "malformed_feed"
    assert rejects[f"{b}/bomb.xml"] == "unsafe_xml"
    # Character sets from the HTTP header, a meta tag and a byte-order mark.
    assert "Präsident Biden" in arts[f"{b}/latin1.html"]["text_original"]
    assert "Straße in München" in arts[f"{b}/meta.html"]["text_original"]
    assert arts[f"{b}/utf16.txt"]["text_original"].startswith(ENGLISH[0][:30])
    assert rejects[f"{b}/empty.html"] == "empty" and rejects[f"{b}/nav.html"] == "no_text"
    assert rejects[f"{b}/gone.html"] == "http_error"
    # WARC over HTTP and on disk: HTML responses only, target URI as url, WARC-Date as observed time.
    warc_arts = [a for uri, a in arts.items() if uri.startswith(f"{b}/archive.warc.gz#")]
    assert sorted(a["url"] for a in warc_arts) == ["https://news.example.org/w1", "https://news.example.org/w2"]
    assert {str(a["observed_at"])[:10] for a in warc_arts} == {"2026-09-15"}
    assert any(uri.startswith((landing / "local.warc.gz").as_uri() + "#") for uri in arts)
    truncated = [uri for uri in rejects if uri.startswith((landing / "truncated.warc.gz").as_uri())]
    assert [rejects[u] for u in truncated] == ["truncated"]
    # JSONL: mapped fields, bad lines rejected by line, a cut gzip keeps what was read.
    export = (landing / "export.jsonl").as_uri()
    assert arts[f"{export}#j1"]["title"] == "J1" and list(arts[f"{export}#j1"]["authors"]) == ["A. Writer"]
    assert arts[f"{export}#j2"]["language"] == "de"
    assert rejects[f"{export}#line-3"] == "bad_record" and rejects[f"{export}#line-4"] == "bad_record"
    assert rejects[f"{export}#j5"] == "bad_record"
    cut = (landing / "cut.jsonl.gz").as_uri()
    assert f"{cut}#j1" in arts and any(rejects[u] == "truncated" for u in rejects if u.startswith(cut))
    # Local oddities.
    assert rejects[(landing / "nul.txt").as_uri()] == "binary"
    assert rejects[(landing / "folder.txt").as_uri()] == "unreadable"
    assert rejects[(landing / "pipe.txt").as_uri()] == "unreadable"
    assert (landing / "good.txt").as_uri() in arts
    assert report["counts"]["rejected"] == len(rejects)

    # The next run: the feed answers 304, its items are not fetched again, pages answer 304.
    hits_before = dict(site.hits)
    again = ingest(paths=[str(landing), *urls], feeds=[f"{b}/feed.xml", f"{b}/atom.xml"])
    assert site.not_modified["/feed.xml"] == 1
    assert site.hits["/news/1.html"] == hits_before["/news/1.html"]  # fetched once, ever
    assert site.hits["/news/4.html"] == hits_before["/news/4.html"]
    assert site.hits["/atom.xml"] == hits_before["/atom.xml"] + 1  # no validators: fetched, items known
    assert site.hits["/news/3.html"] == hits_before["/news/3.html"]  # the feed was a 304: nothing listed
    assert again["counts"]["new"] == 0 and again["counts"]["articles"] == 0


def _articles(wh):
    import duckdb

    rel = duckdb.sql(f"select * from read_parquet('{wh}/articles/**/*.parquet', hive_partitioning=true)")
    return [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]


# -- url: where the content was fetched from; canonical_url: what the page names -------------------

CANONICAL = "https://other.example/canonical"
CANONICAL_LINK = f"<link rel='canonical' href='{CANONICAL}'>"


def _articles_of(refs, tmp_path):
    """The articles every stage makes of `refs` (no Prefect: one batch, as a worker runs it)."""
    from babelfeed.pipeline import process_batch
    from babelfeed.settings import Settings

    settings = Settings(warehouse=str(tmp_path / "wh"), online_models=False, extract_timeout=0,
                        allow_private_addresses=True, http_timeout=1.0, http_retries=1)
    return {a.source_uri: a for a in process_batch(refs, settings, "url-run").result.articles}


def test_a_warc_record_keeps_its_target_uri_as_url_and_the_page_canonical_link_apart(tmp_path):
    from babelfeed.sources.files import describe

    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(warc_bytes([
        ("https://news.example.org/w1", "text/html; charset=utf-8",
         page("W1", ENGLISH[:4], meta=CANONICAL_LINK).encode()),
        ("https://news.example.org/w2", "text/html; charset=utf-8", page("W2", ENGLISH[4:8]).encode()),
    ]))
    arts = {a.title: a for a in _articles_of([describe(path)], tmp_path).values()}
    assert (arts["W1"].url, arts["W1"].canonical_url) == ("https://news.example.org/w1", CANONICAL)
    # No canonical link: trafilatura's fallback (the URL it was given) is not taken for one.
    assert (arts["W2"].url, arts["W2"].canonical_url) == ("https://news.example.org/w2", None)


def test_a_redirected_url_keeps_the_url_after_redirects_and_the_page_canonical_link_apart(site, tmp_path):
    from babelfeed.sources import url_refs

    site.add("/old/story", "", status=301, Location="/moved/story")
    site.add("/moved/story", "", status=302, Location="/news/story.html")
    final = site.add("/news/story.html", page("Story", ENGLISH[:4], meta=CANONICAL_LINK))
    site.add("/short", "", status=302, Location="/news/plain.html")
    plain = site.add("/news/plain.html", page("Plain", ENGLISH[4:8]))
    arts = _articles_of(url_refs([f"{site.base}/old/story", f"{site.base}/short"]), tmp_path)
    story, other = arts[f"{site.base}/old/story"], arts[f"{site.base}/short"]
    assert (story.url, story.canonical_url) == (final, CANONICAL)
    assert (other.url, other.canonical_url) == (plain, None)
    assert site.hits["/news/story.html"] == 1 and site.hits["/news/plain.html"] == 1


def test_a_jsonl_record_keeps_its_url_field_as_url_and_the_page_canonical_link_apart(tmp_path):
    from babelfeed.sources.files import describe

    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(json.dumps(record) for record in (
        {"id": "j1", "url": "https://x.org/j1", "html": page("J1", ENGLISH[:4], meta=CANONICAL_LINK)},
        {"id": "j2", "link": "https://x.org/j2", "html": page("J2", ENGLISH[4:8])},
        {"id": "j3", "text": "\n".join(ENGLISH[8:12])},
    )) + "\n", encoding="utf-8")
    arts = _articles_of([describe(path)], tmp_path)
    export = path.as_uri()
    assert (arts[f"{export}#j1"].url, arts[f"{export}#j1"].canonical_url) == ("https://x.org/j1", CANONICAL)
    assert (arts[f"{export}#j2"].url, arts[f"{export}#j2"].canonical_url) == ("https://x.org/j2", None)
    assert (arts[f"{export}#j3"].url, arts[f"{export}#j3"].canonical_url) == (None, None)


def test_a_pathological_page_is_cut_off_by_the_time_limit(tmp_path):
    from babelfeed.pipeline import process_batch
    from babelfeed.settings import Settings
    from babelfeed.sources.files import describe

    path = tmp_path / "huge.html"
    path.write_text(page("Huge", [" ".join(ENGLISH)] * 400), encoding="utf-8")
    hurried = Settings(warehouse=str(tmp_path / "wh"), online_models=False, extract_timeout=0.05)
    (result,) = process_batch([describe(path)], hurried, "r1").result.rejects
    assert result.reason is RejectReason.EXTRACT_TIMEOUT and result.stage == "extract"
    assert "BABELFEED_EXTRACT_TIMEOUT" in result.detail
    patient = hurried.model_copy(update={"extract_timeout": 60})
    assert process_batch([describe(path)], patient, "r2").result.articles  # the helper recovered


def test_feed_items_are_fetched_until_they_succeed_then_never_again(site, http):
    from datetime import UTC, datetime

    from babelfeed.article import LedgerEntry
    from babelfeed.sources.feeds import discover_feed

    b = site.base
    site.add("/f.xml", rss(b, ["/x1.html", "/x2.html", "/x3.html"]), ctype="application/rss+xml")
    now = datetime.now(UTC)
    ledger = {
        f"{b}/x1.html": LedgerEntry(f"{b}/x1.html", "etag=|last-modified=", "h", "article", now, "r0"),
        f"{b}/x2.html": LedgerEntry(f"{b}/x2.html", "etag=|last-modified=", None, "reject", now, "r0"),
    }
    found = discover_feed(f"{b}/f.xml", http, FAST, ledger, "r1")
    assert [r.uri for r in found.refs] == [f"{b}/x2.html", f"{b}/x3.html"]
    assert found.already_seen == 1
    assert [r.title for r in found.refs] == ["Item 1", "Item 2"]
    assert found.refs[0].published_at.isoformat().startswith("2026-09-02")
