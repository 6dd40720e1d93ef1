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


# --- issue 20: the same sentences, cheaper ---------------------------------------------------------

import pickle  # noqa: E402
import re  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from babelfeed import segment as seg  # noqa: E402

#: The specification of a candidate sentence end: one expression, tried at every character.
_SPEC = re.compile(
    rf"(?<![{seg._ENDS}])[{seg._ENDS}]+[{re.escape(seg._CLOSERS)}]*(?=\s+\S)"
    rf"|(?<![{seg._WIDE_ENDS}])[{seg._WIDE_ENDS}]+[{re.escape(seg._WIDE_CLOSERS)}]*(?=\s*\S)"
)
_PIECES = list(seg._ENDS + seg._WIDE_ENDS + seg._CLOSERS + seg._WIDE_CLOSERS) + [" ", "\t", "a", "Z", "字", "。」 他"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join))
def test_candidate_sentence_ends_are_those_of_the_single_expression(paragraph):
    """The scan that skips to sentence-end characters finds exactly what the expression it
    replaced matched, including its backtracking at the end of a run of wide ends."""
    assert seg._candidates(paragraph) == [m.span() for m in _SPEC.finditer(paragraph)]


def test_an_article_crosses_a_process_boundary_with_its_segments_as_they_are():
    from dataclasses import replace

    from babelfeed.article import Segment
    from conftest import SEEDS

    text = (SEEDS / "002_9ebab77608ba1ccd.txt").read_text(encoding="utf-8")
    article = segment(Article("id", "file:///x", "file", datetime.now(UTC), "h", text, language="de"))
    translated = Segment(9, 9, 0, 4, "Text", "Text", "en", "m", -0.5, 7, ("cut",))  # every field set
    article = replace(article, segments=(*article.segments[:-1], translated))
    assert pickle.loads(pickle.dumps(article)) == article
