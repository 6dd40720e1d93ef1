"""The ingest flow end to end on the seeds, read back with DuckDB and pandas."""

import os
import subprocess
import sys

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from babelfeed.cli import app
from babelfeed.normalize import normalize_text
from babelfeed.runs import RunReport
from babelfeed.segment import sentences
from conftest import GERMAN_SEED, REPO

pytestmark = pytest.mark.usefixtures("prefect_server")


def run_flow(seeds, warehouse, **kwargs):
    from babelfeed_flows.ingest import ingest

    return ingest(paths=[str(seeds)], warehouse=str(warehouse), **kwargs)


def query(sql: str, warehouse) -> list[tuple]:
    return duckdb.sql(sql.replace("{wh}", str(warehouse))).fetchall()


def articles(warehouse) -> pd.DataFrame:
    return duckdb.sql(
        f"select * from read_parquet('{warehouse}/articles/**/*.parquet', hive_partitioning=true)"
    ).df().set_index("source_uri")


def test_seeds_with_a_model(seeds_copy, tmp_path, model_file, packages_dir, monkeypatch):
    monkeypatch.setenv("BABELFEED_MODEL_DIRS", str(model_file.parent))
    wh = tmp_path / "wh"
    report = run_flow(seeds_copy, wh, batch_size=2)  # three batches: tasks, not one per article

    assert report["counts"]["articles"] == 5 and report["counts"]["rejected"] == 0
    assert report["statuses"] == {"not_needed": 4, "translated": 1}
    df = articles(wh)
    assert len(df) == 5 and df["article_id"].is_unique
    german_uri = (seeds_copy / GERMAN_SEED.name).as_uri()
    de = df.loc[german_uri]
    assert de["language"] == "de" and de["language_confidence"] > 0.9
    assert de["translation_status"] == "translated" and de["translation_model"] == "argos/de-en@1.0"
    assert de["text_english"].strip()
    for uri, row in df.drop(german_uri).iterrows():
        assert row["language"] == "en" and row["translation_status"] == "not_needed"
        original = (seeds_copy / uri.rsplit("/", 1)[1]).read_text(encoding="utf-8")
        assert row["text_english"] == row["text_original"] == normalize_text(original)

    segs = query(
        "select sentence_index, paragraph_index, language, text_original, text_english, translation_model "
        "from read_parquet('{wh}/segments/**/*.parquet', hive_partitioning=true) "
        f"where article_id = '{de['article_id']}' order by paragraph_index, sentence_index", wh,
    )
    expected = sentences(normalize_text(GERMAN_SEED.read_text(encoding="utf-8")), "de")
    assert [s[3] for s in segs] == expected
    assert all(s[2] == "de" and s[4] is not None and s[5] == "argos/de-en@1.0" for s in segs)
    assert query("select count(*) from read_parquet('{wh}/segments/**/*.parquet') "
                 "group by article_id, paragraph_index, sentence_index having count(*) > 1", wh) == []

    runs = query("select status, articles, translated, not_needed from read_parquet('{wh}/runs/**/*.parquet')", wh)
    assert runs == [("completed", 5, 1, 4)]

    # Quality signals, read by DuckDB: a finite score per translated sentence, the flags the
    # random model earns (it loops, mostly until the length bound), and the article's summary.
    quality = query(
        "select count(*), count(translation_score), max(translation_score), "
        "count(*) filter (where len(translation_flags) > 0), "
        "count(*) filter (where list_contains(translation_flags, 'truncated')) "
        "from read_parquet('{wh}/segments/**/*.parquet') where translation_model is not null", wh,
    )
    n = len(expected)
    scored, flagged, truncated = quality[0][1], quality[0][3], quality[0][4]
    assert quality[0][0] == scored == n and quality[0][2] < 0 and truncated > n // 2
    assert de["flagged_segments"] == flagged and de["translation_score"] < 0
    assert df.drop(german_uri)["translation_score"].isna().all()
    assert (df.drop(german_uri)["flagged_segments"] == 0).all()
    device = query(
        "select translate_device, translate_compute_type, sentences_translated, sentences_flagged, "
        "sentences_per_second > 0, tokens_per_second > sentences_per_second "
        "from read_parquet('{wh}/runs/**/*.parquet')", wh,
    )
    assert device == [("cpu", "int8", n, flagged, True, True)]
    shown = CliRunner().invoke(app, ["stats", "--warehouse", str(wh)], terminal_width=200)
    assert shown.exit_code == 0 and "translation flag" in shown.output
    cells = [[c.strip() for c in line.split("│") if c.strip()] for line in shown.output.splitlines()]
    assert ["truncated", str(truncated)] in cells

    # Page dirt of the seeds is kept aside by kind, out of the text and the segments.
    aside = query(
        "select b.kind, count(*) from (select unnest(boilerplate) as b from "
        "read_parquet('{wh}/articles/**/*.parquet')) group by 1 order by 1", wh,
    )
    assert aside == [("caption", 2), ("credit", 1), ("related_links", 3), ("repeated", 1), ("teaser", 1)]
    assert query(
        "select count(*) from read_parquet('{wh}/segments/**/*.parquet') "
        "where text_original like '%Getty Images%' or text_original like '%contributed.%'", wh,
    ) == [(0,)]
    for kind, count in aside:
        assert [kind, str(count)] in cells
    assert any(line.startswith("models on cpu (int8)") for line in RunReport(**report).lines())


def test_seeds_without_a_model_store_german_as_model_missing(seeds_copy, tmp_path, packages_dir):
    wh = tmp_path / "wh"
    result = CliRunner().invoke(app, ["ingest", str(seeds_copy), "--warehouse", str(wh)])
    assert result.exit_code == 0, result.output
    assert "babelfeed models install de-en" in result.output
    df = articles(wh)
    de = df.loc[(seeds_copy / GERMAN_SEED.name).as_uri()]
    assert de["translation_status"] == "model_missing" and pd.isna(de["text_english"])
    assert de["language"] == "de"
    assert sorted(df["translation_status"]) == ["model_missing"] + ["not_needed"] * 4


def test_ids_are_stable_and_reruns_add_no_rows(seeds_copy, tmp_path, packages_dir):
    wh = tmp_path / "wh"
    run_flow(seeds_copy, wh)
    first = articles(wh)
    run_flow(seeds_copy, wh)
    second = articles(wh)
    assert len(second) == 5
    assert first["article_id"].to_dict() == second["article_id"].to_dict()
    assert pd.read_parquet(wh / "articles").shape[0] == 5  # pandas reads it without babelfeed
    assert query("select status, new, unchanged from read_parquet('{wh}/runs/**/*.parquet') order by started_at", wh) == [
        ("completed", 5, 0), ("completed", 0, 5),
    ]


def test_a_file_that_cannot_be_an_article_is_a_reject_not_a_failure(seeds_copy, tmp_path, packages_dir):
    (seeds_copy / "empty.txt").write_bytes(b"")
    (seeds_copy / "numbers.txt").write_text("12 34 56 78\n")
    wh = tmp_path / "wh"
    report = run_flow(seeds_copy, wh)
    assert report["counts"]["articles"] == 5
    assert report["reject_reasons"] == {"empty": 1, "too_short": 1}
    rejects = query("select source_uri, reason from read_parquet('{wh}/rejects/**/*.parquet') order by 1", wh)
    assert [(uri.rsplit("/", 1)[1], reason) for uri, reason in rejects] == [
        ("empty.txt", "empty"), ("numbers.txt", "too_short"),
    ]


def test_a_missing_path_is_a_clear_error_before_anything_runs(tmp_path):
    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "wh")])
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert not (tmp_path / "wh").exists()


def test_the_installed_command_runs_on_the_seeds(tmp_path, packages_dir):
    """`babelfeed ingest` as a user runs it: a real process with its own Prefect server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    exe = os.path.join(os.path.dirname(sys.executable), "babelfeed")
    done = subprocess.run(
        [exe, "ingest", "--warehouse", str(tmp_path / "wh")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "languages: de=1, en=4" in done.stdout
    assert query("select count(distinct article_id) from read_parquet('{wh}/articles/**/*.parquet')", tmp_path / "wh") == [(5,)]
