"""WARC archives (Common Crawl news and friends): one item per HTML response record.

warcio streams the archive, so a multi-gigabyte file is never loaded whole. The record's
WARC-Target-URI is the article's url and its WARC-Date the observed time. A truncated or
corrupt archive yields the records read before the damage and then one reject that says
where it stopped.

warcio is lenient at the end of its input: a record cut inside its headers, or a gzip member
cut before it decodes to anything, ends the iteration as if the archive were complete. So each
record is checked (a WARC header with its Content-Length, a block as long as declared) and,
after the last one, the reader must have reached the end of the data; anything else is damage.
fastwarc 2.0 reads 2.6 to 5 times faster (benchmarks/warc_readers.py), but it too yields a
cut record as if whole, and once it decodes Content-Encoding (as warcio's content_stream does)
nothing it exposes tells a cut payload from a whole one; next to extraction, reading is cheap.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from datetime import datetime
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator

from babelfeed.article import Reject, RejectReason, SourceItem
from babelfeed.dates import parse_iso

_TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
_GZIP_MAGIC = b"\x1f\x8b"


class _Damaged(Exception):
    pass


class NotMemberPerRecordError(Exception):
    """A .warc.gz whose gzip members do not start at records: its offsets cannot be seeked."""


class _OffsetIterator(ArchiveIterator):
    """warcio's iterator, with its refusal of a multi-record gzip member made a distinct type.

    warcio only notices that layout at the second record of a member, with a generic error;
    a scan must tell it from damage, since the file is whole, only not splittable.
    """

    def _raise_invalid_gzip_err(self) -> None:
        raise NotMemberPerRecordError("a gzip member holds more than one WARC record")


def records(
    stream: BinaryIO, archive_uri: str, observed_at: datetime, max_bytes: int,
) -> Iterator[SourceItem | Reject]:
    """Yield the HTML/text responses of a whole WARC stream (gzipped or not) as source items.

    A gzipped stream is decompressed as one stream, so any gzip layout reads (one member per
    record, one member for all, concatenated files); offsets in rejects are then offsets in the
    decompressed archive. `stream` must be seekable (a file, BytesIO): its first bytes are
    sniffed for gzip.
    """
    magic = stream.read(len(_GZIP_MAGIC))
    stream.seek(-len(magic), io.SEEK_CUR)
    if magic == _GZIP_MAGIC:
        with gzip.GzipFile(fileobj=stream) as decompressed:
            yield from _read(decompressed, archive_uri, observed_at, max_bytes,
                             "decompressed archive")
    else:
        yield from _read(stream, archive_uri, observed_at, max_bytes, "file")


def shard_records(
    window: BinaryIO, archive_uri: str, observed_at: datetime, max_bytes: int,
) -> Iterator[SourceItem | Reject]:
    """Like `records`, for a window of a file from one record's start to another's (or the end).

    warcio decompresses it gzip member by member, so `window.tell()` (the file's offsets)
    names every record: that is what makes a shard's rejects independent of where it starts.
    """
    yield from _read(window, archive_uri, observed_at, max_bytes, "file")


def record_offsets(stream: BinaryIO) -> Iterator[tuple[int, str]]:
    """(offset, WARC-Type) of every record, blocks skipped unparsed: what a shard scan needs.

    Offsets are `stream.tell()`'s (gzip members are decompressed one by one). Raises
    NotMemberPerRecordError where a gzip member holds several records, and whatever warcio
    raises at damage; a record cut short may also just end the iteration.
    """
    archive = _OffsetIterator(stream, no_record_parse=True)
    for record in archive:
        yield archive.offset, record.rec_type


class _Strict:
    """A stream whose EOFError (a gzip member cut short) cannot pass for the archive's end.

    warcio takes an EOFError from its input for the clean end of the archive. And it reads
    16 KB at a time: `read1` hands over what GzipFile decompressed before the cut, where
    `read` would drop it with the error, and with it the whole records it held.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._read = getattr(stream, "read1", stream.read)

    def read(self, size: int = -1) -> bytes:
        try:
            return self._read(size)
        except EOFError as exc:
            raise _Damaged(str(exc) or "the data ends inside a record") from exc

    def tell(self) -> int:
        return self._stream.tell()


def _read(
    stream: BinaryIO, archive_uri: str, observed_at: datetime, max_bytes: int, unit: str,
) -> Iterator[SourceItem | Reject]:
    source = _Strict(stream)
    start = source.tell()
    archive = None
    try:
        archive = ArchiveIterator(source)
        for record in archive:
            item = _response(record, archive_uri, observed_at, max_bytes, archive.offset)
            _drain(record)
            if item is not None:
                yield item
        _check_end(archive, source)
    except Exception as exc:  # warcio raises zlib, EOF and parse errors of several kinds
        # archive.offset: where the record being read began (warcio moves it past a record
        # only once the record is whole), so the name depends on the bytes alone.
        at = archive.offset if archive is not None else start
        why = str(exc) if isinstance(exc, _Damaged) else f"{type(exc).__name__}: {exc}"
        yield Reject(
            f"{archive_uri}#truncated-at-byte-{at}", RejectReason.TRUNCATED,
            f"the archive is truncated or corrupt at byte {at} of the {unit} ({why}); the records "
            "before that were ingested; to read the rest, fetch or copy the archive again",
            observed_at, "read",
        )


def _drain(record) -> None:
    """Read what is left of a record's block; fewer bytes than declared means truncation."""
    while record.raw_stream.read(65536):
        pass
    if getattr(record.raw_stream, "limit", 0) > 0:
        raise _Damaged(f"record {record.rec_headers.get_header('WARC-Record-ID')} ends early")


def _check_end(archive: ArchiveIterator, stream: _Strict) -> None:
    """Bytes after the last whole record are a record cut short (or not WARC at all)."""
    while stream.read(65536):
        pass
    if archive.offset != stream.tell():
        raise _Damaged(f"bytes {archive.offset} to {stream.tell()} are not a whole WARC record")


def _response(
    record, archive_uri: str, observed_at: datetime, max_bytes: int, offset: int,
) -> SourceItem | Reject | None:
    length = record.rec_headers.get_header("Content-Length")
    if record.format == "warc" and not (length or "").strip().isdigit():
        raise _Damaged("a record's WARC header is cut short (no Content-Length)")
    if record.rec_type != "response" or record.http_headers is None:
        return None
    content_type = (record.http_headers.get_header("Content-Type") or "").lower()
    media = content_type.split(";")[0].strip()
    if media not in _TEXT_TYPES:
        return None
    record_id = record.rec_headers.get_header("WARC-Record-ID") or f"record-at-byte-{offset}"
    record_id = record_id.strip("<>")
    uri = f"{archive_uri}#{record_id}"
    observed = parse_iso(record.rec_headers.get_header("WARC-Date")) or observed_at
    status = record.http_headers.get_statuscode()
    if status and not status.startswith("2"):
        return Reject(uri, RejectReason.HTTP_ERROR, f"archived response has HTTP {status}",
                      observed, "read")
    content = record.content_stream().read(max_bytes + 1)
    if len(content) > max_bytes:
        return Reject(uri, RejectReason.TOO_LARGE, f"record exceeds the cap of {max_bytes} "
                      "bytes; raise BABELFEED_MAX_BYTES to accept it", observed, "read")
    charset = None
    if "charset=" in content_type:
        charset = content_type.split("charset=", 1)[1].split(";")[0].strip("\"' ")
    return SourceItem(
        uri=uri, kind="warc", content=content, observed_at=observed,
        media_type="text/plain" if media == "text/plain" else "text/html",
        url=record.rec_headers.get_header("WARC-Target-URI"), charset=charset,
    )
