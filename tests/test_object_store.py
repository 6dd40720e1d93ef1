"""A warehouse on object storage: an S3 server (moto) on 127.0.0.1, read back without babelfeed."""

import socket

import boto3
import duckdb
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pytest

pytestmark = pytest.mark.usefixtures("prefect_server")

BUCKET = "babelfeed-test"


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("BABELFEED_STATE_DIR", str(tmp_path / "state"))
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET)
    yield client
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_ingest_into_s3_and_read_back_with_pyarrow_and_duckdb(s3, seeds_copy, model_file, packages_dir, monkeypatch):
    monkeypatch.setenv("BABELFEED_MODEL_DIRS", str(model_file.parent))
    from babelfeed_flows.ingest import ingest

    uri = f"s3://{BUCKET}/news"
    first = ingest(paths=[str(seeds_copy)], warehouse=uri)
    assert first["counts"]["articles"] == 5

    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"])
    assert all(k.endswith(".parquet") for k in keys), keys  # no temporaries, nothing half-written
    assert any(k.startswith("news/_state/ledger/") for k in keys)
    assert sum(k.startswith("news/articles/observed_date=") for k in keys) >= 1

    fs, root = pafs.FileSystem.from_uri(uri)
    articles = ds.dataset(f"{root}/articles", filesystem=fs, format="parquet", partitioning="hive")
    table = articles.to_table()
    assert table.num_rows == 5
    assert sorted(table["translation_status"].to_pylist()) == ["not_needed"] * 4 + ["translated"]
    segments = ds.dataset(f"{root}/segments", filesystem=fs, format="parquet", partitioning="hive")
    db = duckdb.connect()
    db.register("segments", segments)
    assert db.sql("select count(distinct article_id), count(*) > 100 from segments").fetchall() == [(5, True)]

    again = ingest(paths=[str(seeds_copy)], warehouse=uri)  # the ledger on S3 makes it a no-op
    assert again["counts"]["unchanged"] == 5 and again["counts"]["articles"] == 0


def test_stats_reads_an_s3_warehouse(s3, seeds_copy, packages_dir):
    from typer.testing import CliRunner

    from babelfeed.cli import app
    from babelfeed_flows.ingest import ingest

    uri = f"s3://{BUCKET}/stats"
    ingest(paths=[str(seeds_copy)], warehouse=uri)
    result = CliRunner().invoke(app, ["stats", "--warehouse", uri])
    assert result.exit_code == 0, result.output
    assert "articles" in result.output and "model_missing" in result.output


def test_a_damaged_object_is_found_moved_aside_and_healed_on_s3(s3, seeds_copy, packages_dir):
    """The quarantine on an object store is a copy, then a delete; the ledger lives there too."""
    from typer.testing import CliRunner

    from babelfeed.cli import app
    from babelfeed_flows.ingest import ingest

    uri = f"s3://{BUCKET}/heal"
    ingest(paths=[str(seeds_copy)], warehouse=uri)
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="heal/")["Contents"])
    article_key = next(k for k in keys if k.startswith("heal/articles/"))
    body = s3.get_object(Bucket=BUCKET, Key=article_key)["Body"].read()
    s3.put_object(Bucket=BUCKET, Key=article_key, Body=body[: len(body) // 2])

    runner = CliRunner()
    found = runner.invoke(app, ["check", "--warehouse", uri])
    assert found.exit_code == 1 and article_key in found.output
    stopped = runner.invoke(app, ["ingest", str(seeds_copy), "--warehouse", uri])
    assert stopped.exit_code == 4 and "babelfeed repair" in stopped.output
    fixed = runner.invoke(app, ["repair", "--warehouse", uri])
    assert fixed.exit_code == 0, fixed.output
    assert sum(line.startswith("  file://") for line in fixed.output.splitlines()) == 5

    after = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="heal/")["Contents"])
    assert article_key not in after
    moved, = [k for k in after if k.startswith("heal/_quarantine/") and k.endswith(article_key.removeprefix("heal/"))]
    assert s3.get_object(Bucket=BUCKET, Key=moved)["Body"].read() == body[: len(body) // 2]

    healed = ingest(paths=[str(seeds_copy)], warehouse=uri)
    assert healed["counts"]["updated"] == 5
    assert runner.invoke(app, ["check", "--warehouse", uri]).exit_code == 0
