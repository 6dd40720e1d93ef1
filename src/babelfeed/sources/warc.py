"""WARC archives (Common Crawl news and friends): one item per HTML response record.

warcio streams the archive, so a multi-gigabyte file is never loaded whole. The record's
WARC-Target-URI is the article's url and its WARC-Date the observed time. A truncated or
corrupt archive yields the records read before the damage and then one reject that says
where it stopped.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator

from babelfeed.article import Reject, RejectReason, SourceItem
from babelfeed.dates import parse_iso

_TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


class _Truncated(Exception):
    pass


def _drain(record) -> None:
    """Read what is left of a record's block; fewer bytes than declared means truncation."""
    while record.raw_stream.read(65536):
        pass
    if getattr(record.raw_stream, "limit", 0) > 0:
        raise _Truncated(f"record {record.rec_headers.get_header('WARC-Record-ID')} ends early")


def records(stream: BinaryIO, archive_uri: str, observed_at: datetime, max_bytes: int) -> Iterator[SourceItem | Reject]:
    """Yield the HTML/text responses of a WARC stream (gzipped or not) as source items."""
    count = 0
    try:
        for record in ArchiveIterator(stream):
            item = _response(record, archive_uri, observed_at, max_bytes, count + 1)
            _drain(record)
            if item is not None:
                count += 1
                yield item
    except Exception as exc:  # warcio raises zlib, EOF and parse errors of several kinds
        yield Reject(
            f"{archive_uri}#after-{count}-records", RejectReason.TRUNCATED,
            f"the archive is truncated or corrupt after {count} records ({type(exc).__name__}: {exc}); "
            "the records before that were ingested",
            observed_at, "read",
        )


def _response(record, archive_uri: str, observed_at: datetime, max_bytes: int, number: int) -> SourceItem | Reject | None:
    if record.rec_type != "response" or record.http_headers is None:
        return None
    content_type = (record.http_headers.get_header("Content-Type") or "").lower()
    media = content_type.split(";")[0].strip()
    if media not in _TEXT_TYPES:
        return None
    record_id = (record.rec_headers.get_header("WARC-Record-ID") or f"<record-{number}>").strip("<>")
    uri = f"{archive_uri}#{record_id}"
    observed = parse_iso(record.rec_headers.get_header("WARC-Date")) or observed_at
    status = record.http_headers.get_statuscode()
    if status and not status.startswith("2"):
        return Reject(uri, RejectReason.HTTP_ERROR, f"archived response has HTTP {status}", observed, "read")
    content = record.content_stream().read(max_bytes + 1)
    if len(content) > max_bytes:
        return Reject(uri, RejectReason.TOO_LARGE, f"record exceeds the cap of {max_bytes} bytes; "
                      "raise BABELFEED_MAX_BYTES to accept it", observed, "read")
    charset = None
    if "charset=" in content_type:
        charset = content_type.split("charset=", 1)[1].split(";")[0].strip("\"' ")
    return SourceItem(
        uri=uri, kind="warc", content=content, observed_at=observed,
        media_type="text/plain" if media == "text/plain" else "text/html",
        url=record.rec_headers.get_header("WARC-Target-URI"), charset=charset,
    )
