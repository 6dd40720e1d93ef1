from datetime import UTC, datetime

import pytest

from babelfeed import translate as tr
from babelfeed.article import Article, TranslationStatus
from babelfeed.normalize import normalize_text
from babelfeed.segment import segment
from babelfeed.settings import Settings


def article(uri: str, text: str, language: str) -> Article:
    a = Article(uri, uri, "file", datetime.now(UTC), "h", normalize_text(text), language=language)
    return segment(a)


GERMAN = [
    article("a", "Das Pentagon hat bestätigt, dass es ein System schickt.\nBeamte sagen, dass es hilft.", "de"),
    article("b", "Beamte sagen, dass es hilft. Die USA unterstützten die Abwehroperation.", "de"),
]
ENGLISH = article("c", "The Pentagon confirmed it. Troops will go.", "en")


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(warehouse=str(tmp_path / "wh"), online_models=False)


@pytest.fixture
def cache(tmp_path) -> tr.TranslationCache:
    return tr.TranslationCache(tmp_path / "cache.sqlite")


def test_every_sentence_is_translated_and_aligned(installed_model, settings, cache):
    out, stats = tr.translate_articles([*GERMAN, ENGLISH], settings, cache)
    for a in out[:2]:
        assert a.translation_status is TranslationStatus.TRANSLATED
        assert a.translation_model == "argos/de-en@1.0"
        assert all(s.text_english is not None for s in a.segments)
        assert a.text_english == "\n\n".join(
            " ".join(s.text_english for s in a.segments if s.paragraph_index == p and s.text_english)
            for p in sorted({s.paragraph_index for s in a.segments})
        )
        assert a.text_english.strip()
    # A sentence shared by two articles is translated once and gets the same English.
    shared = [s.text_english for a in out[:2] for s in a.segments if s.text == "Beamte sagen, dass es hilft."]
    assert len(shared) == 2 and shared[0] == shared[1]
    assert stats.translated_sentences == 3  # 4 German sentences, one of them twice
    english = out[2]
    assert english.translation_status is TranslationStatus.NOT_NEEDED
    assert english.text_english == english.text
    assert [s.text_english for s in english.segments] == [s.text for s in english.segments]


def test_one_model_call_for_all_articles_of_a_language(installed_model, settings, cache):
    engine = tr.load_engine(installed_model, settings)
    before = engine.calls
    tr.translate_articles(GERMAN, settings, cache)
    assert engine.calls == before + 1


def test_cache_makes_reruns_free_and_a_new_model_misses_it(installed_model, settings, cache, model_file_v2):
    first, _ = tr.translate_articles(GERMAN, settings, cache)
    engine = tr.load_engine(installed_model, settings)
    calls = engine.calls
    again, stats = tr.translate_articles(GERMAN, settings, cache)
    assert engine.calls == calls and stats.translated_sentences == 0 and stats.cache_hits == 3
    assert [a.text_english for a in again] == [a.text_english for a in first]

    from babelfeed import models

    models.install_file(model_file_v2)
    upgraded, stats = tr.translate_articles(GERMAN, settings, cache)
    assert {a.translation_model for a in upgraded} == {"argos/de-en@2.0"}
    assert stats.translated_sentences == 3 and stats.cache_hits == 0


def test_without_a_model_articles_are_kept_untranslated_with_a_hint(packages_dir, settings, cache):
    out, stats = tr.translate_articles([*GERMAN, ENGLISH], settings, cache)
    assert [a.translation_status for a in out] == [
        TranslationStatus.MODEL_MISSING, TranslationStatus.MODEL_MISSING, TranslationStatus.NOT_NEEDED,
    ]
    assert out[0].text_english is None and all(s.text_english is None for s in out[0].segments)
    assert "babelfeed models install de-en" in stats.missing_models["de"]


def test_a_model_appearing_in_model_dirs_is_installed_on_first_need(packages_dir, model_file, tmp_path, cache):
    settings = Settings(warehouse=str(tmp_path / "wh"), online_models=False, model_dirs=f"/nonexistent:{model_file.parent}")
    out, _ = tr.translate_articles(GERMAN, settings, cache)
    assert {a.translation_status for a in out} == {TranslationStatus.TRANSLATED}


def test_a_failing_model_marks_articles_failed_without_raising(installed_model, settings, cache, monkeypatch):
    def boom(self, sentences):
        raise RuntimeError("model exploded")

    monkeypatch.setattr(tr.Engine, "translate", boom)
    out, stats = tr.translate_articles([*GERMAN, ENGLISH], settings, cache)
    assert [a.translation_status for a in out][:2] == [TranslationStatus.FAILED] * 2
    assert out[2].translation_status is TranslationStatus.NOT_NEEDED
    assert "model exploded" in stats.failures["de"]
