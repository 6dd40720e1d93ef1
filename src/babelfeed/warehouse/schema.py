"""Explicit pyarrow schemas: the contract downstream readers rely on.

Column names and types change only with SCHEMA_VERSION, which every file carries in its
Parquet key-value metadata (`babelfeed.schema_version`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

#: 2: runs gained wall_seconds, workers and commits; partitions may hold several files.
#: 3: translation quality: segments.translation_score and translation_flags (and a language
#: and model per sentence), articles.translation_score and flagged_segments, runs gained the
#: device, compute type and model throughput; articles.boilerplate (page dirt kept aside),
#: duplicate_group and duplicate_kind.
#: 4: articles.url is the URI the content was fetched from (it was the page's canonical link
#: where trafilatura found one); articles.canonical_url holds the page's canonical link.
#: Files of older versions are read as they are (the new columns are null).
SCHEMA_VERSION = "4"
TS = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class TableSpec:
    name: str
    schema: pa.Schema
    key: tuple[str, ...]
    #: Rows whose value in this column is being written replace all old rows with that value
    #: (an article's segments are replaced as a whole: the new text may have fewer sentences).
    replace_by: str
    #: Hive partition column and the timestamp column it is derived from.
    partition_column: str
    partition_source: str


ARTICLES = TableSpec(
    name="articles",
    schema=pa.schema(
        [
            pa.field("article_id", pa.string(), nullable=False),
            pa.field("source_uri", pa.string(), nullable=False),
            pa.field("source_kind", pa.string()),
            pa.field("url", pa.string()),
            pa.field("canonical_url", pa.string()),
            pa.field("title", pa.string()),
            pa.field("authors", pa.list_(pa.string())),
            pa.field("site", pa.string()),
            pa.field("published_at", TS),
            pa.field("observed_at", TS, nullable=False),
            pa.field("ingested_at", TS, nullable=False),
            pa.field("content_hash", pa.string(), nullable=False),
            pa.field("language", pa.string()),
            pa.field("language_confidence", pa.float64()),
            pa.field("text_original", pa.string(), nullable=False),
            pa.field("text_english", pa.string()),
            pa.field("boilerplate", pa.list_(pa.struct([("text", pa.string()), ("kind", pa.string())]))),
            pa.field("translation_status", pa.string(), nullable=False),
            pa.field("translation_model", pa.string()),
            pa.field("translation_score", pa.float64()),
            pa.field("flagged_segments", pa.int32()),
            pa.field("duplicate_group", pa.string()),
            pa.field("duplicate_kind", pa.string()),
            pa.field("paragraph_count", pa.int32()),
            pa.field("sentence_count", pa.int32()),
            pa.field("char_count", pa.int32()),
            pa.field("run_id", pa.string(), nullable=False),
            pa.field("pipeline_version", pa.string()),
        ]
    ),
    key=("article_id",),
    replace_by="article_id",
    partition_column="observed_date",
    partition_source="observed_at",
)

SEGMENTS = TableSpec(
    name="segments",
    schema=pa.schema(
        [
            pa.field("article_id", pa.string(), nullable=False),
            pa.field("paragraph_index", pa.int32(), nullable=False),
            pa.field("sentence_index", pa.int32(), nullable=False),
            pa.field("language", pa.string()),
            pa.field("char_start", pa.int32()),
            pa.field("char_end", pa.int32()),
            pa.field("text_original", pa.string(), nullable=False),
            pa.field("text_english", pa.string()),
            pa.field("translation_model", pa.string()),
            pa.field("translation_score", pa.float64()),
            pa.field("translation_flags", pa.list_(pa.string())),
            pa.field("observed_at", TS, nullable=False),
            pa.field("run_id", pa.string(), nullable=False),
        ]
    ),
    key=("article_id", "paragraph_index", "sentence_index"),
    replace_by="article_id",
    partition_column="observed_date",
    partition_source="observed_at",
)

REJECTS = TableSpec(
    name="rejects",
    schema=pa.schema(
        [
            pa.field("source_uri", pa.string(), nullable=False),
            pa.field("reason", pa.string(), nullable=False),
            pa.field("detail", pa.string()),
            pa.field("stage", pa.string()),
            pa.field("content_hash", pa.string()),
            pa.field("observed_at", TS, nullable=False),
            pa.field("rejected_at", TS, nullable=False),
            pa.field("run_id", pa.string(), nullable=False),
        ]
    ),
    key=("source_uri",),
    replace_by="source_uri",
    partition_column="observed_date",
    partition_source="observed_at",
)

RUN_COUNTS = (
    "discovered", "unchanged", "new", "updated", "rejected", "articles",
    "not_needed", "translated", "model_missing", "failed", "retranslated",
    "sentences", "sentences_from_cache", "sentences_translated", "tokens_translated",
    "sentences_flagged",
)

RUNS = TableSpec(
    name="runs",
    schema=pa.schema(
        [
            pa.field("run_id", pa.string(), nullable=False),
            pa.field("flow", pa.string()),
            pa.field("status", pa.string(), nullable=False),
            pa.field("started_at", TS, nullable=False),
            pa.field("finished_at", TS),
            pa.field("window_start", pa.date32()),
            pa.field("window_end", pa.date32()),
            pa.field("parameters", pa.string()),
            *[pa.field(name, pa.int64()) for name in RUN_COUNTS],
            pa.field("languages", pa.map_(pa.string(), pa.int64())),
            pa.field("stage_seconds", pa.map_(pa.string(), pa.float64())),
            pa.field("wall_seconds", pa.float64()),
            pa.field("workers", pa.int32()),
            pa.field("commits", pa.int32()),
            pa.field("translate_device", pa.string()),
            pa.field("translate_compute_type", pa.string()),
            pa.field("sentences_per_second", pa.float64()),
            pa.field("tokens_per_second", pa.float64()),
            pa.field("message", pa.string()),
            pa.field("pipeline_version", pa.string()),
        ]
    ),
    key=("run_id",),
    replace_by="run_id",
    partition_column="run_date",
    partition_source="started_at",
)

TABLES = {t.name: t for t in (ARTICLES, SEGMENTS, REJECTS, RUNS)}
