"""Each sentence's own language, where it clearly differs from its article's.

An article's language is its dominant one; an English quote in a German article must not go
through the German model, nor a French paragraph be translated as if it were German. Deciding
per sentence is where language ID is weakest (little text) and costliest (langdetect takes
1-2 ms a sentence), so a sentence leaves its article's language only when two independent
signals agree, and the slow one is asked only when a cheap screen finds a reason.

The screen is CLD2 (`pycld2`, Google's compact language detector, its tables compiled into
the wheel): about 15 us a sentence, where the function-word test it replaces took 40-220 us.
On labelled sentences of 37 languages it names another language than a sentence's own for
0.5% of them once close relatives langdetect does not tell apart are counted as one (Bosnian
and Serbian as Croatian, Nynorsk as Norwegian, Malay as Indonesian, Galician as Spanish), and
flags 98% of the sentences of another language, Chinese and Arabic ones in Cyrillic articles
included (the function-word test, which compared only the share of Latin letters, found none
of those). Where CLD2 has no answer (short or unusual sentences) the function-word test
decides as before. A flagged sentence keeps its article's language unless langdetect is at
least 90% sure of another one and that language's function words agree, or the sentence is
written in a script the article's language is not (benchmarks/STUDY_issue20.md, section 4).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import replace

import pycld2

from babelfeed import stoplists
from babelfeed.article import Article
from babelfeed.language import scripts
from babelfeed.language.detect import UndetectableError, detect, letter_count, sample

_WORD = re.compile(r"\w+")
#: langdetect must be at least this sure before a sentence leaves its article's language.
SENTENCE_CONFIDENCE = 0.9
#: Languages the screen counts as one: CLD2's codes for what langdetect calls otherwise (he,
#: zh-cn/zh-tw) or does not know (bs, sr, nn, ms, gl), and Chinese in either script.
_FAMILY = {
    "iw": "he", "zh": "zh", "zh-Hant": "zh", "zh-cn": "zh", "zh-tw": "zh", "nn": "no", "nb": "no",
    "bs": "hr", "sr": "hr", "ms": "id", "gl": "es",
}
_UNKNOWN = "un"


def _family(code: str) -> str:
    return _FAMILY.get(code, code)


def _cld2(text: str) -> str:
    """CLD2's language code for `text` ("un": none). CLD2 refuses control characters and
    Unicode noncharacters (and Python cannot encode lone surrogates): those are left out."""
    try:
        return pycld2.detect(text, isPlainText=True)[2][0][1]
    except (pycld2.error, ValueError):
        kept = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
        try:
            return pycld2.detect(kept, isPlainText=True)[2][0][1]
        except (pycld2.error, ValueError):
            return _UNKNOWN


def screen(text: str, article_language: str) -> bool | None:
    """Whether CLD2 names another language than the article's for `text` (relatives counted as
    one); None where it names none."""
    found = _cld2(text)
    if found == _UNKNOWN:
        return None
    return _family(found) != _family(article_language)


def _hits(words: list[str], vocabulary: frozenset[str]) -> int:
    return sum(1 for w in words if w in vocabulary)


def sentence_language(
    text: str, article_language: str, article_latin: float | Callable[[], float], min_letters: int
) -> str:
    """The sentence's own language, or the article's unless two signals agree that it is not.

    Precision first: langdetect is asked only about sentences the screen flags (CLD2 names
    another language; where it names none, several function words of other languages or
    another share of Latin letters than the article's, `article_latin`, a number or a function
    that computes it), and its answer is kept only when it is sure and the function words
    (or the script) agree with it.
    """
    if min_letters <= 0 or len(text) < min_letters:
        return article_language
    flagged = screen(text, article_language)
    if flagged is False or letter_count(text) < min_letters:
        return article_language
    original = _WORD.findall(text)
    words = [w.casefold() for w in original]
    own = _hits(words, stoplists.stoplist(article_language))
    if flagged is None:  # CLD2 cannot tell: the function-word test
        latin = article_latin() if callable(article_latin) else article_latin
        # Capitalised words are names and (in German) nouns, and letters are initials ("U.S."):
        # the lists hold many of them, and they say nothing about the language around them.
        lowercase = [w for w in original if len(w) > 1 and w.islower()]
        foreign = _hits(lowercase, stoplists.foreign_words(article_language))
        looks_foreign = foreign >= 2 and (foreign >= own or (foreign >= 3 and 2 * foreign >= own))
        other_script = abs(scripts.latin_share(text, letter_count(text)) - latin) >= 0.5
        if not (looks_foreign or other_script):
            return article_language
    else:
        script = scripts.dominant(text)
        other_script = script is not None and script not in scripts.written_in(article_language)
    try:
        found = detect(text)
    except UndetectableError:
        return article_language
    if found.language == article_language or found.confidence < SENTENCE_CONFIDENCE:
        return article_language
    if other_script or _hits(words, stoplists.stoplist(found.language)) >= max(2, own):
        return found.language
    return article_language


def label_sentences(article: Article, min_letters: int) -> Article:
    """Give every segment its own language (`sentence_language`); the article's stays the
    dominant one. Segments already carrying the answer (`segment` gives each the article's
    language) are kept as they are: only the few that differ are copied."""
    language = article.language or "und"
    latin: list[float] = []

    def article_latin() -> float:  # the article's Latin share, from its sample, when first needed
        if not latin:
            text = sample(article.text)
            latin.append(scripts.latin_share(text, letter_count(text)))
        return latin[0]

    changed = {}
    for i, s in enumerate(article.segments):
        own = sentence_language(s.text, language, article_latin, min_letters)
        if own != s.language:
            changed[i] = own
    if not changed:
        return article
    segments = tuple(replace(s, language=changed[i]) if i in changed else s for i, s in enumerate(article.segments))
    return replace(article, segments=segments)
