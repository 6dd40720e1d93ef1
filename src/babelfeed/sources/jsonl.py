"""JSON Lines exports (.jsonl, .jsonl.gz): one article per line.

Field mapping (the first field present wins):

  text       text, content, body            plain article text
  html       html, raw_html                 a web page; trafilatura extracts the text
  url        url, link
  title      title, headline
  authors    authors (list or string), author (string; ";" separates names)
  published  published_at, published, date  ISO 8601
  id         id                             the line's identity; else its line number

Each line needs `text` or `html`. A line that is not a JSON object, or has neither, becomes a
reject naming the line; the other lines are ingested.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import TextIO

from babelfeed.article import Reject, RejectReason, SourceItem
from babelfeed.dates import parse_iso

FIELDS = {
    "text": ("text", "content", "body"),
    "html": ("html", "raw_html"),
    "url": ("url", "link"),
    "title": ("title", "headline"),
    "authors": ("authors", "author"),
    "published": ("published_at", "published", "date"),
}


def _first(record: dict, names: tuple[str, ...]):
    for name in names:
        value = record.get(name)
        if value not in (None, "", []):
            return value
    return None


def _authors(value) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(";")
    if isinstance(value, list):
        return tuple(str(a).strip() for a in value if str(a).strip())
    return ()


def records(lines: TextIO, file_uri: str, observed_at: datetime, max_bytes: int) -> Iterator[SourceItem | Reject]:
    number = 0
    try:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Reject(f"{file_uri}#line-{number}", RejectReason.BAD_RECORD,
                             f"line {number} is not JSON: {exc}", observed_at, "read")
                continue
            if not isinstance(record, dict):
                yield Reject(f"{file_uri}#line-{number}", RejectReason.BAD_RECORD,
                             f"line {number} is a JSON {type(record).__name__}, not an object", observed_at, "read")
                continue
            key = record.get("id")
            uri = f"{file_uri}#{key}" if isinstance(key, (str, int)) and str(key) else f"{file_uri}#line-{number}"
            text, html = _first(record, FIELDS["text"]), _first(record, FIELDS["html"])
            body = html if html is not None else text
            if not isinstance(body, str):
                yield Reject(uri, RejectReason.BAD_RECORD,
                             f"line {number} has no text or html field (see the field mapping)", observed_at, "read")
                continue
            content = body.encode("utf-8")
            if len(content) > max_bytes:
                yield Reject(uri, RejectReason.TOO_LARGE, f"line {number} exceeds the cap of {max_bytes} bytes",
                             observed_at, "read")
                continue
            url = _first(record, FIELDS["url"])
            title = _first(record, FIELDS["title"])
            yield SourceItem(
                uri=uri, kind="jsonl", content=content, observed_at=observed_at,
                media_type="text/html" if html is not None else "text/plain",
                url=url if isinstance(url, str) else None, charset="utf-8",
                title=title if isinstance(title, str) else None,
                authors=_authors(_first(record, FIELDS["authors"])),
                published_at=parse_iso(_first(record, FIELDS["published"])),
            )
    except (OSError, EOFError, UnicodeDecodeError) as exc:  # truncated gzip, bad bytes
        yield Reject(f"{file_uri}#after-line-{number}", RejectReason.TRUNCATED,
                     f"the file is truncated or corrupt after line {number} ({type(exc).__name__}: {exc}); "
                     "the lines before that were ingested", observed_at, "read")
