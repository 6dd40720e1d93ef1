"""Backfills replay windows of observed dates and equal the history they replay."""

import shutil

import pytest
from typer.testing import CliRunner

from babelfeed import models
from babelfeed.cli import app
from conftest import SEEDS, table_rows, write_article

pytestmark = pytest.mark.usefixtures("prefect_server")

DAYS = ["2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04"]
TABLES = ("articles", "segments", "rejects")


@pytest.fixture
def landing(tmp_path):
    """Seeds spread over four observed days, plus a reject on the last one."""
    folder = tmp_path / "landing"
    for i, seed in enumerate(sorted(SEEDS.glob("*.txt"))):
        write_article(folder / seed.name, seed.read_text(encoding="utf-8"), DAYS[i % 4])
    write_article(folder / "tiny.txt", "ok 123", DAYS[3])
    return folder


def ingest(paths, wh):
    from babelfeed_flows.ingest import ingest as flow

    return flow(paths=[str(p) for p in paths], warehouse=str(wh))


def backfill(paths, wh, start, end, retranslate=False):
    from datetime import date

    from babelfeed_flows.backfill import backfill as flow

    return flow(start=date.fromisoformat(start), end=date.fromisoformat(end),
                paths=[str(p) for p in paths], warehouse=str(wh), retranslate=retranslate)


def test_backfilled_windows_equal_the_scheduled_history(landing, tmp_path, installed_model, monkeypatch):
    # History: a scheduled run after each day's files arrived in the landing folder.
    arriving = tmp_path / "arriving"
    arriving.mkdir()
    history = tmp_path / "history"
    for day in DAYS:
        for f in landing.iterdir():
            if f.stat().st_mtime and f.name not in {p.name for p in arriving.iterdir()}:
                from datetime import UTC, datetime

                if datetime.fromtimestamp(f.stat().st_mtime, UTC).date().isoformat() == day:
                    shutil.copy2(f, arriving / f.name)
        ingest([arriving], history)
    # Backfill: everything is there; two windows replayed into an empty warehouse.
    replay = tmp_path / "replay"
    first = backfill([arriving], replay, DAYS[0], DAYS[1])
    second = backfill([arriving], replay, DAYS[2], DAYS[3])
    assert first["counts"]["discovered"] == 3 and second["counts"]["discovered"] == 3
    for table in TABLES:
        assert table_rows(replay, table) == table_rows(history, table), table
    # A backfill over everything again changes nothing and duplicates nothing.
    backfill([arriving], replay, DAYS[0], DAYS[3])
    for table in TABLES:
        assert table_rows(replay, table) == table_rows(history, table), table


def test_backfill_only_touches_its_window(landing, tmp_path, packages_dir):
    wh = tmp_path / "wh"
    ingest([landing], wh)
    before = {r[0]: r for r in table_rows(wh, "articles", ignore=())}
    report = backfill([landing], wh, DAYS[0], DAYS[0])  # two seeds were observed that day
    assert report["counts"]["discovered"] == 2 and report["counts"]["articles"] == 2
    after = {r[0]: r for r in table_rows(wh, "articles", ignore=())}
    changed = {k for k in after if after[k] != before[k]}
    assert len(changed) == 2 and len(after) == 5


def test_retranslate_fills_the_backlog_then_replaces_an_old_model(landing, tmp_path, packages_dir, model_file, model_file_v2):
    wh = tmp_path / "wh"
    ingest([landing], wh)
    statuses = lambda: sorted(  # noqa: E731
        (r[0], r[1]) for r in
        __import__("duckdb").sql(
            f"select translation_status, translation_model from read_parquet('{wh}/articles/**/*.parquet')"
        ).fetchall()
    )
    assert ("model_missing", None) in statuses()
    models.install_file(model_file)
    report = backfill([landing], wh, DAYS[0], DAYS[3], retranslate=True)
    assert ("translated", "argos/de-en@1.0") in statuses()
    models.install_file(model_file_v2)
    report = backfill([landing], wh, DAYS[0], DAYS[3], retranslate=True)
    assert ("translated", "argos/de-en@2.0") in statuses() and len(statuses()) == 5
    segs = __import__("duckdb").sql(
        f"select distinct translation_model from read_parquet('{wh}/segments/**/*.parquet') where language = 'de'"
    ).fetchall()
    assert segs == [("argos/de-en@2.0",)]
    assert report["counts"]["articles"] == 5


def test_retranslate_without_sources_uses_the_stored_text(landing, tmp_path, packages_dir, model_file):
    wh = tmp_path / "wh"
    ingest([landing], wh)
    models.install_file(model_file)
    empty = tmp_path / "no-sources"
    empty.mkdir()
    report = backfill([empty], wh, DAYS[0], DAYS[3], retranslate=True)
    assert report["counts"]["retranslated"] == 1 and report["counts"]["translated"] == 1


def test_cli_backfill_checks_its_window(tmp_path):
    result = CliRunner().invoke(app, ["backfill", "--start", "2026-10-05", "--end", "2026-10-01",
                                      "--warehouse", str(tmp_path / "wh")])
    assert result.exit_code == 2 and "before --start" in result.output
    result = CliRunner().invoke(app, ["backfill", "--start", "yesterday", "--end", "2026-10-01"])
    assert result.exit_code == 2


def test_retranslate_gives_articles_of_schema_version_2_their_scores(landing, tmp_path, installed_model):
    import duckdb
    import pyarrow.parquet as pq

    from babelfeed.warehouse import ARTICLES, read_table

    wh = tmp_path / "wh"
    ingest([landing], wh)
    # Rewrite the tables as version 2 wrote them: no quality columns.
    for table, dropped in (("articles", ["translation_score", "flagged_segments"]),
                           ("segments", ["translation_score", "translation_flags"])):
        for path in (wh / table).glob("*/*.parquet"):
            pq.write_table(pq.read_table(path).drop_columns(dropped), path)
    scores = lambda: [  # noqa: E731
        r["translation_score"] for r in read_table(wh, ARTICLES, columns=["translation_status", "translation_score"]).to_pylist()
        if r["translation_status"] == "translated"
    ]
    assert scores() == [None]
    no_sources = tmp_path / "no-sources"
    no_sources.mkdir()
    assert backfill([no_sources], wh, DAYS[0], DAYS[3])["counts"]["retranslated"] == 0  # only when asked
    report = backfill([no_sources], wh, DAYS[0], DAYS[3], retranslate=True)
    assert report["counts"]["retranslated"] == 1 and scores()[0] < 0
    scored = duckdb.sql(
        f"select count(translation_score) from read_parquet('{wh}/segments/**/*.parquet', union_by_name=true) "
        "where language = 'de'"
    ).fetchall()[0][0]
    assert scored > 30
    assert backfill([no_sources], wh, DAYS[0], DAYS[3], retranslate=True)["counts"]["retranslated"] == 0
