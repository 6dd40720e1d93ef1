"""The stages chained for one batch of inputs.

`process_batch` is the executor-neutral core that the Prefect flows run as a task: it reads,
extracts, normalizes, detects, segments and translates a batch of inputs and returns articles,
rejects and the ledger entries that record them. It never raises for bad input: it rejects it.

The stages that read an input's own text (extract to sentence languages: `prepare`) run for
each input within its time budget in a helper process (`budget`), which imports this module:
the heavy modules only the worker needs (translation, the warehouse, HTTP, duplicates) are
therefore imported where they are used, so a helper starts in about a second, not six.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from babelfeed import budget
from babelfeed.article import (
    Article,
    BatchResult,
    LedgerEntry,
    Outcome,
    Reject,
    RejectReason,
    SourceItem,
    SourceRef,
)
from babelfeed.dates import partition_date
from babelfeed.extract import extract
from babelfeed.language import UndetectableError, detect, label_sentences, letter_count
from babelfeed.normalize import normalize, site_lines
from babelfeed.segment import segment
from babelfeed.settings import Settings

if TYPE_CHECKING:
    from babelfeed.translate import TranslationCache, TranslationStats

log = logging.getLogger(__name__)


@contextmanager
def timed(result: BatchResult, stage: str) -> Iterator[None]:
    """Add the block's seconds to `stage`; in a helper, also report the stage (`budget.enter`)."""
    if stage in budget.STAGES:
        budget.enter(stage)
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


def prepare(item: SourceItem, settings: Settings) -> tuple[Article | Reject, dict[str, float]]:
    """The stages from bytes to a segmented article with sentence languages, and their
    seconds; a bug on one input rejects only it. Runs in the helper (`budget.run`)."""
    budget.enter("extract", item.uri)
    result = BatchResult()
    try:
        return _stages(item, settings, result), result.seconds
    except Exception as exc:
        log.exception("processing %s failed", item.uri)
        return Reject(
            item.uri, RejectReason.INTERNAL_ERROR,
            f"{type(exc).__name__}: {exc} (a babelfeed bug or an input it cannot handle; "
            "please report it with the input)",
            item.observed_at, "extract", item.content_hash,
        ), result.seconds


def _to_article(item: SourceItem, settings: Settings, result: BatchResult) -> Article | Reject:
    """`prepare` within the input's budget; past it, a reject naming the stage."""

    def reject(reason: RejectReason, stage: str, detail: str) -> Reject:
        return Reject(item.uri, reason, detail, item.observed_at, stage, item.content_hash)

    limits = budget.Limits(settings.input_timeout, settings.extract_timeout)
    try:
        made, seconds = budget.run(prepare, (item, settings), limits)
    except budget.StageTimeout as late:
        result.add_time(late.stage, late.seconds)
        if late.setting == "BABELFEED_EXTRACT_TIMEOUT":
            return reject(RejectReason.EXTRACT_TIMEOUT, late.stage,
                          f"extraction took more than {late.limit:g} s; the page is pathological or huge "
                          "(raise BABELFEED_EXTRACT_TIMEOUT to give it more time)")
        return reject(RejectReason.STAGE_TIMEOUT, late.stage,
                      f"the {late.stage} stage ran past this input's budget of {late.limit:g} s "
                      "(BABELFEED_INPUT_TIMEOUT); the input is pathological or huge: please report it "
                      "with the input")
    except budget.HelperDied as died:
        log.error("processing %s: %s", item.uri, died)
        return reject(RejectReason.INTERNAL_ERROR, died.stage,
                      f"{died} (out of memory, or a crash in a library: please report it with the input)")
    for stage, secs in seconds.items():
        result.add_time(stage, secs)
    return made


def _stages(item: SourceItem, settings: Settings, result: BatchResult) -> Article | Reject:
    with timed(result, "extract"):
        extracted = extract(item)
    if isinstance(extracted, Reject):
        return extracted
    with timed(result, "normalize"):
        article = normalize(extracted, html=item.media_type == "text/html",
                            sites=site_lines.reader(settings.state_path))
    with timed(result, "language"):
        detected = detect_language(article, settings.min_text_chars)
    if isinstance(detected, Reject) and detected.reason is RejectReason.NO_LANGUAGE and item.language:
        # langdetect cannot tell; the news sitemap named the language (confidence 0: not detected)
        detected = replace(article, language=item.language, language_confidence=0.0)
    if isinstance(detected, Reject):
        return detected
    return split(detected, settings, result)


def split(article: Article, settings: Settings, result: BatchResult) -> Article:
    """Paragraphs and sentences, each sentence with its own language."""
    with timed(result, "segment"):
        segmented = segment(article)
    with timed(result, "language"):
        return label_sentences(segmented, settings.sentence_language_min_letters)


@dataclass
class BatchOutcome:
    result: BatchResult
    translation: TranslationStats


def translation_cache(settings: Settings, heal: bool = False) -> TranslationCache:
    """The run's translation cache. With `heal` (the flow, once per run, holding the
    warehouse) a damaged or incompatible file is moved into the quarantine and replaced by an
    empty cache; workers open it as it is and go on without it if they must."""
    from babelfeed.translate import TranslationCache
    from babelfeed.warehouse.storage import set_aside

    state = settings.state_path
    aside = (lambda path: set_aside(path, state, settings.warehouse)) if heal else None
    return TranslationCache(state / "translations.sqlite", aside)


def translate_batch(articles: list[Article], settings: Settings, result: BatchResult) -> BatchOutcome:
    """Translate a batch's articles, fingerprint them for duplicate detection, and add them
    to `result`."""
    from babelfeed.dedup import fingerprint
    from babelfeed.translate import translate_articles

    with timed(result, "translate"):
        translated, stats = translate_articles(articles, settings, translation_cache(settings))
    with timed(result, "dedup"):  # the flow's index then only looks the fingerprints up
        result.articles.extend(fingerprint(a) for a in translated)
    return BatchOutcome(result, stats)


def retranslate(backlog: list[tuple[str, str]], settings: Settings) -> BatchOutcome:
    """Translate one batch of stored articles again (`backlog.find_backlog` names them)."""
    from babelfeed.backlog import load_articles

    result = BatchResult()
    articles = [split(a, settings, result) for a in load_articles(settings, backlog)]
    return translate_batch(articles, settings, result)


def process_batch(
    refs: list[SourceRef],
    settings: Settings,
    run_id: str,
    known: dict[str, LedgerEntry] | None = None,
    force: bool = False,
) -> BatchOutcome:
    """Run every stage on one batch of inputs, or on one shard of a container.

    `known` holds the ledger entries of inputs ingested before: an input whose bytes hash to
    the recorded hash (or that answers HTTP 304) is counted unchanged and not processed
    again, unless `force`. A shard's records are read one at a time; the shard's ledger entry
    is the caller's to write (it knows the container's other shards), so none is made here.
    """
    from babelfeed import sources
    from babelfeed.sources.http import client

    known = known or {}
    result = BatchResult()
    articles: list[Article] = []
    policy = settings.http_policy(run_id)
    with ExitStack() as stack:
        http = stack.enter_context(client(policy)) if any(r.kind == "url" for r in refs) else None
        readings = sources.read_each(refs, settings.max_bytes, {} if force else known, http, policy)
        while True:
            with timed(result, "read"):  # URLs of other hosts are fetched meanwhile
                pair = next(readings, None)
            if pair is None:
                break
            ref, reading = pair
            previous = known.get(ref.uri)
            if reading.unchanged:
                result.outcomes[Outcome.UNCHANGED] += 1
                result.ledger.append(replace(previous, fingerprint=reading.fingerprint, run_id=run_id))
                continue
            made_any_article = False
            dates: set[str] = set()
            items = iter(reading.items)
            while True:
                with timed(result, "read"):  # a shard's records are read as they are needed
                    item = next(items, None)
                if item is None:
                    break
                made = item if isinstance(item, Reject) else _to_article(item, settings, result)
                dates.add(partition_date(made.observed_at))
                if isinstance(made, Reject):
                    result.rejects.append(made)
                    result.outcomes[Outcome.REJECTED] += 1
                else:
                    articles.append(made)
                    made_any_article = True
                    result.outcomes[Outcome.UPDATED if previous else Outcome.NEW] += 1
            result.dates |= dates
            if ref.shard is not None:
                continue
            result.ledger.append(
                LedgerEntry(
                    source_uri=ref.uri,
                    fingerprint=reading.fingerprint,
                    content_hash=reading.content_hash,
                    outcome="container" if reading.container else ("article" if made_any_article else "reject"),
                    observed_at=ref.observed_at,
                    run_id=run_id,
                    dates=tuple(sorted(dates)),
                )
            )
    return translate_batch(articles, settings, result)
