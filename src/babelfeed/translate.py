"""Batched, cached translation of segmented articles to English.

We do not call argostranslate's `translate()`: it splits sentences with models it downloads
at run time and translates one article at a time. Instead every sentence of every article in
a batch that shares a language goes through one CTranslate2 `translate_batch` call, with the
package's own tokenizer, on a model loaded once per worker process. Translations are cached by
(model id, sentence hash), so re-runs, backfills and boilerplate repeated across articles cost
nothing, and a new model version naturally misses the cache and re-translates.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from babelfeed import models
from babelfeed.article import Article, TranslationStatus
from babelfeed.normalize import PARAGRAPH_SEPARATOR
from babelfeed.settings import Settings

log = logging.getLogger(__name__)


def sentence_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class TranslationCache:
    """Sentence translations on disk in SQLite: safe across threads and processes."""

    _CHUNK = 500

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS translations (model_id TEXT, sentence_hash TEXT,"
                " english TEXT NOT NULL, PRIMARY KEY (model_id, sentence_hash)) WITHOUT ROWID"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=60)

    def get_many(self, model_id: str, hashes: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        with self._connect() as db:
            for i in range(0, len(hashes), self._CHUNK):
                chunk = hashes[i : i + self._CHUNK]
                marks = ",".join("?" * len(chunk))
                found.update(
                    db.execute(
                        f"SELECT sentence_hash, english FROM translations"
                        f" WHERE model_id = ? AND sentence_hash IN ({marks})",
                        [model_id, *chunk],
                    ).fetchall()
                )
        return found

    def put_many(self, model_id: str, pairs: Iterable[tuple[str, str]]) -> None:
        with self._connect() as db:
            db.executemany(
                "INSERT OR REPLACE INTO translations VALUES (?, ?, ?)",
                [(model_id, h, english) for h, english in pairs],
            )


class Engine:
    """A CTranslate2 model and the package's tokenizer; build it with `load_engine`."""

    def __init__(
        self, model: models.Model, beam_size: int, max_batch_size: int, max_decoding_length: int,
        threads: int = 0,
    ) -> None:
        import ctranslate2
        from argostranslate.package import Package

        package = Package(model.path)
        if getattr(package, "tokenizer", None) is None:
            raise models.ModelInstallError(
                f"{model.path} has neither sentencepiece.model nor bpe.model; reinstall the package"
            )
        self.model = model
        self.tokenizer = package.tokenizer
        self.target_prefix = package.target_prefix
        self.translator = ctranslate2.Translator(
            str(model.path / "model"), device="cpu", intra_threads=threads
        )
        self.beam_size = beam_size
        self.max_batch_size = max_batch_size
        self.max_decoding_length = max_decoding_length
        self.calls = 0

    def translate(self, sentences: Sequence[str]) -> list[str]:
        """Translate many sentences in one CTranslate2 call (it sub-batches internally)."""
        if not sentences:
            return []
        self.calls += 1
        tokens = [self.tokenizer.encode(s) for s in sentences]
        prefix = [[self.target_prefix]] * len(tokens) if self.target_prefix else None
        results = self.translator.translate_batch(
            tokens,
            target_prefix=prefix,
            beam_size=self.beam_size,
            max_batch_size=self.max_batch_size,
            max_decoding_length=self.max_decoding_length,
            replace_unknowns=True,
            length_penalty=0.2,
        )
        out = []
        for result in results:
            text = self.tokenizer.decode(result.hypotheses[0])
            if self.target_prefix and text.startswith(self.target_prefix):
                text = text[len(self.target_prefix) :]
            out.append(text.strip())
        return out


_engine_lock = threading.Lock()


@lru_cache(maxsize=8)
def _engine(
    model: models.Model, beam_size: int, max_batch_size: int, max_decoding_length: int, threads: int
) -> Engine:
    return Engine(model, beam_size, max_batch_size, max_decoding_length, threads)


def load_engine(model: models.Model, settings: Settings) -> Engine:
    """One engine per (package, version, decoding settings) per worker process."""
    with _engine_lock:
        return _engine(
            model, settings.beam_size, settings.translate_batch_size, settings.max_decoding_length,
            settings.translate_threads,
        )


@dataclass
class TranslationStats:
    sentences: int = 0  # all sentences of the batch, English ones included
    cache_hits: int = 0  # distinct sentences found in the cache
    translated_sentences: int = 0  # distinct sentences sent to the model
    missing_models: dict[str, str] = field(default_factory=dict)  # language -> install hint
    failures: dict[str, str] = field(default_factory=dict)  # language -> error


def _assemble(article: Article, english: dict[str, str], model_id: str) -> Article:
    segments = tuple(replace(s, text_english=english[s.text]) for s in article.segments)
    paragraphs: dict[int, list[str]] = defaultdict(list)
    for s in segments:
        if s.text_english:
            paragraphs[s.paragraph_index].append(s.text_english)
    text_english = PARAGRAPH_SEPARATOR.join(" ".join(p) for _, p in sorted(paragraphs.items()))
    return replace(
        article,
        segments=segments,
        text_english=text_english,
        translation_status=TranslationStatus.TRANSLATED,
        translation_model=model_id,
    )


def _translate_language(
    group: list[Article], model: models.Model, settings: Settings, cache: TranslationCache,
    stats: TranslationStats,
) -> list[Article]:
    unique = list(dict.fromkeys(s.text for a in group for s in a.segments))
    hashes = {text: sentence_hash(text) for text in unique}
    cached = cache.get_many(model.model_id, list(hashes.values()))
    english = {text: cached[h] for text, h in hashes.items() if h in cached}
    todo = [text for text in unique if text not in english]
    stats.cache_hits += len(unique) - len(todo)
    if todo:
        translated = load_engine(model, settings).translate(todo)
        english.update(zip(todo, translated, strict=True))
        cache.put_many(model.model_id, ((hashes[t], e) for t, e in zip(todo, translated, strict=True)))
        stats.translated_sentences += len(todo)
    return [_assemble(a, english, model.model_id) for a in group]


def translate_articles(
    articles: list[Article], settings: Settings, cache: TranslationCache
) -> tuple[list[Article], TranslationStats]:
    """Give every article an English text and a translation status."""
    stats = TranslationStats(sentences=sum(len(a.segments) for a in articles))
    done: dict[str, Article] = {}
    by_language: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        if article.language == models.TARGET_LANGUAGE:
            done[article.article_id] = replace(
                article,
                segments=tuple(replace(s, text_english=s.text) for s in article.segments),
                text_english=article.text,
                translation_status=TranslationStatus.NOT_NEEDED,
                translation_model=None,
            )
        else:
            by_language[article.language or "und"].append(article)

    for language, group in sorted(by_language.items()):
        code = models.argos_code(language)
        try:
            model = models.ensure(code, models.TARGET_LANGUAGE, settings.model_dir_list, settings.online_models)
        except Exception as exc:  # a broken package file must not sink the batch
            log.warning("could not install a %s model: %s", code, exc)
            model = None
        if model is None:
            stats.missing_models[language] = models.install_hint(code)
            for a in group:
                done[a.article_id] = replace(
                    a, text_english=None, translation_status=TranslationStatus.MODEL_MISSING,
                    translation_model=None,
                )
            continue
        try:
            for a in _translate_language(group, model, settings, cache, stats):
                done[a.article_id] = a
        except Exception as exc:
            log.exception("translation %s failed for %d articles", model.model_id, len(group))
            stats.failures[language] = f"{type(exc).__name__}: {exc}"
            for a in group:
                done[a.article_id] = replace(
                    a, text_english=None, translation_status=TranslationStatus.FAILED,
                    translation_model=model.model_id,
                )
    return [done[a.article_id] for a in articles], stats
