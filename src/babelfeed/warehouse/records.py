"""Articles, rejects and runs as Arrow tables in the warehouse schemas."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from itertools import repeat

import pyarrow as pa

from babelfeed import PIPELINE_VERSION
from babelfeed.article import Article, Boilerplate, Reject, Segment
from babelfeed.warehouse.schema import ARTICLES, REJECTS, RUNS, SEGMENTS


def articles_table(articles: Sequence[Article], run_id: str, ingested_at: datetime) -> pa.Table:
    rows = [
        {
            "article_id": a.article_id,
            "source_uri": a.source_uri,
            "source_kind": a.source_kind,
            "url": a.url,
            "canonical_url": a.canonical_url,
            "title": a.title,
            "authors": list(a.authors),
            "site": a.site,
            "published_at": a.published_at,
            "observed_at": a.observed_at,
            "ingested_at": ingested_at,
            "content_hash": a.content_hash,
            "language": a.language,
            "language_confidence": a.language_confidence,
            "text_original": a.text,
            "text_english": a.text_english,
            "boilerplate": [{"text": b.text, "kind": b.kind} for b in a.boilerplate],
            "translation_status": str(a.translation_status),
            "translation_model": a.translation_model,
            "translation_score": a.translation_score,
            "flagged_segments": a.flagged_segments,
            "duplicate_group": a.duplicate_group,
            "duplicate_kind": a.duplicate_kind,
            "paragraph_count": a.paragraph_count,
            "sentence_count": len(a.segments),
            "char_count": len(a.text),
            "run_id": run_id,
            "pipeline_version": PIPELINE_VERSION,
        }
        for a in articles
    ]
    return pa.Table.from_pylist(rows, schema=ARTICLES.schema)


def segments_table(articles: Sequence[Article], run_id: str) -> pa.Table:
    """One row per sentence, built column by column: a chunk of long articles holds hundreds of
    thousands of sentences, and a dict per row would cost several times their text."""
    counts = [len(a.segments) for a in articles]

    def per_article(value: Callable[[Article], object]) -> list:
        return [v for a, n in zip(articles, counts, strict=True) for v in repeat(value(a), n)]

    def per_sentence(value: Callable[[Segment], object]) -> list:
        return [value(s) for a in articles for s in a.segments]

    columns = {
        "article_id": per_article(lambda a: a.article_id),
        "paragraph_index": per_sentence(lambda s: s.paragraph_index),
        "sentence_index": per_sentence(lambda s: s.sentence_index),
        "language": [s.language or a.language for a in articles for s in a.segments],
        "char_start": per_sentence(lambda s: s.start),
        "char_end": per_sentence(lambda s: s.end),
        "text_original": per_sentence(lambda s: s.text),
        "text_english": per_sentence(lambda s: s.text_english),
        "translation_model": per_sentence(lambda s: s.translation_model),
        "translation_score": per_sentence(lambda s: s.translation_score),
        "translation_flags": per_sentence(lambda s: list(s.translation_flags)),
        "observed_at": per_article(lambda a: a.observed_at),
        "run_id": [run_id] * sum(counts),
    }
    return pa.table(columns, schema=SEGMENTS.schema)


def rejects_table(rejects: Sequence[Reject], run_id: str, rejected_at: datetime) -> pa.Table:
    rows = [
        {
            "source_uri": r.source_uri,
            "reason": str(r.reason),
            "detail": r.detail,
            "stage": r.stage,
            "content_hash": r.content_hash,
            "observed_at": r.observed_at,
            "rejected_at": rejected_at,
            "run_id": run_id,
        }
        for r in rejects
    ]
    return pa.Table.from_pylist(rows, schema=REJECTS.schema)


def runs_table(run: dict) -> pa.Table:
    row = {name: run.get(name) for name in RUNS.schema.names}
    row["languages"] = sorted((run.get("languages") or {}).items())
    row["stage_seconds"] = sorted((run.get("stage_seconds") or {}).items())
    row["pipeline_version"] = PIPELINE_VERSION
    return pa.Table.from_pylist([row], schema=RUNS.schema)


def article_from_row(row: dict) -> Article:
    """Rebuild the article a row was written from (segments are re-derived from the text)."""
    return Article(
        article_id=row["article_id"],
        source_uri=row["source_uri"],
        source_kind=row["source_kind"],
        observed_at=row["observed_at"],
        content_hash=row["content_hash"],
        text=row["text_original"],
        url=row["url"],
        canonical_url=row["canonical_url"],
        title=row["title"],
        authors=tuple(row["authors"] or ()),
        site=row["site"],
        published_at=row["published_at"],
        language=row["language"],
        language_confidence=row["language_confidence"],
        boilerplate=tuple(Boilerplate(b["text"], b["kind"]) for b in row.get("boilerplate") or ()),
    )
