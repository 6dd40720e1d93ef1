"""Container files (WARC, JSON Lines) split into shards that workers read for themselves.

A Common Crawl file holds tens of thousands of articles: read whole by one worker it would
be one unit of work as long as the file, and its records would travel between processes.
So `scan` makes one streaming pass that hashes the file and notes where every
`records_per_shard`-th record begins, and `read_shard` opens the file in the worker, seeks
to one shard's start and yields its records one at a time until the next shard's start.

Offsets are the file's for .warc, for .warc.gz whose gzip members each hold one record (as
Common Crawl writes them), and for .jsonl. A .warc.gz with several records in a member cannot
be entered in the middle and stays one shard. A .jsonl.gz is one gzip stream: its offsets are
in the decompressed stream, and the reader of a shard decompresses and discards everything
before the shard's start, so reading all its shards costs about shards/2 decompressions of
the file (cheap next to extraction, and the price of not holding the file in memory).

Damage never makes `scan` fail: shards end where the scan met it, and the last shard, which
runs to the end, is where the reader meets it and yields the `truncated` reject.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from babelfeed.article import Reject, RejectReason, Shard, SourceItem, SourceRef
from babelfeed.sources import jsonl, warc
from babelfeed.sources.files import SUPPORTED_SUFFIXES, suffix_of

WHOLE = Shard(0, 0, None)  # the whole container: an empty, unreadable or unsplittable one
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ContainerScan:
    #: sha256 of the file's raw bytes; "" when they could not all be read (never "unchanged").
    content_hash: str
    shards: tuple[Shard, ...]


def scan(path: Path, records_per_shard: int) -> ContainerScan:
    """Hash a container and split it into shards of `records_per_shard` records, in one pass.

    WARC shards count response records only (request and metadata records come with them
    and would make shards small); JSON Lines shards count non-blank lines. Boundaries are
    always at a record's start. A file that cannot be read gets one shard, so that its
    reader produces the reject that says why.
    """
    if records_per_shard < 1:
        raise ValueError(f"records_per_shard must be at least 1, not {records_per_shard}")
    kind, gz = _kind(path), path.name.lower().endswith(".gz")
    if _not_a_file(path):
        return ContainerScan("", (WHOLE,))
    try:
        with open(path, "rb", buffering=0) as raw:
            hashed = _Hashing(raw)
            source = io.BufferedReader(hashed, _CHUNK)
            if kind == "warc":
                starts = _warc_starts(source, records_per_shard)
            else:
                starts = _jsonl_starts(source, records_per_shard, gz)
            while source.read(_CHUNK):  # the bytes after damage count in the hash too
                pass
    except OSError:  # the disk, not the content: the reader reports it as unreadable
        return ContainerScan("", (WHOLE,))
    ends = [start for start, _ in starts[1:]] + [None]
    pairs = zip(starts, ends, strict=True)
    shards = tuple(Shard(i, start, end, line) for i, ((start, line), end) in enumerate(pairs))
    return ContainerScan(hashed.hexdigest(), shards)


def read_shard(ref: SourceRef, max_bytes: int) -> Iterator[SourceItem | Reject]:
    """The items and rejects of one shard of a container (`ref.shard`; None: the whole file).

    Records are named as in a whole-file read (WARC-Record-ID, JSON id or the file's line
    number), so the same record has the same URI whatever the shards.
    """
    path, shard = Path(ref.location), ref.shard or WHOLE
    kind = _kind(path)

    def reject(reason: RejectReason, detail: str) -> Reject:
        return Reject(ref.uri, reason, detail, ref.observed_at, "read")

    problem = _not_a_file(path)
    if problem:
        yield reject(RejectReason.UNREADABLE, problem)
        return
    try:
        raw = open(path, "rb")
    except OSError as exc:
        yield reject(RejectReason.UNREADABLE, f"{type(exc).__name__}: {exc}; check that the file "
                     "exists and is readable, then run again")
        return
    with raw:
        if shard.index == 0 and os.fstat(raw.fileno()).st_size == 0:
            yield reject(RejectReason.EMPTY, "the file is empty: it holds no records")
        elif kind == "warc":
            yield from _warc_shard(raw, ref, shard, max_bytes)
        else:
            lines = _jsonl_lines(raw, shard, gz=path.name.lower().endswith(".gz"))
            yield from jsonl.records(lines, ref.uri, ref.observed_at, max_bytes, shard.first_line)


def _kind(path: Path) -> str:
    media = SUPPORTED_SUFFIXES.get(suffix_of(path))
    if media not in ("application/warc", "application/jsonl"):
        raise ValueError(f"{path} is not a container (.warc, .warc.gz, .jsonl, .jsonl.gz); "
                         "read single files with babelfeed.sources.read")
    return "warc" if media == "application/warc" else "jsonl"


def _not_a_file(path: Path) -> str | None:
    """Why `path` must not be opened: a pipe would block the reader forever."""
    if path.is_file() or not path.exists():
        return None  # a missing file fails to open, with the error that says so
    return "expected a file, found " + ("a folder" if path.is_dir() else "not a regular file")


def _warc_starts(stream: BinaryIO, records_per_shard: int) -> list[tuple[int, int]]:
    starts, responses = [(0, 1)], 0
    try:
        for offset, record_type in warc.record_offsets(stream):
            if record_type != "response":
                continue
            if responses and responses % records_per_shard == 0:
                starts.append((offset, 1))
            responses += 1
    except warc.NotMemberPerRecordError:
        return [(0, 1)]
    except Exception:  # noqa: BLE001 - damage of any kind: the last shard meets it again
        pass
    return starts


def _jsonl_starts(stream: BinaryIO, records_per_shard: int, gz: bool) -> list[tuple[int, int]]:
    lines = gzip.GzipFile(fileobj=stream) if gz else stream
    starts, records, offset = [(0, 1)], 0, 0
    try:
        for number, line in enumerate(lines, 1):
            if line.strip():
                if records and records % records_per_shard == 0:
                    starts.append((offset, number))
                records += 1
            offset += len(line)
    except (OSError, EOFError, zlib.error):  # a cut or corrupt gzip: the last shard meets it again
        pass
    return starts


def _warc_shard(
    raw: BinaryIO, ref: SourceRef, shard: Shard, max_bytes: int,
) -> Iterator[SourceItem | Reject]:
    if shard.start == 0 and shard.end is None:  # one shard: any gzip layout reads
        yield from warc.records(raw, ref.uri, ref.observed_at, max_bytes)
        return
    raw.seek(shard.start)
    window = _Window(raw, shard.start, shard.end)
    yield from warc.shard_records(window, ref.uri, ref.observed_at, max_bytes)


def _jsonl_lines(raw: BinaryIO, shard: Shard, gz: bool) -> Iterator[bytes]:
    """The shard's lines; a generator, so that damage met skipping to the start is a reject."""
    if gz:
        stream: BinaryIO = gzip.GzipFile(fileobj=raw)
        skipped = 0
        while skipped < shard.start:
            chunk = stream.read(min(_CHUNK, shard.start - skipped))
            if not chunk:
                raise EOFError(f"the decompressed file ends at byte {skipped}, before the shard's "
                               f"start at {shard.start}; was it changed since it was scanned?")
            skipped += len(chunk)
    else:
        raw.seek(shard.start)
        stream = raw
    yield from io.BufferedReader(_Window(stream, shard.start, shard.end))


class _Window(io.RawIOBase):
    """Bytes `start` to `end` of a stream already positioned at `start`; tell() is absolute."""

    def __init__(self, stream: BinaryIO, start: int, end: int | None) -> None:
        super().__init__()
        self._position, self._end = start, end
        # read1: a GzipFile's read() drops what it decompressed before a cut, with the error.
        self._read = getattr(stream, "read1", stream.read)

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def readinto(self, buffer) -> int:
        want = len(buffer) if self._end is None else min(len(buffer), self._end - self._position)
        if want <= 0:
            return 0
        data = self._read(want)
        if not data and self._end is not None:
            raise EOFError(f"the data ends at byte {self._position}, before the shard's end at "
                           f"{self._end}; was the file cut or changed since it was scanned?")
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)


class _Hashing(io.RawIOBase):
    """A stream that hashes what is read through it, so the scan reads the file only once."""

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__()
        self._stream, self._position, self._sha = stream, 0, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def readinto(self, buffer) -> int:
        count = self._stream.readinto(buffer)
        self._sha.update(memoryview(buffer)[:count])
        self._position += count
        return count

    def hexdigest(self) -> str:
        return self._sha.hexdigest()
