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


def test_a_full_file_stops_growing_and_a_replaced_row_leaves_only_its_file(tmp_path, monkeypatch):
    from babelfeed.warehouse import writer

    monkeypatch.setattr(writer, "FILE_TARGET_BYTES", 1)  # every file is "full" once written
    for i in range(3):  # three commits into one day: three files, none rewritten
        write(tmp_path, [art(f"a{i}", DAY)])
    files = sorted((tmp_path / "articles" / "observed_date=2026-10-01").glob("*.parquet"))
    assert len(files) == 3
    stamps = {f.name: f.stat().st_mtime_ns for f in files}

    # a1 changes: its old row leaves the middle file only, the new one goes into a new file.
    commit(tmp_path, ARTICLES, articles_table([art("a1", DAY, "Anders. Ganz anders.")], "r2", DAY),
           may_hold=["2026-10-01"])
    after = sorted((tmp_path / "articles" / "observed_date=2026-10-01").glob("*.parquet"))
    assert [f.name for f in after if f.name in stamps and f.stat().st_mtime_ns == stamps[f.name]] == [
        files[0].name, files[2].name,
    ]
    assert files[1] not in after  # it held only a1: emptied, deleted
    rows = read_table(tmp_path, ARTICLES, columns=["article_id", "text_original"]).to_pylist()
    assert sorted((r["article_id"], r["text_original"]) for r in rows) == [
        ("a0", "Hallo Welt. Zweiter Satz."), ("a1", "Anders. Ganz anders."), ("a2", "Hallo Welt. Zweiter Satz."),
    ]


def test_small_commits_fill_the_newest_file(tmp_path):
    for i in range(4):
        write(tmp_path, [art(f"a{i}", DAY)], run=f"r{i}")
    files = list((tmp_path / "segments" / "observed_date=2026-10-01").glob("*.parquet"))
    assert len(files) == 1 and pq.read_metadata(files[0]).num_rows == 8


def test_files_of_the_previous_schema_version_are_read_and_rewritten(tmp_path):
    import pyarrow as pa

    from babelfeed.warehouse import RUNS
    from babelfeed.warehouse.records import runs_table

    old = runs_table({"run_id": "old", "status": "completed", "started_at": DAY}).drop_columns(
        ["wall_seconds", "workers", "commits"]
    )
    folder = tmp_path / "runs" / "run_date=2026-10-01"
    folder.mkdir(parents=True)
    pq.write_table(old, folder / "data.parquet")  # as version 1 wrote it
    commit(tmp_path, RUNS, runs_table({"run_id": "new", "status": "completed", "started_at": DAY,
                                       "wall_seconds": 1.5, "workers": 2, "commits": 1}), may_hold=())
    rows = read_table(tmp_path, RUNS, columns=["run_id", "workers"]).to_pylist()
    assert sorted((r["run_id"], r["workers"]) for r in rows) == [("new", 2), ("old", None)]
    assert pa.types.is_int32(read_table(tmp_path, RUNS).schema.field("workers").type)


def test_segments_and_articles_of_schema_version_2_read_with_null_quality_columns(tmp_path):
    def table_of(spec, articles, run):
        return segments_table(articles, run) if spec is SEGMENTS else articles_table(articles, run, DAY)

    for spec, dropped in ((SEGMENTS, ["translation_score", "translation_flags"]),
                          (ARTICLES, ["translation_score", "flagged_segments"])):
        a = art("old", DAY)
        table = table_of(spec, [a], "r0")
        folder = tmp_path / spec.name / "observed_date=2026-10-01"
        folder.mkdir(parents=True)
        pq.write_table(table.drop_columns(dropped), folder / "part-0-old.parquet")  # as version 2 wrote it
        rows = read_table(tmp_path, spec, columns=dropped).to_pylist()
        assert rows and all(v is None for row in rows for v in row.values())
        commit(tmp_path, spec, table_of(spec, [art("new", DAY)], "r1"), may_hold=None)
        assert read_table(tmp_path, spec).num_rows == 2 * table.num_rows
