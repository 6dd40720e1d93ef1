"""The page-dirt evaluation set: committed labels joined to page texts kept out of git.

The pages are stored public texts (news pages as scrapers save them), which must not be
committed. What is committed is `evalset/labels.jsonl`: per page its source URL, site,
language, script, split and the SHA-256 of its text, and per line a short hash of the
normalized line with its label (`body` or a dirt kind). The texts live in the git-ignored
`evalset/cache/texts/<id>.txt`; `load()` joins the two and refuses a text whose hash differs,
since labels re-attached to another text would be silently wrong figures.

A "line" is what `babelfeed.normalize.paragraphs` makes a paragraph of: one non-blank line of
the text with its whitespace collapsed. The hash is taken over NFC text without control
characters, so that it does not depend on babelfeed's own normalizer (which the rules under
test may change).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent / "evalset"
LABELS = HERE / "labels.jsonl"
CACHE = HERE / "cache"
TEXTS = CACHE / "texts"

BODY = "body"
#: Dirt kinds and what each means (README.md in evalset/ has the same table, for people).
KINDS: dict[str, str] = {
    "caption": "an image or video caption (often ending in its credit)",
    "credit": "a photo or source credit alone ('Фото: ...', 'Source: AFP'), or 'X contributed'",
    "byline": "the author line, 'By ...', 'Текст: ...', reading time",
    "teaser": "a lead or summary of this article cut off (ellipsis), a duplicate fragment",
    "repeated": "a line repeating an earlier line of the same page verbatim (the lead twice)",
    "related_links": "other articles: 'Read more' headings, headline lists, another article's text",
    "subscribe": "calls to act: newsletter, subscription, app download, follow us, login, cookies",
    "menu": "navigation: section names, breadcrumbs, tag lists, language and text-size switches",
    "dateline": "a line that is only a publication or update date/time (with section or place)",
    "share": "share bars, social buttons, view/like/comment counts, comment-section headings",
    "footer": "copyright, licence, registration (ICP) and publisher contact or legal lines",
    "ad": "advertisement markers and sponsored lines",
    "other": "page chrome no other kind fits: counters, widgets, stray interface text",
}
LABEL_NAMES = frozenset({BODY, *KINDS})
SPLITS = ("dev", "heldout")
#: Scripts of the languages in the set (ISO 15924 names, as the README tables use them).
SCRIPTS = ("Latin", "Cyrillic", "Arabic", "Devanagari", "Han", "Japanese", "Hangul", "Thai",
           "Greek", "Hebrew", "Bengali", "Tamil", "Georgian", "Armenian")
LINE_HASH_CHARS = 16

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")
_SPACES = re.compile(r"\s+")


class EvalSetError(Exception):
    """The texts are missing or do not match the labels; the message says what to do."""


def normalize_line(line: str) -> str:
    return _SPACES.sub(" ", _CONTROL.sub("", unicodedata.normalize("NFC", line))).strip()


def split_lines(text: str) -> list[str]:
    """The labelled lines of a page text: its non-blank lines, normalized."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [line for line in map(normalize_line, text.split("\n")) if line]


def line_hash(line: str) -> str:
    return hashlib.sha256(normalize_line(line).encode("utf-8")).hexdigest()[:LINE_HASH_CHARS]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def page_id(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Page:
    id: str
    url: str
    site: str
    language: str
    script: str
    split: str
    lines: tuple[str, ...]
    labels: tuple[str, ...]
    raw: str  # the text as stored, what babelfeed is given


def read_labels(path: Path = LABELS) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def texts_present(path: Path = LABELS, texts: Path = TEXTS) -> bool:
    """Whether every labelled page's text is in the cache (the benchmark needs them all)."""
    return texts.is_dir() and all((texts / f"{r['id']}.txt").is_file() for r in read_labels(path))


def attach(record: dict, text: str) -> Page:
    """The page of `record` with `text`, or EvalSetError if `text` is not the labelled text."""
    found = text_hash(text)
    if found != record["sha256"]:
        raise EvalSetError(
            f"page {record['id']} ({record['url']}): its text has SHA-256 {found[:16]}..., the labels "
            f"were made on {record['sha256'][:16]}...; the cached text is not the labelled one. "
            "Bring the texts again (see benchmarks/evalset/README.md) rather than relabelling."
        )
    lines = split_lines(text)
    hashes = [h for h, _ in record["lines"]]
    if [line_hash(line) for line in lines] != hashes:  # same text, other line rules: a code change
        raise EvalSetError(f"page {record['id']}: the text matches but its lines do not match the "
                           "labels' line hashes; evalset_labels.split_lines changed since labelling")
    return Page(record["id"], record["url"], record["site"], record["language"], record["script"],
                record["split"], tuple(lines), tuple(label for _, label in record["lines"]), text)


def load(path: Path = LABELS, texts: Path = TEXTS, splits: Iterable[str] = SPLITS) -> list[Page]:
    """Every labelled page of `splits`, with its text; EvalSetError when a text is missing or differs."""
    wanted = set(splits)
    pages = []
    for record in read_labels(path):
        if record["split"] not in wanted:
            continue
        file = texts / f"{record['id']}.txt"
        if not file.is_file():
            raise EvalSetError(f"no text for page {record['id']} ({record['url']}) in {texts}; "
                               "see benchmarks/evalset/README.md for how to bring the texts")
        pages.append(attach(record, file.read_bytes().decode("utf-8")))  # bytes: keep its newlines
    return pages
