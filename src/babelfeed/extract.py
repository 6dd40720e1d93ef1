"""Bytes to text and metadata: character set, then trafilatura for HTML.

The character set comes from, in order: a byte-order mark, the transport (HTTP header, WARC
record, JSON), an HTML meta tag, strict UTF-8, UTF-8 with a few broken bytes, and finally
charset-normalizer's detection.
Plain text is taken as is; HTML goes through trafilatura, which finds the main text and the
title, authors, date, site name and the page's canonical link. The pipeline runs this within
the input's time budget, where trafilatura also has a limit of its own (`budget`): one
pathological page cannot stall a batch.

An article's `url` is always where its bytes came from (`SourceItem.url`), never what the page
claims: a canonical link can name another site, a syndication partner or a stale address, so
it is kept apart, in `canonical_url`.
"""

from __future__ import annotations

import codecs
import logging
import re

import charset_normalizer
import trafilatura

from babelfeed.article import Article, Reject, RejectReason, SourceItem, stable_id
from babelfeed.dates import parse_iso

log = logging.getLogger(__name__)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([-\w.:]+)""", re.IGNORECASE)
_TITLE_MAX_CHARS = 150
_MIN_LETTER_SHARE = 0.5


class DecodeError(ValueError):
    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def _try(content: bytes, encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        return content.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return None


def _damaged_utf8(content: bytes) -> str | None:
    """UTF-8 text with a few broken bytes (a page pasted together from a legacy-encoded
    fragment, a multi-byte character cut in two), decoded as UTF-8 with U+FFFD for the broken
    bytes; None when the bytes are not mostly UTF-8. Text in a single-byte legacy encoding is
    almost never valid UTF-8 beyond a character or two, so a text whose non-ASCII characters
    decode as UTF-8 nearly all (at least DAMAGED_UTF8_VALID per broken sequence) is UTF-8:
    handing it to detection instead turns all of it into mojibake ("schÃ¶n" for "schön") to
    spare the few broken bytes."""
    text = content.decode("utf-8", errors="replace")
    broken = text.count("\ufffd") - content.count(b"\xef\xbf\xbd")  # the page's own U+FFFD are not broken
    valid = len(text.encode("utf-8")) - len(text) - 2 * text.count("\ufffd")  # extra bytes of valid multi-byte characters
    return text if 0 < broken and valid >= DAMAGED_UTF8_VALID * broken else None


#: A text is UTF-8 with damage when it has at least this many bytes of valid multi-byte
#: UTF-8 characters per broken byte sequence.
DAMAGED_UTF8_VALID = 20


def decode(content: bytes, declared: str | None = None, html: bool = False) -> str:
    """Decode with the BOM, the declared charset, a meta tag, strict UTF-8, then detection."""
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            try:
                return content.decode(encoding)
            except UnicodeDecodeError as exc:
                raise DecodeError(RejectReason.UNDECODABLE, f"invalid {encoding}: {exc}") from exc
    if b"\x00" in content[:8192]:
        raise DecodeError(RejectReason.BINARY, "NUL bytes and no UTF-16/32 byte-order mark: binary data")
    meta = _META_CHARSET.search(content[:4096]) if html else None
    for encoding in (declared, meta.group(1).decode("ascii", "ignore") if meta else None, "utf-8"):
        text = _try(content, encoding)
        if text is not None:
            return text
    text = _damaged_utf8(content)
    if text is not None:
        return text
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


#: trafilatura's options, chosen by measurement on two public HTML benchmarks through this path
#: (README, "The page-dirt evaluation set"): tables kept (standings and figures are the
#: article's; trafilatura writes each row on a line between pipes), comments left out.
TRAFILATURA_OPTIONS = {"include_comments": False, "include_tables": True}
#: The line trafilatura writes under a table's first row ("|---|---|"): markup, not text.
_TABLE_RULE = re.compile(r"^\|(?:\s*:?-+:?\s*\|)+\s*$", re.MULTILINE)


def _trafilatura(html: str, url: str | None) -> dict | None:
    """trafilatura's answer, as plain data."""
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, **TRAFILATURA_OPTIONS)
    if doc is None:
        return None
    found = {k: getattr(doc, k, None) for k in ("text", "title", "author", "date", "sitename", "url")}
    if found["text"] and "|-" in found["text"]:
        found["text"] = _TABLE_RULE.sub("", found["text"])
    return found


def extract(item: SourceItem) -> Article | Reject:
    """Turn one source item into an article with raw text and metadata, or a reject."""

    def reject(reason: RejectReason, detail: str) -> Reject:
        return Reject(item.uri, reason, detail, item.observed_at, "extract", item.content_hash)

    is_html = item.media_type == "text/html"
    try:
        text = decode(item.content, item.charset, html=is_html)
    except DecodeError as exc:
        return reject(exc.reason, str(exc))

    base = dict(
        article_id=stable_id(item.uri),
        source_uri=item.uri,
        source_kind=item.kind,
        observed_at=item.observed_at,
        content_hash=item.content_hash,
    )
    if not is_html:
        return Article(
            text=text, title=item.title or _plain_title(text), authors=item.authors,
            published_at=item.published_at, url=item.url, **base,
        )
    doc = _trafilatura(text, item.url)
    body = (doc or {}).get("text") or ""
    if not body.strip():
        return reject(RejectReason.NO_TEXT, "trafilatura found no main text in this HTML page")
    authors = tuple(a.strip() for a in (doc.get("author") or "").split(";") if a.strip())
    # trafilatura answers the URL it was given when the page names no canonical link of its
    # own, so only another address is the page's word.
    canonical = doc.get("url") or None
    return Article(
        text=body.strip(),
        title=doc.get("title") or item.title,
        authors=authors or item.authors,
        site=doc.get("sitename") or None,
        published_at=parse_iso(doc.get("date")) or item.published_at,
        url=item.url,
        canonical_url=canonical if canonical != item.url else None,
        **base,
    )
