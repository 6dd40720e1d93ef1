"""Incremental runs: unchanged inputs cost nothing, changed ones replace their rows."""

import os

import pytest

from babelfeed import pipeline
from conftest import SEEDS, table_rows, write_article

pytestmark = pytest.mark.usefixtures("prefect_server")

GERMAN_TEXT = (SEEDS / "002_9ebab77608ba1ccd.txt").read_text(encoding="utf-8")
ENGLISH_TEXT = (SEEDS / "003_4c44f74924c99ddc.txt").read_text(encoding="utf-8")


def ingest(landing, wh, threads=False):
    from prefect.task_runners import ThreadPoolTaskRunner

    from babelfeed_flows.ingest import ingest as flow

    if threads:  # so that the spy below sees the stages run (worker processes would not)
        flow = flow.with_options(task_runner=ThreadPoolTaskRunner())
    return flow(paths=[str(landing)], warehouse=str(wh))


@pytest.fixture
def spy(monkeypatch):
    """Count how often extraction and translation actually run (in this process: with no
    time limits the stages run in the worker, here a thread, instead of a helper process)."""
    import babelfeed.translate

    monkeypatch.setenv("BABELFEED_INPUT_TIMEOUT", "0")
    monkeypatch.setenv("BABELFEED_EXTRACT_TIMEOUT", "0")
    calls = {"extract": 0, "translate": 0}
    real_extract, real_translate = pipeline.extract, babelfeed.translate.translate_articles

    def extract(item, *args):
        calls["extract"] += 1
        return real_extract(item, *args)

    def translate(articles, *args):
        calls["translate"] += len(articles)
        return real_translate(articles, *args)

    monkeypatch.setattr(pipeline, "extract", extract)
    monkeypatch.setattr(babelfeed.translate, "translate_articles", translate)
    return calls


def test_unchanged_inputs_are_not_extracted_or_translated(seeds_copy, tmp_path, spy, installed_model):
    wh = tmp_path / "wh"
    ingest(seeds_copy, wh, threads=True)
    assert spy == {"extract": 5, "translate": 5}
    before = table_rows(wh, "articles")
    report = ingest(seeds_copy, wh, threads=True)
    assert spy == {"extract": 5, "translate": 5}
    assert report["counts"].items() >= {"discovered": 5, "unchanged": 5, "new": 0, "articles": 0}.items()
    assert table_rows(wh, "articles") == before


def test_touched_but_identical_files_cost_a_hash_not_a_run(seeds_copy, tmp_path, spy, packages_dir):
    wh = tmp_path / "wh"
    ingest(seeds_copy, wh, threads=True)
    for path in seeds_copy.iterdir():
        os.utime(path)  # new mtime, same bytes
    report = ingest(seeds_copy, wh, threads=True)
    assert spy["extract"] == 5
    assert report["counts"]["unchanged"] == 5
    # ...and the ledger remembers the new fingerprints: the third run does not even read them.
    third = ingest(seeds_copy, wh, threads=True)
    assert third["counts"]["unchanged"] == 5 and spy["extract"] == 5


def test_a_changed_input_replaces_its_article_and_segments(tmp_path, packages_dir):
    landing, wh = tmp_path / "landing", tmp_path / "wh"
    path = write_article(landing / "story.txt", GERMAN_TEXT, "2026-10-01")
    write_article(landing / "other.txt", ENGLISH_TEXT, "2026-10-01")
    ingest(landing, wh)
    import duckdb

    def story_ids():
        return duckdb.sql(
            f"select article_id from read_parquet('{wh}/articles/**/*.parquet') where source_uri like '%story.txt'"
        ).fetchall()

    old_ids = story_ids()
    shorter = "\n".join(GERMAN_TEXT.splitlines()[:3])
    write_article(path, shorter, "2026-10-05")
    report = ingest(landing, wh)
    assert report["counts"]["updated"] == 1 and report["counts"]["unchanged"] == 1
    assert story_ids() == old_ids  # the same id, a single row, now in its new partition

    rows = duckdb.sql(
        f"select article_id, observed_date, sentence_count from read_parquet('{wh}/articles/**/*.parquet', "
        "hive_partitioning=true) where source_uri like '%story.txt'"
    ).fetchall()
    assert len(rows) == 1 and str(rows[0][1]) == "2026-10-05" and rows[0][2] == 3
    segs = duckdb.sql(
        f"select count(*) from read_parquet('{wh}/segments/**/*.parquet') where article_id = '{rows[0][0]}'"
    ).fetchall()[0][0]
    assert segs == 3


def test_an_emptied_input_becomes_a_reject_and_loses_its_article(tmp_path, packages_dir):
    landing, wh = tmp_path / "landing", tmp_path / "wh"
    path = write_article(landing / "story.txt", ENGLISH_TEXT, "2026-10-01")
    ingest(landing, wh)
    write_article(path, "", "2026-10-02")
    ingest(landing, wh)
    assert table_rows(wh, "articles") == [] and table_rows(wh, "segments") == []
    assert [r[1] for r in table_rows(wh, "rejects")] == ["empty"]
    write_article(path, ENGLISH_TEXT, "2026-10-03")  # fixed again: the reject goes away
    report = ingest(landing, wh)
    assert report["counts"]["updated"] == 1
    assert table_rows(wh, "rejects") == [] and len(table_rows(wh, "articles")) == 1
