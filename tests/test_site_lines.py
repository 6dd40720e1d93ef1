"""Lines a site carries on its pages go aside as `site_repeated` (issue 19): after PAGES pages of
one host and not before, through re-runs and backfills, never on another host's pages; a page
processed again is counted once; the count is bounded, and a damaged one is set aside."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

import duckdb
import pytest

from babelfeed.article import Article
from babelfeed.normalize import normalize, site_lines
from conftest import ingest, write_article

DAY, LATER = "2026-10-01", "2026-10-02"
FOOTER = "Our reporting depends on readers like you: become a member today"
TOPICS = ["harbour", "library", "stadium", "railway", "hospital", "museum", "bridge", "market", "school",
          "airport", "theatre", "park"]


def story(i: int) -> str:
    """A page of its own words, with the site's footer."""
    topic = TOPICS[i % len(TOPICS)]
    return "\n".join([
        f"Council debates the future of the {topic}",
        f"The council met on Monday to debate plans for the {topic}, which residents have asked "
        f"to be renovated for years.",
        f"A decision on the {topic} is expected before the summer, the mayor said after the meeting.",
        FOOTER,
    ])


def page(i: int, host: str = "news.example.org", text: str | None = None) -> Article:
    url = f"https://www.{host}/2026/{i}"
    return Article(url, url, "url", datetime(2026, 10, 1, tzinfo=UTC), "h", text or story(i), url=url)


def kinds(article: Article) -> dict[str, str]:
    return {b.text: b.kind for b in article.boilerplate}


@pytest.fixture
def count(tmp_path):
    index = site_lines.SiteLines(tmp_path / site_lines.FILE)
    yield index, site_lines.Reader(tmp_path / site_lines.FILE)
    index.close()


def commit(index: site_lines.SiteLines, reader: site_lines.Reader, article: Article) -> Article:
    """Process a page as a run does (the normalizer reads the count), then commit it."""
    done = normalize(article, sites=reader)
    index.record([done])
    index.save()
    return done


def test_a_line_is_the_sites_after_pages_pages_and_not_before(count):
    index, reader = count
    for i in range(site_lines.PAGES):
        assert kinds(commit(index, reader, page(i))) == {}  # seen on i pages before: not yet
    assert kinds(commit(index, reader, page(99))) == {FOOTER: "site_repeated"}
    # The first pages, processed again, see it too; their own lines stay.
    again = normalize(page(0), sites=reader)
    assert kinds(again) == {FOOTER: "site_repeated"} and again.text.startswith("Council debates the future of the harbour")


def test_another_sites_pages_and_pages_without_a_site_are_untouched(count):
    index, reader = count
    for i in range(site_lines.PAGES + 2):
        commit(index, reader, page(i))
    assert kinds(normalize(page(50, host="other.example"), sites=reader)) == {}
    no_site = Article("f", "file:///f.txt", "file", datetime(2026, 10, 1, tzinfo=UTC), "h", story(51))
    assert kinds(normalize(no_site, sites=reader)) == {}
    # A page with a site name and no URL belongs to the site of that name.
    for i in range(site_lines.PAGES):
        commit(index, reader, replace(page(60 + i), url=None, site="News Example"))
    assert kinds(normalize(replace(page(70), url=None, site="News  example"), sites=reader)) == {FOOTER: "site_repeated"}


def test_a_page_processed_again_is_counted_once(count):
    index, reader = count
    for _ in range(site_lines.PAGES * 3):
        commit(index, reader, page(0))
    commit(index, reader, page(1))
    assert kinds(normalize(page(2), sites=reader)) == {}


def test_a_sentence_some_articles_share_is_not_the_sites(count):
    """Seen on PAGES pages, but on few of the site's pages since it was first seen."""
    index, reader = count
    shared = "The company did not respond to a request for comment on the decision."
    for i in range(40):
        text = story(i).replace(FOOTER, shared if i % 8 == 0 else f"Filed under item number {TOPICS[i % 12]}")
        commit(index, reader, page(i, text=text))
    assert kinds(normalize(page(41, text=story(41).replace(FOOTER, shared)), sites=reader)) == {}


def test_a_page_mostly_made_of_the_sites_lines_stays_whole(count):
    """A story the site published twice: its lines are on many pages, and it keeps them all."""
    index, reader = count
    for i in range(site_lines.PAGES):
        commit(index, reader, page(i, text=story(0)))
    assert kinds(normalize(page(9, text=story(0)), sites=reader)) == {}


def test_the_count_is_bounded_and_keeps_the_sites_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(site_lines, "MAX_LINES", 60)
    index = site_lines.SiteLines(tmp_path / site_lines.FILE)
    reader = site_lines.Reader(tmp_path / site_lines.FILE)
    for i in range(40):  # each page brings three lines of its own
        text = story(i) + f"\nA closing line about the {i}th meeting of the year, quite unlike the others."
        commit(index, reader, page(i, text=text.replace("the future", f"plan {i} for")))
        stored = index.db.execute("SELECT count(*) FROM lines").fetchone()[0]
        assert stored <= 60
    assert kinds(normalize(page(100), sites=reader)) == {FOOTER: "site_repeated"}
    index.close()


def test_a_damaged_count_goes_to_the_quarantine_and_starts_afresh(tmp_path):
    wh = tmp_path / "wh"
    state = wh / "_state"
    state.mkdir(parents=True)
    path = state / site_lines.FILE
    path.write_bytes(b"not a database" * 100)
    assert site_lines.Reader(path).repeated("news.example.org", [FOOTER]) == set()  # reads nothing, raises nothing
    index = site_lines.open_index(path, str(wh))
    index.record([page(0)])
    index.save()
    index.close()
    kept, = (wh / "_quarantine").glob(f"*/_state/{site_lines.FILE}")
    assert kept.read_bytes().startswith(b"not a database")


def site_repeated(wh) -> dict[str, list[str]]:
    """url -> the lines its article set aside as site_repeated."""
    rows = duckdb.sql(
        f"select url, boilerplate from read_parquet('{wh}/articles/**/*.parquet', hive_partitioning=true)"
    ).fetchall()
    return {url: [b["text"] for b in aside if b["kind"] == "site_repeated"] for url, aside in rows}


def jsonl(path, day: str, records: list[tuple[str, str]]) -> None:
    write_article(path, "\n".join(json.dumps({"url": url, "text": text}) for url, text in records) + "\n", day)


@pytest.mark.usefixtures("prefect_server")
def test_site_repeated_through_runs_a_rerun_and_a_backfill(tmp_path, packages_dir):
    landing, wh = tmp_path / "landing", tmp_path / "wh"
    host_a = [(f"https://news.example.org/2026/{i}", story(i)) for i in range(site_lines.PAGES + 1)]
    jsonl(landing / "first.jsonl", DAY, host_a[: site_lines.PAGES])
    ingest(landing, wh)
    assert all(found == [] for found in site_repeated(wh).values())  # nothing seen before them

    other = ("https://other.example/2026/1", story(7))
    jsonl(landing / "later.jsonl", LATER, [host_a[-1], other])
    ingest(landing, wh)
    after = site_repeated(wh)
    assert after[host_a[-1][0]] == [FOOTER] and after[other[0]] == []
    assert all(after[url] == [] for url, _ in host_a[:-1])  # committed before the count knew it

    ingest(landing, wh)  # nothing changed: no page is processed again, no row changes
    assert site_repeated(wh) == after

    from babelfeed_flows.backfill import backfill

    backfill(start=date.fromisoformat(DAY), end=date.fromisoformat(LATER), paths=[str(landing)], warehouse=str(wh))
    replayed = site_repeated(wh)
    assert replayed[host_a[-1][0]] == [FOOTER] and replayed[other[0]] == []  # it survives a re-run
    assert all(replayed[url] == [FOOTER] for url, _ in host_a)  # and the first pages lose it now
    text = duckdb.sql(f"select text_original from read_parquet('{wh}/articles/**/*.parquet') "
                      f"where url = '{host_a[0][0]}'").fetchall()[0][0]
    assert text == "\n\n".join(story(0).split("\n")[:-1])
