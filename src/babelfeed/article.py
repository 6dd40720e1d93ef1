"""The records that flow through every stage.

One article type travels from extraction to the warehouse; each stage returns a new,
completed copy (`dataclasses.replace`) instead of mutating, so a stage can never see
half-written state from another. Inputs that cannot become an article become a `Reject`
carrying a machine-readable reason and a sentence a person can act on.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class TranslationStatus(StrEnum):
    NOT_NEEDED = "not_needed"
    TRANSLATED = "translated"
    MODEL_MISSING = "model_missing"
    FAILED = "failed"


class RejectReason(StrEnum):
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    BINARY = "binary"
    UNDECODABLE = "undecodable"
    NO_TEXT = "no_text"
    TOO_SHORT = "too_short"
    NO_LANGUAGE = "no_language"
    UNREADABLE = "unreadable"
    UNSUPPORTED = "unsupported"
    TRUNCATED = "truncated"
    BAD_RECORD = "bad_record"
    EXTRACT_TIMEOUT = "extract_timeout"
    STAGE_TIMEOUT = "stage_timeout"
    BAD_URL = "bad_url"
    HTTP_ERROR = "http_error"
    TIMEOUT = "timeout"
    REDIRECT_LOOP = "redirect_loop"
    PRIVATE_ADDRESS = "private_address"
    MALFORMED_FEED = "malformed_feed"
    UNSAFE_XML = "unsafe_xml"
    ROBOTS_DISALLOWED = "robots_disallowed"
    ROBOTS_UNREACHABLE = "robots_unreachable"
    RATE_LIMITED = "rate_limited"
    MALFORMED_SITEMAP = "malformed_sitemap"
    SITEMAP_TOO_DEEP = "sitemap_too_deep"
    NO_FEED_OR_SITEMAP = "no_feed_or_sitemap"
    INTERNAL_ERROR = "internal_error"


@dataclass(frozen=True, slots=True)
class Shard:
    """One slice of a container file (WARC or JSONL): the unit of work a worker reads itself.

    Shards are found by one streaming pass over the container (`sources.shards.scan`) and
    recorded in the ledger, so a run killed half-way through a container resumes at the first
    shard that was not committed, with the same boundaries even if the batch size changed.
    """

    index: int
    start: int  # offset of the shard's first record: in the file (WARC), in the decoded stream (JSONL)
    end: int | None  # offset where the next shard starts; None: to the end of the container
    first_line: int = 1  # JSONL: number of the shard's first line (line numbers name records)


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A discovered input, before it is read: cheap to list, batch and compare with the ledger.

    `fingerprint` changes whenever the input may have changed (for files: size and mtime), so
    an unchanged input is skipped without reading it.
    """

    uri: str
    location: str
    fingerprint: str
    observed_at: datetime
    kind: str = "file"  # "file" (txt, html, warc, jsonl) or "url"
    # What a feed or sitemap said about the item, used where the page itself does not say.
    title: str | None = None
    published_at: datetime | None = None
    # Set when this reference is one shard of a container (see `Shard`).
    shard: Shard | None = None
    #: The language a news sitemap names for the item: taken where detection cannot tell.
    language: str | None = None


@dataclass(frozen=True, slots=True)
class SourceItem:
    """Raw bytes of one input plus what we know about where and when they came from."""

    uri: str
    kind: str
    content: bytes
    observed_at: datetime
    media_type: str = "text/plain"
    url: str | None = None
    charset: str | None = None  # declared by the transport (HTTP header, WARC, JSON)
    # Metadata the source already has (JSONL fields, feed entries); extraction may do better.
    title: str | None = None
    authors: tuple[str, ...] = ()
    published_at: datetime | None = None
    language: str | None = None  # a hint (news sitemap), taken where detection cannot tell

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True, slots=True)
class Segment:
    """One sentence of an article, with offsets into the article's normalized text."""

    paragraph_index: int
    sentence_index: int
    start: int
    end: int
    text: str
    text_english: str | None = None
    #: The sentence's own language where it is long enough to tell and detection is sure,
    #: else the article's (`language.label_sentences`).
    language: str | None = None
    translation_model: str | None = None  # None: English already, or no model translated it
    translation_score: float | None = None  # mean token log-probability of the translation
    translation_tokens: int | None = None  # tokens the translation has (weights the mean)
    translation_flags: tuple[str, ...] = ()  # see `translate.quality.Flag`


@dataclass(frozen=True, slots=True)
class Boilerplate:
    """A paragraph of the input that is not the article (see `normalize.boilerplate.Kind`)."""

    text: str
    kind: str


@dataclass(frozen=True, slots=True)
class Article:
    article_id: str
    source_uri: str
    source_kind: str
    observed_at: datetime
    content_hash: str
    text: str
    #: Where the content was fetched from (`SourceItem.url`): the WARC-Target-URI, the URL
    #: after redirects, the JSONL `url` field; None for files.
    url: str | None = None
    #: The page's own canonical link (HTML only), where it names one other than `url`.
    canonical_url: str | None = None
    title: str | None = None
    authors: tuple[str, ...] = ()
    site: str | None = None
    published_at: datetime | None = None
    language: str | None = None
    language_confidence: float | None = None
    segments: tuple[Segment, ...] = ()
    text_english: str | None = None
    translation_status: TranslationStatus | None = None
    translation_model: str | None = None
    boilerplate: tuple[Boilerplate, ...] = ()  # paragraphs kept aside from `text`
    duplicate_group: str | None = None  # id of the first article of its group (`dedup`)
    duplicate_kind: str | None = None  # None (first or alone), "exact" or "near"
    #: (exact key, MinHash signature) of the English text, made in the worker so the flow's
    #: index only looks it up (`dedup.fingerprint`); not stored.
    fingerprint: tuple[str, Any] | None = None

    @property
    def paragraph_count(self) -> int:
        return len({s.paragraph_index for s in self.segments})

    @property
    def translation_score(self) -> float | None:
        """The mean token log-probability over every sentence a model translated (so weighted
        by their tokens); None where no model translated any."""
        scored = [(s.translation_score, s.translation_tokens or 1) for s in self.segments
                  if s.translation_score is not None]
        if not scored:
            return None
        return round(sum(score * n for score, n in scored) / sum(n for _, n in scored), 6)

    @property
    def flagged_segments(self) -> int:
        return sum(1 for s in self.segments if s.translation_flags)


@dataclass(frozen=True, slots=True)
class Reject:
    source_uri: str
    reason: RejectReason
    detail: str
    observed_at: datetime
    stage: str
    content_hash: str | None = None


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """What the warehouse knows about one input: how it looked and what it became."""

    source_uri: str
    fingerprint: str
    content_hash: str | None
    outcome: str  # "article", "reject", "container" (WARC/JSONL) or "feed"
    observed_at: datetime
    run_id: str
    #: Partition dates (YYYY-MM-DD) of the rows this input wrote, so a commit that replaces them
    #: reads only those partitions; None where unknown (ledgers written before this field).
    dates: tuple[str, ...] | None = None
    #: Containers: where each shard starts (`Shard.start`, `Shard.first_line`), and the shards
    #: committed so far. A container is complete when every shard is done.
    shard_starts: tuple[int, ...] = ()
    shard_lines: tuple[int, ...] = ()
    shards_done: tuple[int, ...] = ()

    @property
    def complete(self) -> bool:
        """Everything this input holds is committed (always, for a single article or reject)."""
        return self.outcome != "container" or len(set(self.shards_done)) >= len(self.shard_starts)


class Outcome(StrEnum):
    """What happened to one discovered input in a run (the runs table counts these)."""

    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass(slots=True)
class BatchResult:
    """What one batch of inputs became: articles ready to write, rejects, ledger entries."""

    articles: list[Article] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    ledger: list[LedgerEntry] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)
    #: Partition dates of the rows above: a container shard's ledger entry records them.
    dates: set[str] = field(default_factory=set)

    def add_time(self, stage: str, seconds: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    def merge(self, other: BatchResult) -> None:
        self.articles.extend(other.articles)
        self.rejects.extend(other.rejects)
        self.ledger.extend(other.ledger)
        self.outcomes.update(other.outcomes)
        self.dates |= other.dates
        for stage, secs in other.seconds.items():
            self.add_time(stage, secs)


def stable_id(source_uri: str) -> str:
    """An article id that depends only on where the article came from.

    The same input location always gets the same id, so a changed file replaces its
    article instead of adding a second one.
    """
    return hashlib.sha256(source_uri.encode("utf-8")).hexdigest()[:24]
