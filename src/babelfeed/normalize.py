"""Unicode and whitespace normalization, and removal of repeated paragraphs.

Everything downstream (offsets, hashes, translation cache keys) depends on the text being
in one canonical form: NFC, mojibake repaired by ftfy, no control characters, single spaces,
and paragraphs separated by exactly one blank line.
"""

from __future__ import annotations

import re
from dataclasses import replace

import ftfy

from babelfeed.article import Article

PARAGRAPH_SEPARATOR = "\n\n"

# Keep typographic quotes and dashes: they are part of the original, not noise.
_FTFY_CONFIG = ftfy.TextFixerConfig(uncurl_quotes=False, normalization="NFC")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_SPACES = re.compile(r"[^\S\n]+")


def normalize_text(text: str) -> str:
    """Return the canonical form of `text`: one paragraph per line of input, deduplicated.

    A paragraph repeated verbatim later in the same article is dropped: in scraped news that
    is a pull quote, a teaser or a share box, never new content.
    """
    text = ftfy.fix_text(text, config=_FTFY_CONFIG)
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    seen: set[str] = set()
    paragraphs: list[str] = []
    for line in text.split("\n"):
        paragraph = _SPACES.sub(" ", line).strip()
        if paragraph and paragraph not in seen:
            seen.add(paragraph)
            paragraphs.append(paragraph)
    return PARAGRAPH_SEPARATOR.join(paragraphs)


def normalize(article: Article) -> Article:
    title = _SPACES.sub(" ", ftfy.fix_text(article.title, config=_FTFY_CONFIG)).strip() if article.title else None
    return replace(article, text=normalize_text(article.text), title=title or None)
