from datetime import UTC, datetime, timedelta

import duckdb
import pyarrow.parquet as pq

from babelfeed.article import Article, Segment, TranslationStatus
from babelfeed.warehouse import ARTICLES, SCHEMA_VERSION, SEGMENTS, commit, read_table
from babelfeed.warehouse.records import articles_table, segments_table

DAY = datetime(2026, 10, 1, 12, tzinfo=UTC)


def art(aid: str, observed: datetime, text: str = "Hallo Welt. Zweiter Satz.") -> Article:
    segs = tuple(Segment(0, i, 0, 1, t, t) for i, t in enumerate(text.split(". ")))
    return Article(aid, f"file:///{aid}", "file", observed, "h", text, language="de",
                   segments=segs, text_english=text, translation_status=TranslationStatus.NOT_NEEDED)


def write(root, articles, run="r1"):
    commit(root, ARTICLES, articles_table(articles, run, DAY))
    commit(root, SEGMENTS, segments_table(articles, run))


def test_same_rows_twice_leave_the_same_table(tmp_path):
    rows = [art("a", DAY), art("b", DAY + timedelta(days=1))]
    write(tmp_path, rows)
    first = read_table(tmp_path, ARTICLES)
    write(tmp_path, rows)
    assert read_table(tmp_path, ARTICLES).equals(first)
    assert sorted(p.parent.name for p in (tmp_path / "articles").glob("*/*.parquet")) == [
        "observed_date=2026-10-01", "observed_date=2026-10-02",
    ]


def test_an_article_that_moves_partition_leaves_the_old_one(tmp_path):
    write(tmp_path, [art("a", DAY), art("b", DAY)])
    write(tmp_path, [art("a", DAY + timedelta(days=3), "Neuer Text.")])
    table = read_table(tmp_path, ARTICLES).to_pylist()
    assert sorted((r["article_id"], r["observed_date"]) for r in table) == [
        ("a", "2026-10-04"), ("b", "2026-10-01"),
    ]
    segs = read_table(tmp_path, SEGMENTS).to_pylist()
    assert [(s["article_id"], s["sentence_index"]) for s in segs if s["article_id"] == "a"] == [("a", 0)]


def test_an_emptied_partition_disappears(tmp_path):
    write(tmp_path, [art("a", DAY)])
    write(tmp_path, [art("a", DAY + timedelta(days=1))])
    assert not (tmp_path / "articles" / "observed_date=2026-10-01").exists()


def test_files_carry_schema_version_and_no_temporaries_remain(tmp_path):
    write(tmp_path, [art("a", DAY)])
    files = list((tmp_path / "articles").rglob("*"))
    assert not [f for f in files if f.name.endswith(".tmp")]
    meta = pq.read_schema(next((tmp_path / "articles").rglob("*.parquet"))).metadata
    assert meta[b"babelfeed.schema_version"] == SCHEMA_VERSION.encode()
    assert pq.ParquetFile(next((tmp_path / "articles").rglob("*.parquet"))).metadata.row_group(0).column(0).compression == "ZSTD"


def test_duckdb_reads_the_partitions(tmp_path):
    write(tmp_path, [art("a", DAY), art("b", DAY + timedelta(days=1))])
    rows = duckdb.sql(
        f"select article_id, observed_date from read_parquet('{tmp_path}/articles/**/*.parquet', "
        "hive_partitioning=true) order by article_id"
    ).fetchall()
    assert [(r[0], r[1].isoformat()) for r in rows] == [("a", "2026-10-01"), ("b", "2026-10-02")]
