"""Each sentence's own language, where it clearly differs from its article's.

An article's language is its dominant one; an English quote in a German article must not go
through the German model, nor a French paragraph be translated as if it were German. Deciding
per sentence is where language ID is weakest (little text) and costliest (langdetect takes
about 2 ms a sentence), so a sentence leaves its article's language only when two independent
signals agree, and the slow one is asked only when the cheap one finds a reason.
"""

from __future__ import annotations

import re
from dataclasses import replace

from babelfeed import stoplists
from babelfeed.article import Article
from babelfeed.language import scripts
from babelfeed.language.detect import UndetectableError, detect, letter_count, sample

_WORD = re.compile(r"\w+")
#: langdetect must be at least this sure before a sentence leaves its article's language.
SENTENCE_CONFIDENCE = 0.9


def _hits(words: list[str], vocabulary: frozenset[str]) -> int:
    return sum(1 for w in words if w in vocabulary)


def sentence_language(text: str, article_language: str, article_latin: float, min_letters: int) -> str:
    """The sentence's own language, or the article's unless two signals agree that it is not.

    Precision first: langdetect on one sentence is slow (about 2 ms) and noisy, so it is asked
    only about sentences that look foreign by a cheap test (several function words of other
    languages, or another script than the article's), and its answer is kept only when it is
    sure and the function words (or the script) agree with it.
    """
    if min_letters <= 0 or len(text) < min_letters:
        return article_language
    letters = letter_count(text)
    if letters < min_letters:
        return article_language
    original = _WORD.findall(text)
    words = [w.casefold() for w in original]
    own = _hits(words, stoplists.stoplist(article_language))
    # Capitalised words are names and (in German) nouns, and letters are initials ("U.S."):
    # the lists hold many of them, and they say nothing about the language around them.
    lowercase = [w for w in original if len(w) > 1 and w.islower()]
    foreign = _hits(lowercase, stoplists.foreign_words(article_language))
    looks_foreign = foreign >= 2 and (foreign >= own or (foreign >= 3 and 2 * foreign >= own))
    other_script = abs(scripts.latin_share(text, letters) - article_latin) >= 0.5
    if not (looks_foreign or other_script):
        return article_language
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
    dominant one."""
    language = article.language or "und"
    text = sample(article.text)
    latin = scripts.latin_share(text, letter_count(text))
    segments = tuple(
        replace(s, language=sentence_language(s.text, language, latin, min_letters)) for s in article.segments
    )
    return replace(article, segments=segments)
