"""Unicode and whitespace normalization, and page dirt kept aside.

Everything downstream (offsets, hashes, translation cache keys) depends on the text being
in one canonical form: NFC, mojibake repaired by ftfy, no control characters, single spaces,
and paragraphs separated by exactly one blank line. Paragraphs that are not the article
(captions, credits, bylines, teasers, repeats, link boxes: `boilerplate.classify`) leave the
text for `Article.boilerplate`, so they are neither segmented nor translated, and nothing is
lost.
"""

from __future__ import annotations

import re
from dataclasses import replace

import ftfy

from babelfeed.article import Article, Boilerplate
from babelfeed.normalize.boilerplate import classify

PARAGRAPH_SEPARATOR = "\n\n"

# Keep typographic quotes and dashes: they are part of the original, not noise.
_FTFY_CONFIG = ftfy.TextFixerConfig(uncurl_quotes=False, normalization="NFC")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_SPACES = re.compile(r"[^\S\n]+")


def paragraphs(text: str) -> list[str]:
    """The canonical form of `text` as paragraphs: one per non-blank line of input."""
    text = ftfy.fix_text(text, config=_FTFY_CONFIG)
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return [p for p in (_SPACES.sub(" ", line).strip() for line in text.split("\n")) if p]


def clean(text: str) -> tuple[str, tuple[Boilerplate, ...]]:
    """The article's own text in canonical form, and the paragraphs kept aside from it."""
    found = paragraphs(text)
    kinds = classify(found)
    body = PARAGRAPH_SEPARATOR.join(p for p, kind in zip(found, kinds, strict=True) if kind is None)
    aside = tuple(Boilerplate(p, str(kind)) for p, kind in zip(found, kinds, strict=True) if kind is not None)
    return body, aside


def normalize_text(text: str) -> str:
    """The canonical form of `text` without its boilerplate: the text babelfeed stores."""
    return clean(text)[0]


def normalize(article: Article) -> Article:
    title = _SPACES.sub(" ", ftfy.fix_text(article.title, config=_FTFY_CONFIG)).strip() if article.title else None
    text, boilerplate = clean(article.text)
    return replace(article, text=text, boilerplate=boilerplate, title=title or None)
