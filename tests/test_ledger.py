"""The bucketed source ledger and commits that read only the partitions they may touch."""

import socket
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from babelfeed.article import Article, LedgerEntry, TranslationStatus
from babelfeed.errors import WarehouseDamagedError
from babelfeed.warehouse import ARTICLES, commit, ledger, read_table
from babelfeed.warehouse.ledger import BUCKETS, SCHEMA, bucket_of, load, save
from babelfeed.warehouse.records import articles_table
from babelfeed.warehouse.storage import Storage

DAY = datetime(2026, 10, 1, 12, tzinfo=UTC)
GARBAGE = b"not a parquet file"


def entry(uri: str, **fields) -> LedgerEntry:
    values = {"fingerprint": "f1", "content_hash": "h1", "outcome": "article",
              "observed_at": DAY, "run_id": "r1", "dates": ("2026-10-01",)}
    return LedgerEntry(uri, **{**values, **fields})


def container(uri: str, done: tuple[int, ...], dates: tuple[str, ...], content_hash: str = "h1",
              starts: tuple[int, ...] = (0, 100, 200)) -> LedgerEntry:
    return entry(uri, content_hash=content_hash, outcome="container", dates=dates,
                 shard_starts=starts, shard_lines=(1, 11, 21), shards_done=done)


def bucket_file(root: Path, uri: str) -> Path:
    return Path(ledger.bucket_file(root, bucket_of(uri)))


def uris_in_distinct_buckets(n: int) -> list[str]:
    """`n` uris, no two in the same bucket."""
    seen: dict[int, str] = {}
    i = 0
    while len(seen) < n:
        seen.setdefault(bucket_of(f"file:///in/{i}.txt"), f"file:///in/{i}.txt")
        i += 1
    return list(seen.values())


def test_bucket_is_stable_across_processes_and_versions():
    # A changed hash would strand every entry in the wrong bucket: pin it.
    assert BUCKETS == 64
    assert [bucket_of("file:///a"), bucket_of("https://example.com/x")] == [26, 25]


def test_the_schema_lists_the_entry_fields_in_order():
    # Entries are built positionally from the columns.
    assert SCHEMA.names == [f.name for f in fields(LedgerEntry)]


def test_entries_round_trip_and_load_by_uri(tmp_path):
    entries = [
        entry("file:///a.txt"),
        entry("file:///b.txt", content_hash=None, outcome="reject", dates=None),
        container("file:///c.warc", done=(0, 2), dates=("2026-10-01", "2026-10-03")),
        *(entry(f"file:///many/{i}.txt") for i in range(200)),
    ]
    save(tmp_path, entries)
    everything = load(tmp_path)
    assert everything == {e.source_uri: e for e in entries}
    assert everything["file:///b.txt"].dates is None
    assert not everything["file:///c.warc"].complete
    wanted = ["file:///a.txt", "file:///c.warc", "file:///never-seen.txt"]
    assert load(tmp_path, wanted) == {u: everything[u] for u in wanted[:2]}
    assert load(tmp_path, []) == {}
    assert load(tmp_path / "empty-warehouse") == {}


def test_a_save_rewrites_only_the_buckets_it_updates(tmp_path):
    target, other, corrupt = uris_in_distinct_buckets(3)
    save(tmp_path, [entry(u) for u in (target, other, corrupt)])
    bucket_file(tmp_path, corrupt).write_bytes(GARBAGE)  # a read of this bucket would fail
    before = {u: bucket_file(tmp_path, u).stat() for u in (target, other)}

    save(tmp_path, [entry(target, fingerprint="f2")])

    assert bucket_file(tmp_path, target).stat().st_ino != before[target].st_ino  # replaced
    assert bucket_file(tmp_path, other).stat().st_ino == before[other].st_ino
    assert bucket_file(tmp_path, other).stat().st_mtime_ns == before[other].st_mtime_ns
    assert bucket_file(tmp_path, corrupt).read_bytes() == GARBAGE  # never read, never written
    assert load(tmp_path, [target])[target].fingerprint == "f2"


def test_load_by_uri_reads_only_their_buckets(tmp_path):
    wanted, corrupt = uris_in_distinct_buckets(2)
    save(tmp_path, [entry(wanted), entry(corrupt)])
    bucket_file(tmp_path, corrupt).write_bytes(GARBAGE)
    assert list(load(tmp_path, [wanted])) == [wanted]
    with pytest.raises(WarehouseDamagedError) as damaged:
        load(tmp_path)
    assert damaged.value.path == str(bucket_file(tmp_path, corrupt))


def test_container_shards_accumulate_until_the_content_changes(tmp_path):
    uri = "file:///feeds/big.jsonl"
    save(tmp_path, [container(uri, done=(2,), dates=("2026-10-03",))])
    save(tmp_path, [container(uri, done=(0,), dates=("2026-10-01",))])  # out of order
    got = load(tmp_path, [uri])[uri]
    assert got.shards_done == (0, 2) and got.dates == ("2026-10-01", "2026-10-03")
    assert not got.complete

    save(tmp_path, [container(uri, done=(1,), dates=("2026-10-03",))])
    got = load(tmp_path, [uri])[uri]
    assert got.shards_done == (0, 1, 2) and got.dates == ("2026-10-01", "2026-10-03")
    assert got.complete

    # New bytes: progress starts again, whatever was done before; the old version's dates are
    # kept, since its rows stay there until every shard of the new version is committed.
    save(tmp_path, [container(uri, done=(1,), dates=("2026-10-05",), content_hash="h2")])
    assert load(tmp_path, [uri])[uri] == container(
        uri, (1,), ("2026-10-01", "2026-10-03", "2026-10-05"), content_hash="h2"
    )

    # New shard boundaries (another batch size) start again too.
    save(tmp_path, [container(uri, done=(0,), dates=("2026-10-05",), content_hash="h2",
                              starts=(0, 300))])
    assert load(tmp_path, [uri])[uri].shards_done == (0,)

    # Several chunks of one container in a single save merge in order; unknown dates stay unknown.
    save(tmp_path, [container(uri, (1,), ("2026-10-06",), "h2", (0, 300)),
                    container(uri, (1,), None, "h2", (0, 300))])
    got = load(tmp_path, [uri])[uri]
    assert got.shards_done == (0, 1) and got.dates is None

    # An input that stops being a container is replaced outright.
    save(tmp_path, [entry(uri, outcome="reject", content_hash="h2")])
    assert load(tmp_path, [uri])[uri] == entry(uri, outcome="reject", content_hash="h2")


OLD_SCHEMA = pa.schema([  # the single-file ledger before dates and shards
    ("source_uri", pa.string()), ("fingerprint", pa.string()), ("content_hash", pa.string()),
    ("outcome", pa.string()), ("observed_at", pa.timestamp("us", tz="UTC")),
    ("run_id", pa.string()),
])


def old_ledger(uris: list[str]) -> pa.Table:
    rows = [{"source_uri": u, "fingerprint": "old", "content_hash": "h", "outcome": "article",
             "observed_at": DAY, "run_id": "r0"} for u in uris]
    return pa.Table.from_pylist(rows, schema=OLD_SCHEMA)


def write_old_ledger(root: Path, n: int) -> list[str]:
    uris = [f"file:///old/{i}.txt" for i in range(n)]
    (root / "_state").mkdir(parents=True)
    pq.write_table(old_ledger(uris), root / "_state" / "sources.parquet")
    return uris


def bucketed_uris(root: Path) -> list[str]:
    files = sorted((root / "_state" / "ledger").glob("*.parquet"))
    return sorted(u for f in files for u in pq.read_table(f)["source_uri"].to_pylist())


def test_an_old_single_file_ledger_is_read_and_migrated(tmp_path):
    uris = write_old_ledger(tmp_path, 300)
    old = load(tmp_path)
    assert sorted(old) == sorted(uris)
    first = old[uris[0]]
    assert first.dates is None
    assert (first.shard_starts, first.shard_lines, first.shards_done) == ((), (), ())
    assert load(tmp_path, [uris[5], "file:///nope"]) == {uris[5]: old[uris[5]]}

    save(tmp_path, [entry(uris[0], fingerprint="new"), entry("file:///fresh.txt")])

    assert not (tmp_path / "_state" / "sources.parquet").exists()
    assert bucketed_uris(tmp_path) == sorted([*uris, "file:///fresh.txt"])
    after = load(tmp_path)
    assert after[uris[0]].fingerprint == "new"
    assert {u: after[u] for u in uris[1:]} == {u: old[u] for u in uris[1:]}


def test_a_migration_killed_before_the_old_file_is_deleted_loses_nothing(tmp_path, monkeypatch):
    uris = write_old_ledger(tmp_path, 50)

    def killed(self, path):
        raise KeyboardInterrupt("killed")

    with monkeypatch.context() as m:
        m.setattr(Storage, "delete", killed)
        with pytest.raises(KeyboardInterrupt):
            save(tmp_path, [entry(uris[0], fingerprint="new")])
    assert (tmp_path / "_state" / "sources.parquet").exists()
    assert load(tmp_path)[uris[0]].fingerprint == "new"  # buckets win over the old file
    assert load(tmp_path, [uris[0]])[uris[0]].fingerprint == "new"
    assert len(load(tmp_path)) == 50

    save(tmp_path, [entry(uris[1], fingerprint="newer")])
    assert not (tmp_path / "_state" / "sources.parquet").exists()
    after = load(tmp_path)
    assert len(after) == 50
    assert (after[uris[0]].fingerprint, after[uris[1]].fingerprint) == ("new", "newer")


def article(aid: str, observed: datetime) -> Article:
    return Article(aid, f"file:///{aid}", "file", observed, "h", "Hallo Welt.", language="de",
                   text_english="Hallo Welt.", translation_status=TranslationStatus.NOT_NEEDED)


def commit_articles(root: Path, articles: list[Article], **options) -> list[str]:
    return commit(root, ARTICLES, articles_table(articles, "r1", DAY), **options)


def test_commit_with_may_hold_reads_only_the_partitions_it_names(tmp_path):
    days = [DAY + timedelta(days=i) for i in range(3)]  # 2026-10-01 .. 03
    commit_articles(tmp_path, [article(f"a{i}", day) for i, day in enumerate(days)])
    unrelated, = (tmp_path / "articles" / "observed_date=2026-10-02").glob("*.parquet")
    unrelated.write_bytes(GARBAGE)

    # A new article: nothing to replace elsewhere.
    assert commit_articles(tmp_path, [article("new", days[2])], may_hold=[]) == ["2026-10-03"]
    with pytest.raises(WarehouseDamagedError) as damaged:
        commit_articles(tmp_path, [article("new", days[2])])  # the full scan opens the garbage
    assert damaged.value.path == str(unrelated)

    # a0 moves from 10-01 to 10-03; the caller knows where it was.
    touched = commit_articles(tmp_path, [article("a0", days[2])],
                              may_hold=["2026-10-01", "2026-09-30"])  # 09-30 does not exist
    assert touched == ["2026-10-03", "2026-10-01"]  # gaining before losing
    assert not (tmp_path / "articles" / "observed_date=2026-10-01").exists()
    assert unrelated.read_bytes() == GARBAGE

    unrelated.unlink()
    rows = read_table(tmp_path, ARTICLES, columns=["article_id", "observed_date"]).to_pylist()
    assert sorted((r["article_id"], r["observed_date"]) for r in rows) == [
        ("a0", "2026-10-03"), ("a2", "2026-10-03"), ("new", "2026-10-03"),
    ]


def test_delete_with_may_hold_empties_the_named_partition(tmp_path):
    commit_articles(tmp_path, [article("a", DAY), article("b", DAY + timedelta(days=1))])
    empty = articles_table([], "r1", DAY)
    touched = commit(tmp_path, ARTICLES, empty, delete=["a"], may_hold=["2026-10-01"])
    assert touched == ["2026-10-01"]
    assert not (tmp_path / "articles" / "observed_date=2026-10-01").exists()
    assert commit(tmp_path, ARTICLES, empty, delete=["b"], may_hold=[]) == []  # not told where


@pytest.fixture
def s3_warehouse(monkeypatch):
    moto_server = pytest.importorskip("moto.server")
    boto3 = pytest.importorskip("boto3")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    client = boto3.client("s3")
    client.create_bucket(Bucket="ledger")
    try:
        yield client, "s3://ledger/wh"
    finally:
        server.stop()


def test_the_ledger_on_an_object_store(s3_warehouse, tmp_path):
    client, uri = s3_warehouse
    pq.write_table(old_ledger(["file:///old.txt"]), tmp_path / "sources.parquet")
    client.upload_file(str(tmp_path / "sources.parquet"), "ledger", "wh/_state/sources.parquet")
    assert load(uri)["file:///old.txt"].fingerprint == "old"

    save(uri, [entry("file:///a.txt"), container("file:///c.warc", (1,), ("2026-10-02",))])
    save(uri, [container("file:///c.warc", (0,), ("2026-10-01",))])

    objects = client.list_objects_v2(Bucket="ledger")["Contents"]
    keys = sorted(o["Key"] for o in objects if not o["Key"].endswith("/"))  # pyarrow's dir markers
    assert "wh/_state/sources.parquet" not in keys
    assert keys and all(k.startswith("wh/_state/ledger/") and k.endswith(".parquet") for k in keys)
    got = load(uri)
    assert sorted(got) == ["file:///a.txt", "file:///c.warc", "file:///old.txt"]
    assert got["file:///c.warc"].shards_done == (0, 1)
    assert list(load(uri, ["file:///a.txt"])) == ["file:///a.txt"]
    assert load(uri, []) == {}
