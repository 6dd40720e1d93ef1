"""Re-translation of articles already in the warehouse.

When a model is installed after articles were stored as `model_missing` (or a translation
failed), the stored text is enough to translate them: no source needs to be read again. With
`other_models`, articles translated by another version of their language's model are redone
too, which is how a model upgrade replaces translations instead of duplicating rows, and so
are translated articles without a score (written before schema version 3), which is how an
older warehouse gains scores and flags.
"""

from __future__ import annotations

import logging

import pyarrow.dataset as ds

from babelfeed import models
from babelfeed.article import Article, TranslationStatus
from babelfeed.incremental import Window
from babelfeed.settings import Settings
from babelfeed.warehouse import ARTICLES, read_table
from babelfeed.warehouse.records import article_from_row

log = logging.getLogger(__name__)

_UNTRANSLATED = [str(TranslationStatus.MODEL_MISSING), str(TranslationStatus.FAILED)]


def _window_filter(window: Window | None) -> ds.Expression | None:
    if window is None:
        return None
    column = ds.field(ARTICLES.partition_column)
    return (column >= window.start.isoformat()) & (column <= window.end.isoformat())


def find_backlog(
    settings: Settings,
    window: Window | None = None,
    other_models: bool = False,
    exclude_uris: frozenset[str] = frozenset(),
) -> list[tuple[str, str]]:
    """(article_id, partition) of the stored articles a now-installed model should translate.

    Only ids travel: a worker loads and segments each batch of them itself (`load_articles`),
    so a large backlog is never held in memory at once.
    """
    window_filter = _window_filter(window)
    wanted = ds.field("translation_status").isin(_UNTRANSLATED)
    if other_models:
        wanted = wanted | (ds.field("translation_status") == str(TranslationStatus.TRANSLATED))
    where = wanted if window_filter is None else wanted & window_filter
    candidates = read_table(
        settings.warehouse, ARTICLES,
        columns=["article_id", "source_uri", "language", "translation_status", "translation_model",
                 "translation_score", ARTICLES.partition_column],
        filter=where,
    ).to_pylist()

    current: dict[str, str | None] = {}
    for language in sorted({c["language"] for c in candidates}):
        code = models.argos_code(language)
        try:
            model = models.ensure(code, models.TARGET_LANGUAGE, settings.model_dir_list, settings.online_models)
        except models.ModelInstallError as exc:
            log.warning("cannot install a %s model for the backlog: %s", code, exc)
            model = None
        current[language] = model.model_id if model else None

    return sorted(
        (c["article_id"], c[ARTICLES.partition_column])
        for c in candidates
        if current[c["language"]] is not None
        and c["source_uri"] not in exclude_uris
        and (
            c["translation_status"] in _UNTRANSLATED
            or c["translation_model"] != current[c["language"]]
            or c["translation_score"] is None
        )
    )


def load_articles(settings: Settings, backlog: list[tuple[str, str]]) -> list[Article]:
    """The stored articles of one backlog batch (unsegmented), read from their partitions only."""
    ids = [article_id for article_id, _ in backlog]
    partitions = sorted({partition for _, partition in backlog})
    where = ds.field("article_id").isin(ids) & ds.field(ARTICLES.partition_column).isin(partitions)
    rows = read_table(settings.warehouse, ARTICLES, filter=where).to_pylist()
    return [article_from_row(row) for row in rows]
