"""Bytes to text and metadata: character set, then trafilatura for HTML.

Plain text is taken as is (after decoding); HTML goes through trafilatura, which finds the
main text and the title, authors, date and site name.
"""

from __future__ import annotations

import codecs
from datetime import UTC, datetime

import charset_normalizer
import trafilatura

from babelfeed.article import Article, Reject, RejectReason, SourceItem, stable_id

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_TITLE_MAX_CHARS = 150
_MIN_LETTER_SHARE = 0.5


class DecodeError(ValueError):
    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def decode(content: bytes, declared: str | None = None) -> str:
    """Decode with the BOM, then strict UTF-8, then the declared charset, then detection."""
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            try:
                return content.decode(encoding)
            except UnicodeDecodeError as exc:
                raise DecodeError(RejectReason.UNDECODABLE, f"invalid {encoding}: {exc}") from exc
    if b"\x00" in content[:8192]:
        raise DecodeError(RejectReason.BINARY, "NUL bytes and no UTF-16/32 byte-order mark: binary data")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return content.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    best = charset_normalizer.from_bytes(content).best()
    if best is None:
        raise DecodeError(RejectReason.UNDECODABLE, "no character set decodes this text")
    text = str(best)
    # A guessed charset that turns the bytes into mostly symbols guessed wrong: text in any
    # script is mostly letters.
    visible = [ch for ch in text if not ch.isspace()]
    if visible and sum(ch.isalpha() for ch in visible) < _MIN_LETTER_SHARE * len(visible):
        raise DecodeError(
            RejectReason.UNDECODABLE,
            f"not UTF-8, and the best guess ({best.encoding}) decodes to mostly symbols; "
            "re-export the file as UTF-8",
        )
    return text


def _plain_title(text: str) -> str | None:
    """A first line that is short and does not end like a sentence is a headline."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return None
    first = lines[0]
    if len(first) <= _TITLE_MAX_CHARS and not first.endswith((".", "!", "?", "…", ":")):
        return first
    return None


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def extract(item: SourceItem) -> Article | Reject:
    """Turn one source item into an article with raw text and metadata, or a reject."""

    def reject(reason: RejectReason, detail: str) -> Reject:
        return Reject(item.uri, reason, detail, item.observed_at, "extract", item.content_hash)

    try:
        text = decode(item.content, item.charset)
    except DecodeError as exc:
        return reject(exc.reason, str(exc))

    base = dict(
        article_id=stable_id(item.uri),
        source_uri=item.uri,
        source_kind=item.kind,
        observed_at=item.observed_at,
        content_hash=item.content_hash,
        url=item.url,
    )
    if item.media_type != "text/html":
        return Article(text=text, title=_plain_title(text), **base)

    doc = trafilatura.bare_extraction(
        text, url=item.url, with_metadata=True, include_comments=False, include_tables=False
    )
    body = (doc.text or "").strip() if doc is not None else ""
    if not body:
        return reject(RejectReason.NO_TEXT, "trafilatura found no main text in this HTML page")
    authors = tuple(a.strip() for a in (doc.author or "").split(";") if a.strip())
    return Article(
        text=body,
        title=doc.title or None,
        authors=authors,
        site=doc.sitename or None,
        published_at=_parse_date(doc.date),
        **{**base, "url": doc.url or item.url},
    )
