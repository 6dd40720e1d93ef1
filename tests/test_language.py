import pytest

from babelfeed.language import UndetectableError, detect
from conftest import SEEDS


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_seeds_are_detected_with_high_confidence(path):
    found = detect(path.read_text(encoding="utf-8"))
    assert found.language == ("de" if path.name.startswith("002") else "en")
    assert found.confidence > 0.9


def test_detection_is_deterministic_on_ambiguous_text():
    # Short, mixed text is where langdetect's random sampling flips answers when unseeded.
    text = "Thaad Batterie system Raketen defense Israel"
    answers = {(detect(text).language, detect(text).confidence) for _ in range(25)}
    assert len(answers) == 1


def test_text_without_language_features_raises():
    with pytest.raises(UndetectableError):
        detect("1234 5678 90 -- 42")



def test_a_long_text_is_detected_on_a_sample_spread_over_all_of_it():
    from babelfeed.language import SAMPLE_CHARS, sample

    german = (SEEDS / "002_9ebab77608ba1ccd.txt").read_text(encoding="utf-8")
    english = (SEEDS / "003_4c44f74924c99ddc.txt").read_text(encoding="utf-8")
    short = (SEEDS / "001_f160cded4cf93be3.txt").read_text(encoding="utf-8")
    assert len(short) < SAMPLE_CHARS and sample(short) == short  # short texts are read whole
    long = english * 3 + german * 6  # an English lead of about a third, then German
    picked = sample(long)
    assert len(picked) <= SAMPLE_CHARS + 3
    assert picked.startswith(english[:100])  # from the start...
    assert long[-SAMPLE_CHARS // 4 :] in picked  # ...to the end of the German body
    # langdetect alone reads the first 10,000 characters, all English here; the sample sees both
    # and finds the language most of the article is in.
    assert detect(long).language == "de"


# --- sentence level --------------------------------------------------------------------------

def _labelled(text: str, language: str):
    from datetime import UTC, datetime

    from babelfeed.article import Article
    from babelfeed.language import label_sentences
    from babelfeed.normalize import normalize_text
    from babelfeed.segment import segment

    article = Article("a", "a", "file", datetime.now(UTC), "h", normalize_text(text), language=language)
    return label_sentences(segment(article), 40)


ENGLISH_SEEDS = [p for p in sorted(SEEDS.glob("*.txt")) if not p.name.startswith("002")]


def test_the_german_seed_keeps_its_sentences_german():
    german = (SEEDS / "002_9ebab77608ba1ccd.txt").read_text(encoding="utf-8")
    labels = [s.language for s in _labelled(german, "de").segments]
    assert len(labels) > 30
    assert labels.count("de") / len(labels) >= 0.95


def test_the_english_seeds_keep_their_sentences_english():
    for path in ENGLISH_SEEDS:
        labels = [s.language for s in _labelled(path.read_text(encoding="utf-8"), "en").segments]
        assert labels.count("en") / len(labels) >= 0.95, path.name


def test_english_paragraphs_in_a_german_article_are_labelled_english():
    german = (SEEDS / "002_9ebab77608ba1ccd.txt").read_text(encoding="utf-8").splitlines()
    english = [line for line in (SEEDS / "000_829fa38a8808de3c.txt").read_text(encoding="utf-8").splitlines()
               if len(line) > 80][:3]
    article = _labelled("\n".join([*german[:3], *english, *german[3:6]]), "de")
    by_text = {s.text: s.language for s in article.segments}
    english_sentences = [t for t in by_text if any(t in line for line in english)]
    german_sentences = [t for t in by_text if t not in english_sentences]
    long_english = [t for t in english_sentences if sum(c.isalpha() for c in t) >= 40]
    assert long_english and all(by_text[t] == "en" for t in long_english)
    assert all(by_text[t] == "de" for t in german_sentences)


def test_a_french_paragraph_in_an_english_article_is_french_and_short_sentences_follow_the_article():
    text = (
        "The minister spoke to reporters in Paris on Tuesday about the new budget.\n"
        "Le gouvernement a présenté mardi un budget qui prévoit des économies importantes pour "
        "les collectivités locales et les hôpitaux publics.\n"
        "Merci beaucoup.\n"
        "Officials said the plan would be debated in parliament next week."
    )
    labels = [(s.language, s.text[:20]) for s in _labelled(text, "en").segments]
    assert [lang for lang, _ in labels] == ["en", "fr", "en", "en"]  # "Merci beaucoup." is too short


def test_a_sentence_in_another_script_gets_that_language():
    text = (
        "The talks in Moscow ended without agreement on Tuesday, officials said.\n"
        "Переговоры в Москве завершились во вторник без соглашения, сообщили официальные лица.\n"
        "Both sides said they would meet again next month in Geneva."
    )
    assert [s.language for s in _labelled(text, "en").segments] == ["en", "ru", "en"]


def test_sentence_languages_can_be_turned_off():
    from datetime import UTC, datetime

    from babelfeed.article import Article
    from babelfeed.language import label_sentences
    from babelfeed.segment import segment

    text = "Переговоры в Москве завершились во вторник без соглашения, сообщили официальные лица."
    article = segment(Article("a", "a", "file", datetime.now(UTC), "h", text, language="en"))
    assert [s.language for s in label_sentences(article, 0).segments] == ["en"]
