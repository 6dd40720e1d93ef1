"""Containers split into shards: real WARC and JSON Lines files on disk, scanned once, then
read shard by shard as a worker would, against a whole-file read of the same bytes."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from warcio.warcwriter import WARCWriter

from babelfeed.article import Reject, RejectReason, Shard, SourceItem
from babelfeed.sources import jsonl, warc
from babelfeed.sources.files import describe
from babelfeed.sources.shards import WHOLE, read_shard, scan
from newsroom import ENGLISH, GERMAN, page, warc_bytes

MAX_BYTES = 1_000_000


def _metadata(uri: str, gzip_it: bool) -> bytes:
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gzip_it)
    writer.write_record(writer.create_warc_record(
        uri, "metadata", payload=io.BytesIO(b"fetchTimeMs: 120\r\n"),
        warc_content_type="application/warc-fields"))
    return out.getvalue()


def archive(count: int, gzip_it: bool = True) -> bytes:
    """`count` HTML responses, each followed by its request and some by a metadata record,
    and an image response that is a response record but no article."""
    parts = []
    for i in range(count):
        lines = (ENGLISH if i % 2 else GERMAN)[i % 5: i % 5 + 3]
        parts.append(warc_bytes([(f"https://news.example.org/{i}", "text/html; charset=utf-8",
                                  page(f"Story {i}", lines).encode())], gzip_it))
        if i % 3 == 0:
            parts.append(_metadata(f"https://news.example.org/{i}", gzip_it))
        if i == 4:
            logo = ("https://news.example.org/logo.png", "image/png", b"\x89PNG\r\n")
            parts.append(warc_bytes([logo], gzip_it))
    return b"".join(parts)


def export(count: int, ids: bool = True) -> bytes:
    """JSON Lines with blank lines and bad lines among the records, as exports have them."""
    lines = []
    for i in range(count):
        text = f"{ENGLISH[i % len(ENGLISH)]}\n{ENGLISH[(i + 1) % len(ENGLISH)]}"
        record = {"text": text, "url": f"https://x.org/{i}"}
        if ids:
            record["id"] = f"a{i}"
        lines.append(json.dumps(record))
        if i % 4 == 1:
            lines.append("")
        if i == 6:
            lines.append("{not json")
    return ("\n".join(lines) + "\n").encode()


def _whole(path: Path) -> list[SourceItem | Reject]:
    """What a whole-file read of the container yields (the reference the shards must equal)."""
    ref = describe(path)
    with open(path, "rb") as raw:
        if ".warc" in path.name:
            return list(warc.records(raw, ref.uri, ref.observed_at, MAX_BYTES))
        lines = gzip.GzipFile(fileobj=raw) if path.name.endswith(".gz") else raw
        return list(jsonl.records(lines, ref.uri, ref.observed_at, MAX_BYTES))


def _sharded(path: Path, per_shard: int) -> tuple[tuple[Shard, ...], list[SourceItem | Reject]]:
    found = scan(path, per_shard)
    ref = describe(path)
    out: list[SourceItem | Reject] = []
    for shard in found.shards:
        out.extend(read_shard(replace(ref, shard=shard), MAX_BYTES))
    return found.shards, out


def _uri(x: SourceItem | Reject) -> str:
    return x.uri if isinstance(x, SourceItem) else x.source_uri


def _truncated(results: list[SourceItem | Reject]) -> list[Reject]:
    return [r for r in results if isinstance(r, Reject) and r.reason is RejectReason.TRUNCATED]


CONTAINERS = {
    "news.warc.gz": lambda: archive(11),
    "news.warc": lambda: archive(11, gzip_it=False),
    "export.jsonl": lambda: export(11),
    "export.jsonl.gz": lambda: gzip.compress(export(11)),
}


@pytest.mark.parametrize("name", list(CONTAINERS))
@pytest.mark.parametrize("records_per_shard", [1, 3, 100])
def test_shards_read_one_by_one_are_the_whole_file(tmp_path, name, records_per_shard):
    path = tmp_path / name
    path.write_bytes(CONTAINERS[name]())
    whole = _whole(path)
    shards, sharded = _sharded(path, records_per_shard)
    assert len([x for x in whole if isinstance(x, SourceItem)]) == 11
    assert sharded == whole  # same items and rejects, same URIs, same order: none lost, none twice
    assert len({_uri(x) for x in sharded}) == len(sharded)
    assert len(shards) == -(-12 // records_per_shard)  # and an image, or a line that is not JSON
    assert [s.index for s in shards] == list(range(len(shards)))
    assert shards[0].start == 0 and shards[-1].end is None
    assert all(a.end == b.start for a, b in zip(shards, shards[1:], strict=False))


@pytest.mark.parametrize("name", ["news.warc.gz", "news.warc"])
def test_a_warc_shard_holds_records_per_shard_responses(tmp_path, name):
    data = CONTAINERS[name]()
    path = tmp_path / name
    path.write_bytes(data)
    shards = scan(path, 4).shards
    counts = []
    for shard in shards:  # a shard's bytes are whole records, with 4 responses (the last: the rest)
        block = data[shard.start: shard.end]
        kinds = [kind for _, kind in warc.record_offsets(io.BytesIO(block))]
        counts.append(kinds.count("response"))
        assert kinds[0] in ("response", "request", "metadata")
    assert counts == [4, 4, 4]  # 11 HTML responses and the image: 12 response records


def test_a_jsonl_shard_holds_records_per_shard_lines_and_keeps_line_numbers(tmp_path):
    data = export(9, ids=False)
    path = tmp_path / "noids.jsonl.gz"
    path.write_bytes(gzip.compress(data))
    shards, sharded = _sharded(path, 2)
    assert [s.first_line for s in shards] == [1, 4, 6, 9, 11]  # lines 3 and 8 are blank
    numbered = [n for n, line in enumerate(data.split(b"\n"), 1) if line.strip()]
    assert [_uri(x) for x in sharded] == [f"{path.as_uri()}#line-{n}" for n in numbered]
    bad = [x for x in sharded if isinstance(x, Reject)]
    assert [(r.source_uri.rsplit("#", 1)[1], r.reason) for r in bad] == [
        ("line-10", RejectReason.BAD_RECORD)]


@pytest.mark.parametrize("gzip_it", [True, False])
def test_a_truncated_warc_yields_its_good_records_then_one_stable_reject(tmp_path, gzip_it):
    story = ("https://news.example.org/6", "text/html", page("Last", ENGLISH[:6]).encode())
    last = warc_bytes([story], gzip_it)
    cut = archive(6, gzip_it) + last[: len(last) // 2]  # inside the last response
    path = tmp_path / ("cut.warc.gz" if gzip_it else "cut.warc")
    path.write_bytes(cut)
    shards, first = _sharded(path, 2)
    assert len(shards) == 4
    items = [x for x in first if isinstance(x, SourceItem)]
    assert [x.url for x in items] == [f"https://news.example.org/{i}" for i in range(6)]
    assert [_uri(x) for x in first[:-1]] == [_uri(x) for x in items]
    (reject,) = _truncated(first)
    assert first[-1] == reject and reject.source_uri.startswith(describe(path).uri + "#")
    assert "ingested" in reject.detail and "byte" in reject.detail
    shards_again, again = _sharded(path, 2)
    assert shards_again == shards and again == first  # same bytes: same names, nothing new
    assert scan(path, 2).content_hash == hashlib.sha256(cut).hexdigest()


def test_a_cut_jsonl_gz_yields_its_good_records_then_one_stable_reject(tmp_path):
    path = tmp_path / "cut.jsonl.gz"
    whole = gzip.compress(export(40))
    path.write_bytes(whole[:-40])
    shards, first = _sharded(path, 5)
    assert len(shards) > 1
    items = [x for x in first if isinstance(x, SourceItem)]
    assert len(items) > 30
    assert [x.uri.rsplit("#", 1)[1] for x in items] == [f"a{i}" for i in range(len(items))]
    (reject,) = _truncated(first)
    assert reject.source_uri.startswith(f"{describe(path).uri}#after-line-")
    assert "ingested" in reject.detail
    assert _sharded(path, 5)[1] == first


def test_a_single_member_warc_gz_is_one_shard_and_reads_whole(tmp_path):
    plain = archive(5, gzip_it=False)
    single, per_record = tmp_path / "single.warc.gz", tmp_path / "plain.warc"
    single.write_bytes(gzip.compress(plain))
    per_record.write_bytes(plain)
    found = scan(single, 1)
    assert found.shards == (WHOLE,)
    items = list(read_shard(replace(describe(single), shard=found.shards[0]), MAX_BYTES))
    reference = list(read_shard(describe(per_record), MAX_BYTES))
    assert len(items) == 5 and all(isinstance(x, SourceItem) for x in items)
    assert [x.uri.rsplit("#", 1)[1] for x in items] == [x.uri.rsplit("#", 1)[1] for x in reference]
    assert [x.content for x in items] == [x.content for x in reference]


@pytest.mark.parametrize("name", list(CONTAINERS))
def test_an_empty_file_is_one_shard_and_one_empty_reject(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"")
    found = scan(path, 10)
    assert found == type(found)(hashlib.sha256(b"").hexdigest(), (WHOLE,))
    (reject,) = read_shard(replace(describe(path), shard=found.shards[0]), MAX_BYTES)
    assert reject.source_uri == path.as_uri() and reject.reason is RejectReason.EMPTY


def test_an_unreadable_container_is_one_shard_and_one_unreadable_reject(tmp_path):
    folder = tmp_path / "folder.warc"
    folder.mkdir()
    gone = tmp_path / "gone.jsonl"
    for path in (folder, gone):
        assert scan(path, 10).shards == (WHOLE,) and scan(path, 10).content_hash == ""
    (reject,) = read_shard(replace(describe(folder), shard=WHOLE), MAX_BYTES)
    assert reject.reason is RejectReason.UNREADABLE and "folder" in reject.detail
    ref = replace(describe(tmp_path / "export.jsonl"), location=str(gone), shard=WHOLE)
    (reject,) = read_shard(ref, MAX_BYTES)
    assert reject.reason is RejectReason.UNREADABLE and reject.source_uri == ref.uri


def test_a_shard_streams_its_records(tmp_path):
    path = tmp_path / "news.warc.gz"
    path.write_bytes(archive(3))
    records = read_shard(replace(describe(path), shard=scan(path, 2).shards[0]), MAX_BYTES)
    assert isinstance(records, Iterator) and not isinstance(records, list)
    assert isinstance(next(records), SourceItem)


def test_only_containers_are_scanned(tmp_path):
    path = tmp_path / "story.txt"
    path.write_text("x")
    with pytest.raises(ValueError, match="not a container"):
        scan(path, 10)
