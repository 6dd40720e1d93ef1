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
import zlib
from collections.abc import Iterable, Iterator
from datetime import datetime

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


def records(
    lines: Iterable[bytes], file_uri: str, observed_at: datetime, max_bytes: int,
    first_line: int = 1,
) -> Iterator[SourceItem | Reject]:
    """One item or reject per line of a whole file, or of a shard that starts at `first_line`.

    Lines are bytes split on b"\\n" (JSON Lines forbids raw newlines inside values), so a
    shard's offsets are plain byte counts, and each line is decoded on its own: a line that is
    not UTF-8 is that line's reject, as it would be in whichever shard held it. Line numbers
    are the file's, so records without an id keep their URI whatever the shards.
    """
    number = first_line - 1
    try:
        for number, raw in enumerate(lines, first_line):
            if raw.strip():
                yield _record(raw, number, file_uri, observed_at, max_bytes)
    except (OSError, EOFError, zlib.error) as exc:  # a truncated or corrupt gzip, a failing disk
        yield Reject(
            f"{file_uri}#after-line-{number}", RejectReason.TRUNCATED,
            f"the file is truncated or corrupt after line {number} ({type(exc).__name__}: {exc}); "
            "the lines before that were ingested; to read the rest, fetch or copy the file again",
            observed_at, "read",
        )


def _record(
    raw: bytes, number: int, file_uri: str, observed_at: datetime, max_bytes: int,
) -> SourceItem | Reject:
    def bad(uri: str, detail: str) -> Reject:
        return Reject(uri, RejectReason.BAD_RECORD, f"line {number} {detail}", observed_at, "read")

    line_uri = f"{file_uri}#line-{number}"
    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return bad(line_uri, f"is not UTF-8: {exc}")
    except json.JSONDecodeError as exc:
        return bad(line_uri, f"is not JSON: {exc}")
    if not isinstance(record, dict):
        return bad(line_uri, f"is a JSON {type(record).__name__}, not an object")
    key = record.get("id")
    uri = f"{file_uri}#{key}" if isinstance(key, (str, int)) and str(key) else line_uri
    text, html = _first(record, FIELDS["text"]), _first(record, FIELDS["html"])
    body = html if html is not None else text
    if not isinstance(body, str):
        return bad(uri, "has no text or html field (see the field mapping)")
    content = body.encode("utf-8")
    if len(content) > max_bytes:
        return Reject(uri, RejectReason.TOO_LARGE,
                      f"line {number} exceeds the cap of {max_bytes} bytes", observed_at, "read")
    url = _first(record, FIELDS["url"])
    title = _first(record, FIELDS["title"])
    return SourceItem(
        uri=uri, kind="jsonl", content=content, observed_at=observed_at,
        media_type="text/html" if html is not None else "text/plain",
        url=url if isinstance(url, str) else None, charset="utf-8",
        title=title if isinstance(title, str) else None,
        authors=_authors(_first(record, FIELDS["authors"])),
        published_at=parse_iso(_first(record, FIELDS["published"])),
    )
