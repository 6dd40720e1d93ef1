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


def test_a_damaged_model_file_marks_its_articles_failed_and_the_rest_goes_on(installed_model, settings, cache):
    weights = installed_model.path / "model" / "model.bin"
    weights.write_bytes(weights.read_bytes()[:1000])  # a copy cut short
    out, stats = tr.translate_articles([*GERMAN, ENGLISH], settings, cache)
    assert [a.translation_status for a in out] == [TranslationStatus.FAILED] * 2 + [TranslationStatus.NOT_NEEDED]
    assert "de" in stats.failures and all(a.text_english is None or a.language == "en" for a in out)


# --- quality signals, bounded decoding, per-sentence language ---------------------------------

import math  # noqa: E402

from babelfeed.language import label_sentences  # noqa: E402
from babelfeed.translate.engine import LENGTH_EXTRA, LENGTH_RATIO  # noqa: E402
from babelfeed.translate.quality import Flag, flags, has_repetition  # noqa: E402


def labelled(uri: str, text: str, language: str) -> Article:
    return label_sentences(article(uri, text, language), 40)


def test_translated_sentences_carry_finite_scores_and_the_article_their_weighted_mean(installed_model, settings, cache):
    out, stats = tr.translate_articles(GERMAN, settings, cache)
    for a in out:
        scores = [s.translation_score for s in a.segments]
        assert all(isinstance(x, float) and math.isfinite(x) and x < 0 for x in scores)
        weights = [s.translation_tokens for s in a.segments]
        assert a.translation_score == pytest.approx(sum(x * w for x, w in zip(scores, weights, strict=True)) / sum(weights), abs=1e-5)
        assert a.flagged_segments == sum(1 for s in a.segments if s.translation_flags)
    assert stats.tokens == sum(s.translation_tokens for s in {s.text: s for a in out for s in a.segments}.values())
    assert stats.device == "cpu" and stats.compute_type == "int8" and stats.model_seconds > 0


def test_a_looping_model_is_cut_near_the_source_length_and_flagged(installed_model, tmp_path, cache):
    # Random weights never emit an end token: every output loops until the bound stops it.
    settings = Settings(warehouse=str(tmp_path / "wh"), online_models=False, max_decoding_length=256)
    short = article("s", "Beamte sagen, dass es hilft.", "de")
    long = article("l", " ".join(["Das Pentagon hat bestätigt, dass es ein System schickt."] * 3), "de")
    engine = tr.load_engine(installed_model, settings)
    out, _ = tr.translate_articles([short, long], settings, cache)
    for a in out:
        for s in a.segments:
            source_tokens = len(engine.tokenizer.encode(s.text))
            assert s.translation_tokens == LENGTH_RATIO * source_tokens + LENGTH_EXTRA < 256
            assert Flag.TRUNCATED in s.translation_flags
    # The cap still holds for a sentence whose own bound would be longer.
    capped = Settings(warehouse=str(tmp_path / "wh"), online_models=False, max_decoding_length=12)
    out, _ = tr.translate_articles([long], capped, tr.TranslationCache(tmp_path / "other.sqlite"))
    assert {s.translation_tokens for s in out[0].segments} == {12}


def test_the_cache_keeps_scores_and_flags_and_decoding_settings_are_part_of_its_key(installed_model, settings, cache):
    first, _ = tr.translate_articles(GERMAN, settings, cache)
    again, stats = tr.translate_articles(GERMAN, settings, cache)
    assert stats.translated_sentences == 0 and stats.model_seconds == 0
    assert [a.segments for a in again] == [a.segments for a in first]
    assert [a.translation_score for a in again] == [a.translation_score for a in first]

    no_repeats = settings.model_copy(update={"no_repeat_ngram_size": 1})
    redone, stats = tr.translate_articles(GERMAN, no_repeats, cache)
    assert stats.cache_hits == 0 and stats.translated_sentences == 3
    # The control reaches CTranslate2: with no token allowed twice nothing can loop.
    assert not any(Flag.REPETITION in s.translation_flags for a in redone for s in a.segments)
    assert any(Flag.REPETITION in s.translation_flags for a in first for s in a.segments)


def test_english_paragraphs_of_a_german_article_are_not_sent_to_the_model(installed_model, settings, cache):
    english = "The Pentagon confirmed on Sunday that it will send the system to Israel, officials said."
    mixed = labelled("m", f"Das Pentagon hat bestätigt, dass es ein System schickt.\n{english}\nBeamte sagen, dass es hilft.", "de")
    out, stats = tr.translate_articles([mixed], settings, cache)
    a = out[0]
    assert a.language == "de" and a.translation_status is TranslationStatus.TRANSLATED
    assert a.translation_model == "argos/de-en@1.0"
    en = [s for s in a.segments if s.text == english]
    assert len(en) == 1 and en[0].language == "en"
    assert en[0].text_english == english and en[0].translation_model is None and en[0].translation_score is None
    de = [s for s in a.segments if s.text != english]
    assert all(s.language == "de" and s.translation_model == "argos/de-en@1.0" for s in de)
    assert stats.translated_sentences == 2
    assert english in a.text_english


FRENCH = (
    "Le gouvernement a présenté mardi un budget qui prévoit des économies importantes pour "
    "les collectivités locales et les hôpitaux publics."
)


def test_a_sentence_in_a_third_language_without_a_model_stays_untranslated_and_flagged(installed_model, settings, cache):
    mixed = labelled("f", f"Das Pentagon hat bestätigt, dass es ein System schickt.\n{FRENCH}", "de")
    out, stats = tr.translate_articles([mixed], settings, cache)
    a = out[0]
    fr = [s for s in a.segments if s.text == FRENCH][0]
    assert fr.language == "fr" and fr.text_english is None and fr.translation_flags == ("model_missing",)
    assert a.translation_status is TranslationStatus.TRANSLATED and a.flagged_segments >= 1
    assert "babelfeed models install fr-en" in stats.missing_models["fr"]


def test_a_sentence_in_a_third_language_goes_to_its_own_model(installed_model, settings, cache, tmp_path):
    from babelfeed import models
    from random_argos import build_argos_package, seed_lines

    models.install_file(build_argos_package(tmp_path / "fr", seed_lines(), from_code="fr"))
    mixed = labelled("f", f"Das Pentagon hat bestätigt, dass es ein System schickt.\n{FRENCH}", "de")
    a = tr.translate_articles([mixed], settings, cache)[0][0]
    fr = [s for s in a.segments if s.text == FRENCH][0]
    assert fr.translation_model == "argos/fr-en@1.0" and fr.text_english and fr.translation_score is not None
    assert a.translation_model == "argos/de-en@1.0"


def test_flags_name_what_looks_wrong():
    tokens = ["▁a"] * 10
    assert flags("Der Satz.", "", tokens, [], 30) == (Flag.EMPTY,)
    assert flags("Beamte sagen es.", "Beamte sagen es.", tokens, tokens, 30) == (Flag.COPY,)
    assert Flag.LENGTH_RATIO in flags("Ein langer Satz.", "Yes.", tokens, ["▁Yes", "."], 30)
    assert Flag.TRUNCATED in flags("Ein Satz.", "One two three", tokens, ["▁x"] * 30, 30)
    assert flags("Ein ganz normaler Satz.", "A quite normal sentence.", tokens, ["▁x"] * 9, 30) == ()
    assert has_repetition("T 1. T 1. T 1. T 1.") and has_repetition("the the the the")
    assert not has_repetition("very, very, very good") and not has_repetition("He paid 1,000,000,000,000 dollars")
