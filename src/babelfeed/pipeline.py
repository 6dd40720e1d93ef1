"""The stages chained for one batch of inputs, and the commit of a whole run.

This is the executor-neutral core the Prefect flow wires into tasks: `process_batch` turns
paths into articles and rejects (read, extract, normalize, detect, segment, translate);
`commit_run` writes them to the warehouse with the run's record; `RunReport` is what a person
reads afterwards.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from babelfeed import sources
from babelfeed.article import Article, BatchResult, Reject, RejectReason, SourceItem
from babelfeed.extract import extract
from babelfeed.language import UndetectableError, detect, letter_count
from babelfeed.normalize import normalize
from babelfeed.segment import segment
from babelfeed.settings import Settings
from babelfeed.translate import TranslationCache, TranslationStats, translate_articles
from babelfeed.warehouse import ARTICLES, REJECTS, RUNS, SEGMENTS, commit
from babelfeed.warehouse.records import articles_table, rejects_table, runs_table, segments_table

log = logging.getLogger(__name__)


@contextmanager
def _timed(result: BatchResult, stage: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        result.add_time(stage, time.perf_counter() - start)


def detect_language(article: Article, min_chars: int) -> Article | Reject:
    def reject(reason: RejectReason, detail: str) -> Reject:
        return Reject(article.source_uri, reason, detail, article.observed_at, "language", article.content_hash)

    letters = letter_count(article.text)
    if letters < min_chars:
        return reject(
            RejectReason.TOO_SHORT,
            f"{letters} letters is too little text to detect a language (minimum {min_chars}, "
            "set by BABELFEED_MIN_TEXT_CHARS)",
        )
    try:
        found = detect(article.text)
    except UndetectableError as exc:
        return reject(RejectReason.NO_LANGUAGE, f"langdetect found no language: {exc}")
    return replace(article, language=found.language, language_confidence=found.confidence)


@dataclass
class BatchOutcome:
    result: BatchResult
    translation: TranslationStats


def process_batch(paths: list[str | Path], settings: Settings) -> BatchOutcome:
    """Run every stage on one batch of files. Never raises for bad input: it rejects it."""
    result = BatchResult()
    articles: list[Article] = []
    with _timed(result, "read"):
        items: list[SourceItem] = []
        for path in paths:
            item = sources.read(Path(path), settings.max_bytes)
            (items if isinstance(item, SourceItem) else result.rejects).append(item)
    for item in items:
        with _timed(result, "extract"):
            extracted = extract(item)
        if isinstance(extracted, Reject):
            result.rejects.append(extracted)
            continue
        with _timed(result, "normalize"):
            article = normalize(extracted)
        with _timed(result, "language"):
            detected = detect_language(article, settings.min_text_chars)
        if isinstance(detected, Reject):
            result.rejects.append(detected)
            continue
        with _timed(result, "segment"):
            articles.append(segment(detected))
    with _timed(result, "translate"):
        cache = TranslationCache(settings.state_path / "translations.sqlite")
        translated, stats = translate_articles(articles, settings, cache)
    result.articles.extend(translated)
    return BatchOutcome(result, stats)


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:8]


@dataclass
class RunReport:
    run_id: str
    warehouse: str
    discovered: int
    articles: int
    rejected: int
    statuses: dict[str, int]
    languages: dict[str, int]
    reject_reasons: dict[str, int]
    missing_models: dict[str, str]
    failures: dict[str, str]
    sentences: int
    sentences_from_cache: int
    stage_seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """A short, plain-text summary for logs and terminals."""
        out = [
            f"run {self.run_id}: {self.articles} articles, {self.rejected} rejected "
            f"(of {self.discovered} inputs)",
            "languages: " + (", ".join(f"{k}={v}" for k, v in sorted(self.languages.items())) or "none"),
            "translation: " + ", ".join(f"{k}={v}" for k, v in sorted(self.statuses.items())),
            f"sentences: {self.sentences} ({self.sentences_from_cache} from cache)",
        ]
        for language, hint in sorted(self.missing_models.items()):
            out.append(f"untranslated {language}: no {language}->en model installed; install one with: {hint}")
        for language, error in sorted(self.failures.items()):
            out.append(f"translation of {language} failed: {error}")
        if self.reject_reasons:
            out.append("rejects: " + ", ".join(f"{k}={v}" for k, v in sorted(self.reject_reasons.items())))
        out.append(f"tables: {self.warehouse}/{{articles,segments,rejects,runs}}")
        return out


def commit_run(
    outcomes: list[BatchOutcome],
    settings: Settings,
    run_id: str,
    started_at: datetime,
    discovered: int,
    flow: str = "ingest",
    parameters: str | None = None,
) -> RunReport:
    """Write every batch's articles, segments and rejects, then the run's own row."""
    total = BatchResult()
    stats = TranslationStats()
    for outcome in outcomes:
        total.merge(outcome.result)
        stats.sentences += outcome.translation.sentences
        stats.cache_hits += outcome.translation.cache_hits
        stats.missing_models.update(outcome.translation.missing_models)
        stats.failures.update(outcome.translation.failures)
    now = datetime.now(UTC)
    write_start = time.perf_counter()
    root = settings.warehouse
    commit(root, ARTICLES, articles_table(total.articles, run_id, now))
    commit(root, SEGMENTS, segments_table(total.articles, run_id))
    commit(root, REJECTS, rejects_table(total.rejects, run_id, now))
    total.add_time("write", time.perf_counter() - write_start)

    statuses = Counter(str(a.translation_status) for a in total.articles)
    report = RunReport(
        run_id=run_id,
        warehouse=str(root),
        discovered=discovered,
        articles=len(total.articles),
        rejected=len(total.rejects),
        statuses=dict(statuses),
        languages=dict(Counter(a.language for a in total.articles)),
        reject_reasons=dict(Counter(str(r.reason) for r in total.rejects)),
        missing_models=stats.missing_models,
        failures=stats.failures,
        sentences=stats.sentences,
        sentences_from_cache=stats.cache_hits,
        stage_seconds={k: round(v, 4) for k, v in total.seconds.items()},
    )
    commit(
        root,
        RUNS,
        runs_table(
            {
                "run_id": run_id,
                "flow": flow,
                "status": "completed",
                "started_at": started_at,
                "finished_at": datetime.now(UTC),
                "parameters": parameters,
                "discovered": discovered,
                "articles": report.articles,
                "rejected": report.rejected,
                **{s: statuses.get(s, 0) for s in ("not_needed", "translated", "model_missing", "failed")},
                "sentences": report.sentences,
                "sentences_from_cache": report.sentences_from_cache,
                "languages": report.languages,
                "stage_seconds": report.stage_seconds,
                "message": "\n".join(report.lines()),
            }
        ),
    )
    return report
