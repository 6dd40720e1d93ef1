"""Unicode and whitespace normalization, and page dirt kept aside.

Everything downstream (offsets, hashes, translation cache keys) depends on the text being
in one canonical form: NFC, mojibake repaired by ftfy, no control characters, single spaces,
and paragraphs separated by exactly one blank line. Paragraphs that are not the article
(menus, captions, credits, bylines, datelines, teasers, repeats, link boxes, the site's own
lines: `boilerplate.classify`) leave the text for `Article.boilerplate`, so they are neither
segmented nor translated, and nothing is lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace

import ftfy

from babelfeed.article import Article, Boilerplate
from babelfeed.normalize import site_lines
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


def clean(
    text: str,
    *,
    title: str | None = None,
    html: bool = False,
    site_repeated: Callable[[Sequence[str]], Collection[int]] | None = None,
) -> tuple[str, tuple[Boilerplate, ...]]:
    """The article's own text in canonical form, and the paragraphs kept aside from it (see
    `boilerplate.classify` for the options)."""
    found = paragraphs(text)
    kinds = classify(found, title=title, html=html, site_repeated=site_repeated)
    body = PARAGRAPH_SEPARATOR.join(p for p, kind in zip(found, kinds, strict=True) if kind is None)
    aside = tuple(Boilerplate(p, str(kind)) for p, kind in zip(found, kinds, strict=True) if kind is not None)
    return body, aside


def normalize_text(text: str) -> str:
    """The canonical form of `text` without its boilerplate: the text babelfeed stores."""
    return clean(text)[0]


def normalize(article: Article, *, html: bool = False, sites: site_lines.Reader | None = None) -> Article:
    """The article in canonical form, its page dirt kept aside. `html`: its text is trafilatura's
    extract of an HTML page; `sites`: the count of lines per site (`site_lines`), if any."""
    title = _SPACES.sub(" ", ftfy.fix_text(article.title, config=_FTFY_CONFIG)).strip() if article.title else None
    site = site_lines.site_key(article.url, article.site) if sites is not None else None
    lookup = (lambda lines: sites.repeated(site, lines)) if site is not None else None
    text, boilerplate = clean(article.text, title=title, html=html, site_repeated=lookup)
    return replace(article, text=text, boilerplate=boilerplate, title=title or None)
