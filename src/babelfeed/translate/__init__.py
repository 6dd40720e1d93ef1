"""Batched, cached, per-sentence translation of segmented articles to English.

We do not call argostranslate's `translate()`: it splits sentences with models it downloads
at run time and translates one article at a time. Instead every sentence of a batch is routed
by its own language (`Segment.language`): English sentences go to no model, every other
language's sentences, from all articles of the batch, go through one call of that language's
model (`engine.Engine`), loaded once per worker process. Translations are cached with their
scores and flags by (model id, decoding settings, sentence hash), so re-runs, backfills and
boilerplate repeated across articles cost nothing, and a new model version misses the cache.

An article's status follows its dominant language (`Article.language`): `translated` when
that language's model translated it, `model_missing` or `failed` when it could not (its
English text is then empty and a later run translates the backlog), `not_needed` for English
articles. A sentence in a third language without a model stays untranslated and flagged.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field, replace

from babelfeed import models
from babelfeed.article import Article, Segment, TranslationStatus
from babelfeed.normalize import PARAGRAPH_SEPARATOR
from babelfeed.settings import Settings
from babelfeed.translate.cache import TranslationCache, sentence_hash
from babelfeed.translate.device import Device, DeviceError
from babelfeed.translate.engine import Engine, Translation, decoding_for, device_for, load_engine
from babelfeed.translate.quality import Flag

__all__ = [
    "Device", "DeviceError", "Engine", "Translation", "TranslationCache", "TranslationStats",
    "device_for", "load_engine", "sentence_hash", "translate_articles",
]

log = logging.getLogger(__name__)


@dataclass
class TranslationStats:
    sentences: int = 0  # all sentences of the batch, English ones included
    cache_hits: int = 0  # distinct sentences found in the cache
    translated_sentences: int = 0  # distinct sentences sent to a model
    tokens: int = 0  # tokens those sentences came back with
    model_seconds: float = 0.0  # time spent in the models' calls
    flagged_sentences: int = 0  # sentences of the batch with at least one flag
    device: str | None = None  # where the models ran, when one ran ("cpu", "cuda")
    compute_type: str | None = None
    missing_models: dict[str, str] = field(default_factory=dict)  # language -> install hint
    failures: dict[str, str] = field(default_factory=dict)  # language -> error

    def merge(self, other: TranslationStats) -> None:
        for name in ("sentences", "cache_hits", "translated_sentences", "tokens", "model_seconds", "flagged_sentences"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.device = self.device or other.device
        self.compute_type = self.compute_type or other.compute_type
        self.missing_models.update(other.missing_models)
        self.failures.update(other.failures)


@dataclass
class _Outcome:
    """What happened to one language of the batch."""

    model_id: str | None = None
    translations: dict[str, Translation] = field(default_factory=dict)  # sentence -> English
    problem: Flag | None = None  # MODEL_MISSING or FAILED: its sentences stay untranslated


def _model(language: str, settings: Settings) -> models.Model | None:
    code = models.argos_code(language)
    try:
        return models.ensure(code, models.TARGET_LANGUAGE, settings.model_dir_list, settings.online_models)
    except Exception as exc:  # a broken package file must not sink the batch
        log.warning("could not install a %s model: %s", code, exc)
        return None


def _translate_language(
    texts: list[str], language: str, settings: Settings, cache: TranslationCache, stats: TranslationStats
) -> _Outcome:
    model = _model(language, settings)
    if model is None:
        stats.missing_models[language] = models.install_hint(models.argos_code(language))
        return _Outcome(problem=Flag.MODEL_MISSING)
    decoding = decoding_for(settings).key
    try:
        hashes = {text: sentence_hash(text) for text in texts}
        cached = cache.get_many(model.model_id, decoding, list(hashes.values()))
        done = {text: cached[h] for text, h in hashes.items() if h in cached}
        todo = [text for text in texts if text not in done]
        stats.cache_hits += len(texts) - len(todo)
        if todo:
            engine = load_engine(model, settings)
            seconds = engine.seconds
            translated = engine.translate(todo)
            stats.model_seconds += engine.seconds - seconds
            stats.translated_sentences += len(todo)
            stats.tokens += sum(t.tokens for t in translated)
            stats.device, stats.compute_type = engine.device.name, engine.device.compute_type
            done.update(zip(todo, translated, strict=True))
            cache.put_many(model.model_id, decoding, ((hashes[t], e) for t, e in zip(todo, translated, strict=True)))
    except DeviceError:
        raise  # the environment, not this batch: the run must stop
    except Exception as exc:
        log.exception("translation %s failed for %d sentences", model.model_id, len(texts))
        stats.failures[language] = f"{type(exc).__name__}: {exc}"
        return _Outcome(model.model_id, problem=Flag.FAILED)
    return _Outcome(model.model_id, done)


def _sentence(segment: Segment, language: str, outcomes: dict[str, _Outcome]) -> Segment:
    if language == models.TARGET_LANGUAGE:
        return replace(segment, text_english=segment.text, translation_model=None)
    outcome = outcomes[language]
    kept = segment.translation_flags  # what segmentation found (`cut`)
    if outcome.problem is not None:
        return replace(segment, text_english=None, translation_model=outcome.model_id,
                       translation_flags=(*kept, str(outcome.problem)))
    t = outcome.translations[segment.text]
    return replace(
        segment, text_english=t.english, translation_model=outcome.model_id,
        translation_score=t.score, translation_tokens=t.tokens, translation_flags=(*kept, *t.flags),
    )


def _assemble(article: Article, outcomes: dict[str, _Outcome]) -> Article:
    language = article.language or "und"
    segments = tuple(_sentence(s, s.language or language, outcomes) for s in article.segments)
    outcome = outcomes.get(language)
    if language == models.TARGET_LANGUAGE:
        status, model_id = TranslationStatus.NOT_NEEDED, None
    elif outcome is not None and outcome.problem is Flag.MODEL_MISSING:
        status, model_id = TranslationStatus.MODEL_MISSING, None
    elif outcome is not None and outcome.problem is Flag.FAILED:
        status, model_id = TranslationStatus.FAILED, outcome.model_id
    elif outcome is None:  # no sentence is in the article's language: none needed its model
        status, model_id = TranslationStatus.NOT_NEEDED, None
    else:
        status, model_id = TranslationStatus.TRANSLATED, outcome.model_id
    text_english = None
    if status in (TranslationStatus.TRANSLATED, TranslationStatus.NOT_NEEDED):
        paragraphs: dict[int, list[str]] = defaultdict(list)
        for s in segments:
            if s.text_english:
                paragraphs[s.paragraph_index].append(s.text_english)
        text_english = PARAGRAPH_SEPARATOR.join(" ".join(p) for _, p in sorted(paragraphs.items()))
        if status is TranslationStatus.NOT_NEEDED and all(s.text_english == s.text for s in segments):
            text_english = article.text  # keeps the original's exact spacing
    return replace(
        article, segments=segments, text_english=text_english, translation_status=status,
        translation_model=model_id,
    )


def translate_articles(
    articles: list[Article], settings: Settings, cache: TranslationCache
) -> tuple[list[Article], TranslationStats]:
    """Give every article and sentence an English text, a status, and scores and flags."""
    stats = TranslationStats(sentences=sum(len(a.segments) for a in articles))
    texts: dict[str, dict[str, None]] = defaultdict(dict)  # language -> its distinct sentences
    for article in articles:
        for s in article.segments:
            language = s.language or article.language or "und"
            if language != models.TARGET_LANGUAGE:
                texts[language][s.text] = None
    outcomes = {
        language: _translate_language(list(group), language, settings, cache, stats)
        for language, group in sorted(texts.items())
    }
    out = [_assemble(a, outcomes) for a in articles]
    stats.flagged_sentences = sum(1 for a in out for s in a.segments if s.translation_flags)
    return out, stats
