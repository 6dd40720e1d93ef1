"""Language detection with langdetect, made deterministic.

langdetect samples n-grams at random; without a fixed seed the same article can flip between
languages from one run to the next, which would break idempotent re-runs. We own one
detector factory with a fixed seed instead of touching the library's global one.

An article's language is its dominant one; each sentence then gets its own where it clearly
differs (an English quote in a German article must not go through the German model).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace
from functools import cache

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from babelfeed import stoplists
from babelfeed.article import Article

SEED = 0
#: Longer texts are detected on this many characters, taken from four evenly spread places:
#: langdetect's cost grows with the text up to the 10,000 characters it reads (all of them
#: from the start), and a spread sample says more about the dominant language than a prefix.
SAMPLE_CHARS = 4000
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Detection:
    language: str
    confidence: float


class UndetectableError(ValueError):
    """The text has no features langdetect can use (numbers, symbols, too little)."""


@cache
def _factory() -> DetectorFactory:
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.set_seed(SEED)
    return factory


_LETTER = re.compile(r"[^\W\d_]")


def letter_count(text: str) -> int:
    return len(_LETTER.findall(text))


def sample(text: str, size: int = SAMPLE_CHARS) -> str:
    """`text`, or for a longer one four evenly spread slices of `size / 4` characters."""
    if len(text) <= size:
        return text
    piece = size // 4
    starts = [i * (len(text) - piece) // 3 for i in range(4)]  # the first and last at the ends
    return "\n".join(text[start : start + piece] for start in starts)


def detect(text: str) -> Detection:
    """Detect the dominant language of `text` with its probability."""
    with _lock:  # loading profiles is not thread-safe; detection itself is cheap
        factory = _factory()
    detector = factory.create()
    detector.append(sample(text))
    try:
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError) as exc:
        raise UndetectableError(str(exc) or "no language features found") from exc
    return Detection(language=best.lang, confidence=round(float(best.prob), 6))


# --- sentence level --------------------------------------------------------------------------

_WORD = re.compile(r"\w+")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
#: langdetect must be at least this sure before a sentence leaves its article's language.
SENTENCE_CONFIDENCE = 0.9


def _latin_share(text: str, letters: int) -> float:
    return len(_LATIN.findall(text)) / letters if letters else 0.0


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
    other_script = abs(_latin_share(text, letters) - article_latin) >= 0.5
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
    latin = _latin_share(text, letter_count(text))
    segments = tuple(
        replace(s, language=sentence_language(s.text, language, latin, min_letters)) for s in article.segments
    )
    return replace(article, segments=segments)
