from datetime import UTC, datetime

import pytest

from babelfeed.article import Article
from babelfeed.segment import MAX_SENTENCE_CHARS, segment, sentences, split_sentences


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        (
            "Die Raketen wurden am 1. Oktober abgefeuert. Israel reagierte.",
            "de",
            ["Die Raketen wurden am 1. Oktober abgefeuert.", "Israel reagierte."],
        ),
        (
            "Pentagon spokesman Maj. Gen. Patrick Ryder said Monday. Troops will go.",
            "en",
            ["Pentagon spokesman Maj. Gen. Patrick Ryder said Monday.", "Troops will go."],
        ),
        (
            "The U.S. troops will add to the forces. The U.S. Army agreed.",
            "en",
            ["The U.S. troops will add to the forces.", "The U.S. Army agreed."],
        ),
        (
            "Es gibt Systeme, z. B. Arrow 3, die helfen. Das ist neu.",
            "de",
            ["Es gibt Systeme, z. B. Arrow 3, die helfen.", "Das ist neu."],
        ),
        (
            "Er sagte: „Nein.“ Dann ging er. Wirklich? Ja!",
            "de",
            ["Er sagte: „Nein.“", "Dann ging er.", "Wirklich?", "Ja!"],
        ),
        ("Es geschah im Jahr 2019. Danach kam nichts.", "de", ["Es geschah im Jahr 2019.", "Danach kam nichts."]),
        ("He was 21. Then he left.", "en", ["He was 21.", "Then he left."]),
        ("Mr. Eveleth posted online. Einige F-35s hatten Glück.", "de", ["Mr. Eveleth posted online.", "Einige F-35s hatten Glück."]),
    ],
)
def test_sentence_boundaries(text, language, expected):
    assert sentences(text, language) == expected


def test_the_german_seed_keeps_its_dates_inside_sentences():
    from conftest import GERMAN_SEED

    text = GERMAN_SEED.read_text(encoding="utf-8")
    found = sentences(text.replace("\n", "\n\n"), "de")
    assert not any(s.endswith(("1.", "7.")) for s in found)
    assert any("am 1. Oktober auf Israel abgefeuert" in s for s in found)


def test_offsets_point_into_the_article_text():
    text = "Erster Satz hier. Zweiter Satz, z. B. mit Zusatz.\n\nNeuer Absatz am 3. Mai. Ende."
    article = Article("id", "file:///x", "file", datetime.now(UTC), "h", text, language="de")
    segs = segment(article).segments
    assert [(s.paragraph_index, s.sentence_index) for s in segs] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    for s in segs:
        assert text[s.start : s.end] == s.text
    assert segs[2].text == "Neuer Absatz am 3. Mai."


def test_overlong_sentences_are_cut_at_spaces():
    text = " ".join(["wort"] * 600)  # 2999 characters, no punctuation
    spans = split_sentences(text, "de")
    assert len(spans) == 3
    assert all(e - s <= MAX_SENTENCE_CHARS for s, e in spans)
    assert " ".join(text[s:e] for s, e in spans) == text
